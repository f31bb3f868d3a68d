package sqsapi

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
)

func TestFromQuery(t *testing.T) {
	form, _ := url.ParseQuery("QueueUrl=u&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5&Attribute.2.Name=DelaySeconds&Attribute.2.Value=1" +
		"&AttributeName.2=B&AttributeName.1=A&MaxNumberOfMessages=3" +
		"&SendMessageBatchRequestEntry.1.Id=x&SendMessageBatchRequestEntry.1.MessageBody=hi&SendMessageBatchRequestEntry.1.DelaySeconds=2" +
		"&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=k&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String" +
		"&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v&Tag.1.Key=team&Tag.1.Value=a")
	params := map[string]string{}
	for k, v := range form {
		params[k] = v[0]
	}
	got, err := fromQuery(params)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	var norm map[string]any
	json.Unmarshal(b, &norm)
	var want map[string]any
	json.Unmarshal([]byte(`{"QueueUrl":"u","Attributes":{"VisibilityTimeout":"5","DelaySeconds":"1"},"AttributeNames":["A","B"],
		"MaxNumberOfMessages":3,"Tags":{"team":"a"},
		"Entries":[{"Id":"x","MessageBody":"hi","DelaySeconds":2,"MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}}]}`), &want)
	if !reflect.DeepEqual(norm, want) {
		t.Errorf("got %s", b)
	}
	if _, err := fromQuery(map[string]string{"MaxNumberOfMessages": "ten"}); err == nil {
		t.Error("a non-number MaxNumberOfMessages was accepted")
	}
}

func FuzzFromQuery(f *testing.F) {
	f.Add("Attribute.1.Name=a&Attribute.1.Value=b&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=k&DelaySeconds=1")
	f.Add("Entry.x.y=1&.1=2&AttributeName.99999999999999999999=3")
	f.Fuzz(func(t *testing.T, q string) {
		form, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		params := map[string]string{}
		for k, v := range form {
			params[k] = v[0]
		}
		if out, err := fromQuery(params); err == nil {
			if _, err := json.Marshal(out); err != nil {
				t.Fatalf("unencodable members from %q: %v", q, err)
			}
		}
	})
}

package dynamodb

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// TestAppendJSON checks that the outputs that write their own JSON write
// the value encoding/json would.
func TestAppendJSON(t *testing.T) {
	item := js[Item](t, `{"pk": {"S": "a\"<b>\u2028"}, "n": {"N": "1.5"}, "m": {"M": {"l": {"L": [{"B": "AAE="}, {"NULL": true}]}}}, "s": {"SS": ["x"]}}`)
	outputs := []interface{ AppendJSON([]byte) []byte }{
		&GetItemOutput{}, &GetItemOutput{Item: item}, &GetItemOutput{Item: item, ConsumedCapacity: &ConsumedCapacity{TableName: "t", CapacityUnits: 0.5}},
	}
	for _, o := range outputs {
		want, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		// The same JSON value; encoding/json also escapes <, > and &,
		// which DynamoDB does not.
		got := o.AppendJSON(nil)
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil || json.Unmarshal(want, &w) != nil || !reflect.DeepEqual(g, w) {
			t.Errorf("AppendJSON = %s\njson.Marshal = %s", got, want)
		}
	}
}

// TestQueryOutputJSON checks a page's JSON, with items as stored and
// projected, against encoding/json's of the same page.
func TestQueryOutputJSON(t *testing.T) {
	item := js[Item](t, `{"pk": {"S": "a\"<b>\u2028"}, "n": {"N": "1.5"}, "m": {"M": {"l": {"L": [{"B": "AAE="}, {"NULL": true}]}}}, "s": {"SS": ["x"]}}`)
	type page struct {
		Items            []Item            `json:"Items,omitempty"`
		Count            int               `json:"Count"`
		ScannedCount     int               `json:"ScannedCount"`
		LastEvaluatedKey Item              `json:"LastEvaluatedKey,omitempty"`
		ConsumedCapacity *ConsumedCapacity `json:"ConsumedCapacity,omitempty"`
	}
	stored, projected := &QueryOutput{}, &QueryOutput{}
	for range 2 {
		stored.add(nil, attr.MarshalItem(item))
		projected.add(item, nil)
	}
	for _, o := range []*QueryOutput{stored, projected} {
		o.Count, o.ScannedCount, o.LastEvaluatedKey = 2, 3, Item{"pk": item["pk"]}
		o.ConsumedCapacity = &ConsumedCapacity{TableName: "t", CapacityUnits: 1}
		want, _ := json.Marshal(page{o.Items(), o.Count, o.ScannedCount, o.LastEvaluatedKey, o.ConsumedCapacity})
		got := o.AppendJSON(nil)
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil || json.Unmarshal(want, &w) != nil || !reflect.DeepEqual(g, w) {
			t.Errorf("AppendJSON = %s\njson.Marshal = %s", got, want)
		}
		if !reflect.DeepEqual(o.Items(), []Item{item, item}) {
			t.Errorf("Items = %v", o.Items())
		}
	}
	if got, want := string(stored.AppendJSON(nil)), string(projected.AppendJSON(nil)); got != want {
		t.Errorf("stored items written as %s, projected as %s", got, want)
	}
	if got := string((&QueryOutput{Count: 1}).AppendJSON(nil)); got != `{"Count":1,"ScannedCount":0}` {
		t.Errorf("empty page = %s", got)
	}
}

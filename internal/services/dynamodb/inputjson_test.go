package dynamodb

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// decodes are the requests that read their own JSON, each checked against
// encoding/json: ok is whether DecodeJSON read data.
var decodes = map[string]func(t *testing.T, data []byte) (ok bool){
	"PutItem":            sameAsJSON[PutItemInput],
	"GetItem":            sameAsJSON[GetItemInput],
	"DeleteItem":         sameAsJSON[DeleteItemInput],
	"UpdateItem":         sameAsJSON[UpdateItemInput],
	"Query":              sameAsJSON[QueryInput],
	"Scan":               sameAsJSON[ScanInput],
	"TransactWriteItems": sameAsJSON[TransactWriteItemsInput],
	"BatchWriteItem":     sameAsJSON[BatchWriteItemInput],
	"BatchGetItem":       sameAsJSON[BatchGetItemInput],
}

// sameAsJSON decodes data with DecodeJSON and, when that reads it, checks
// that encoding/json reads it too, to the same value.
func sameAsJSON[T any, PT interface {
	*T
	DecodeJSON([]byte) bool
}](t *testing.T, data []byte) bool {
	t.Helper()
	fast := PT(new(T))
	if !fast.DecodeJSON(data) {
		return false
	}
	want := new(T)
	if err := json.Unmarshal(data, want); err != nil {
		t.Fatalf("DecodeJSON read %s, which encoding/json refuses: %v", data, err)
	}
	if !reflect.DeepEqual(fast, PT(want)) {
		t.Fatalf("DecodeJSON(%s) = %+v, encoding/json = %+v", data, fast, want)
	}
	return true
}

// Every AttributeValue form, as the SDKs send them.
const everyValue = `{"s": {"S": "héllo \"w\"\n"}, "n": {"N": "-012.50"}, "big": {"N": "1e3"}, "bad": {"N": "x"}, "b": {"B": "AAE="},
	"t": {"BOOL": true}, "f": {"BOOL": false}, "z": {"NULL": true}, "nz": {"NULL": false},
	"m": {"M": {"a": {"L": [{"S": "x"}, {"M": {}}, {"L": []}]}}}, "l": {"L": []},
	"ss": {"SS": ["a", "b", "a"]}, "es": {"SS": []}, "ns": {"NS": ["1", "1.0", "z"]}, "bs": {"BS": ["AA==", "AQ=="]}, "ebs": {"BS": []},
	"empty": {}, "\u00e9\\u00e9": {"S": "\ud83d\ude00 \u2028"}, "inv": {"S": "` + "\xff" + `"}}`

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		op, body string
		fast     bool
	}{
		{"PutItem", `{"TableName": "t", "Item": ` + everyValue + `}`, true},
		{"PutItem", `{"Item":{"pk":{"S":"p0-1"},"sk":{"N":"0"}},"TableName":"bench","ConditionExpression":"attribute_not_exists(#p)",
			"ExpressionAttributeNames":{"#p":"pk"},"ExpressionAttributeValues":{":v":{"N":"1"}},"ReturnValues":"ALL_OLD",
			"Expected":{"a":{"Exists":false}},"ConditionalOperator":"AND","ReturnConsumedCapacity":"TOTAL"}`, true},
		{"PutItem", ` {"Item": {"a": {"S": "x"}}, "Item": {"b": {"S": "y"}}} `, true}, // merged, as encoding/json does
		{"GetItem", `{"TableName":"t","Key":{"pk":{"S":"a"}},"ConsistentRead":true,"AttributesToGet":["a","b"],"ProjectionExpression":"a"}`, true},
		{"DeleteItem", `{"TableName":"t","Key":{"pk":{"B":"AA=="}},"ReturnValues":"ALL_OLD"}`, true},
		{"UpdateItem", `{"TableName":"t","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET a = :a","ExpressionAttributeValues":{":a":{"SS":["x"]}},
			"AttributeUpdates":{"x":{"Action":"PUT","Value":{"N":"1"}}}}`, true},
		{"Query", `{"TableName":"t","IndexName":"i","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"q"}},
			"Limit":10,"ScanIndexForward":false,"ExclusiveStartKey":{"pk":{"S":"q"},"sk":{"N":"5"}},"Select":"COUNT","KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"q"}]}}}`, true},
		{"Scan", `{"TableName":"t","Segment":0,"TotalSegments":4,"Limit":-3,"FilterExpression":"a > :a","ExpressionAttributeValues":{":a":{"N":"1"}}}`, true},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"}}}},{"Update":{"TableName":"t","Key":{"pk":{"S":"b"}},
			"UpdateExpression":"SET x = :x","ExpressionAttributeValues":{":x":{"N":"1"}}}},{"Delete":{"TableName":"t","Key":{"pk":{"S":"c"}}}},
			{"ConditionCheck":{"TableName":"t","Key":{"pk":{"S":"d"}},"ConditionExpression":"attribute_exists(pk)"}},{}],"ClientRequestToken":"tok"}`, true},
		{"BatchWriteItem", `{"RequestItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"b"}}}}],"u":[]}}`, true},
		{"BatchGetItem", `{"RequestItems":{"t":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"b"}}],"ConsistentRead":true},"u":{"Keys":[]}}}`, true},
		// Left to encoding/json.
		{"PutItem", `null`, false},
		{"PutItem", `{"tablename": "t"}`, false},
		{"PutItem", `{"TableName": "t", "Unknown": 1}`, false},
		{"PutItem", `{"TableName": null}`, false},
		{"PutItem", `{"Item": {"a": null}}`, false},
		{"PutItem", `{"Item": {"a": {"S": "x", "N": "1"}}}`, false},
		{"PutItem", `{"Item": {"a": {"s": "x"}}}`, false},
		{"PutItem", `{"Item": {"a": {"N": 1}}}`, false},
		{"PutItem", `{"Item": {"a": {"B": "***"}}}`, false},
		{"PutItem", `{"TableName": "t"} x`, false},
		{"PutItem", `{"TableName": "t",}`, false},
		{"Query", `{"Limit": 1.5}`, false},
		{"Query", `{"Limit": 01}`, false},
		{"TransactWriteItems", `{"TransactItems": [], "TransactItems": []}`, false},
	}
	for _, tt := range tests {
		if got := decodes[tt.op](t, []byte(tt.body)); got != tt.fast {
			t.Errorf("%s %s: read by DecodeJSON %v, want %v", tt.op, tt.body, got, tt.fast)
		}
	}
}

// FuzzDecodeJSON checks that whatever a DecodeJSON reads, encoding/json
// reads to the same value.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"TableName": "t", "Item": ` + everyValue + `}`))
	f.Add([]byte(`{"TableName":"t","Key":{"pk":{"S":"a"}},"Limit":5,"ScanIndexForward":true,"ExpressionAttributeNames":{"#a":"b"}}`))
	f.Add([]byte(`{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"}}},"Put":{"Key":{"k":{"NS":["1"]}}}}]}`))
	f.Add([]byte(`{"RequestItems":{"t":[{"PutRequest":{"Item":{"pk":{"BS":["AA=="]}}}}]}}`))
	f.Add([]byte(`{"RequestItems":{"t":{"Keys":[{"pk":{"L":[{"NULL":true}]}}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, decode := range decodes {
			decode(t, data)
		}
	})
}

// BenchmarkDecodePutItem compares DecodeJSON with encoding/json on the
// benchmark's PutItem.
func BenchmarkDecodePutItem(b *testing.B) {
	body := []byte(`{"Item":{"pk":{"S":"p0-1"},"sk":{"N":"0"},"v":{"S":"` + strings.Repeat("x", 100) + `"}},"TableName":"bench"}`)
	b.Run("DecodeJSON", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var in PutItemInput
			if !in.DecodeJSON(body) {
				b.Fatal("not read")
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var in PutItemInput
			if err := json.Unmarshal(body, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

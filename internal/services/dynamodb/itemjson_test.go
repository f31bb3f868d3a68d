package dynamodb

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestAppendJSON checks that the outputs that write their own JSON write
// the value encoding/json would.
func TestAppendJSON(t *testing.T) {
	item := js[Item](t, `{"pk": {"S": "a\"<b>\u2028"}, "n": {"N": "1.5"}, "m": {"M": {"l": {"L": [{"B": "AAE="}, {"NULL": true}]}}}, "s": {"SS": ["x"]}}`)
	outputs := []interface{ AppendJSON([]byte) []byte }{
		&GetItemOutput{}, &GetItemOutput{Item: item}, &GetItemOutput{Item: item, ConsumedCapacity: &ConsumedCapacity{TableName: "t", CapacityUnits: 0.5}},
		&QueryOutput{}, &QueryOutput{Items: []Item{item, item}, Count: 2, ScannedCount: 3, LastEvaluatedKey: Item{"pk": item["pk"]}},
		&QueryOutput{Count: 1, ConsumedCapacity: &ConsumedCapacity{TableName: "t", CapacityUnits: 1}},
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

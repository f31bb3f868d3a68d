package dynamodb

import (
	"encoding/json"
	"strconv"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
)

// The outputs that carry items write their own JSON (the wire layer's
// jsonAppender): encoding/json would call each value's MarshalJSON and
// then scan its bytes again, which was most of a Query's time. They write
// the JSON value json.Marshal would (without its HTML escapes, as
// DynamoDB).

// AppendJSON appends GetItem's output as JSON.
func (o *GetItemOutput) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	sep := false
	if o.Item != nil {
		dst = append(dst, `"Item":`...)
		dst = attr.AppendItemJSON(dst, o.Item)
		sep = true
	}
	dst = appendCapacity(dst, sep, o.ConsumedCapacity)
	return append(dst, '}')
}

// AppendJSON appends a Query's or Scan's output as JSON.
func (o *QueryOutput) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	if len(o.items) > 0 {
		dst = append(dst, `"Items":[`...)
		dst = append(dst, o.items...)
		dst = append(dst, "],"...)
	}
	dst = append(dst, `"Count":`...)
	dst = strconv.AppendInt(dst, int64(o.Count), 10)
	dst = append(dst, `,"ScannedCount":`...)
	dst = strconv.AppendInt(dst, int64(o.ScannedCount), 10)
	if o.LastEvaluatedKey != nil {
		dst = append(dst, `,"LastEvaluatedKey":`...)
		dst = attr.AppendItemJSON(dst, o.LastEvaluatedKey)
	}
	dst = appendCapacity(dst, true, o.ConsumedCapacity)
	return append(dst, '}')
}

func appendCapacity(dst []byte, sep bool, c *ConsumedCapacity) []byte {
	if c == nil {
		return dst
	}
	if sep {
		dst = append(dst, ',')
	}
	v, _ := json.Marshal(c)
	dst = append(dst, `"ConsumedCapacity":`...)
	return append(dst, v...)
}

// MarshalJSON is AppendJSON, for encoding/json.
func (o *QueryOutput) MarshalJSON() ([]byte, error) { return o.AppendJSON(nil), nil }

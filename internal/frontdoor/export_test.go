package frontdoor

import "encoding/json"

// EventV2JSON is EventV2 through encoding/json, what appendV2 must equal.
func EventV2JSON(r *Request) ([]byte, error) {
	ev := buildV2(r)
	ev.Body, ev.IsBase64Encoded = r.body()
	return json.Marshal(ev)
}

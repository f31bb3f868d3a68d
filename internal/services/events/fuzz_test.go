package events

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzInputTransformer renders arbitrary templates over arbitrary events:
// it never panics, and a template that is JSON gives JSON or
// errInvalidJSON.
func FuzzInputTransformer(f *testing.F) {
	f.Add(`{"a": <v>, "b": "<v> x", "c": [<v>]}`, "$.detail.v", `{"detail": {"v": {"k": [1, "2"]}}}`)
	f.Add(`"text <v> and <aws.events.event>"`, "$.detail.*", `{"detail": {"a": "x\"y", "b": null}}`)
	f.Add(`<v>`, "$[0].x", `[{"x": true}]`)
	f.Fuzz(func(t *testing.T, template, path, event string) {
		if !json.Valid([]byte(event)) {
			return
		}
		tr := &InputTransformer{InputPathsMap: map[string]string{"v": path}, InputTemplate: template}
		if checkTransformer("t", tr) != nil {
			return
		}
		out, err := transform(tr, &eventVars{ruleARN: "arn", ruleName: "r", ingestion: "t", event: json.RawMessage(event)})
		trimmed := strings.TrimSpace(template)
		isJSON := strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")
		switch {
		case err != nil && !errors.Is(err, errInvalidJSON):
			t.Fatalf("%q: %v", template, err)
		case err == nil && isJSON && !json.Valid(out):
			t.Fatalf("%q gave %s, not JSON", template, out)
		}
	})
}

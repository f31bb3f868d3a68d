package sqsapi

import (
	"sort"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/sqs"
)

// The query protocol flattens lists and maps into numbered parameters
// (Attribute.1.Name=...&Attribute.1.Value=...). fromQuery turns them into
// the shape the JSON protocol sends, so both protocols decode into the
// same input types.

var queryLists = map[string]string{
	"AttributeName":              "AttributeNames",
	"MessageAttributeName":       "MessageAttributeNames",
	"MessageSystemAttributeName": "MessageSystemAttributeNames",
	"TagKey":                     "TagKeys",
}

var queryMaps = map[string]string{
	"Attribute":              "Attributes",
	"Tag":                    "Tags",
	"MessageAttribute":       "MessageAttributes",
	"MessageSystemAttribute": "MessageSystemAttributes",
}

var queryNumbers = map[string]bool{
	"DelaySeconds": true, "MaxNumberOfMessages": true, "VisibilityTimeout": true, "WaitTimeSeconds": true,
	"MaxResults": true, "MaxNumberOfMessagesPerSecond": true,
}

// fromQuery converts flattened query parameters (without Action and
// Version) into JSON-protocol members.
func fromQuery(params map[string]string) (map[string]any, error) {
	out := map[string]any{}
	indexed := map[string]map[int]map[string]string{}
	for k, v := range params {
		parts := strings.SplitN(k, ".", 3)
		if len(parts) >= 2 {
			if i, err := strconv.Atoi(parts[1]); err == nil {
				rest := ""
				if len(parts) == 3 {
					rest = parts[2]
				}
				if indexed[parts[0]] == nil {
					indexed[parts[0]] = map[int]map[string]string{}
				}
				if indexed[parts[0]][i] == nil {
					indexed[parts[0]][i] = map[string]string{}
				}
				indexed[parts[0]][i][rest] = v
				continue
			}
		}
		if queryNumbers[k] {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, sqs.Errorf(sqs.ErrInvalidParameterValue, "Value %s for parameter %s is invalid. Reason: Must be an integer.", v, k)
			}
			out[k] = n
			continue
		}
		out[k] = v
	}
	for prefix, items := range indexed {
		idx := make([]int, 0, len(items))
		for i := range items {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		switch {
		case queryLists[prefix] != "":
			var list []string
			for _, i := range idx {
				list = append(list, items[i][""])
			}
			out[queryLists[prefix]] = list
		case prefix == "Attribute" || prefix == "Tag":
			key, val := "Name", "Value"
			if prefix == "Tag" {
				key = "Key"
			}
			m := map[string]string{}
			for _, i := range idx {
				m[items[i][key]] = items[i][val]
			}
			out[queryMaps[prefix]] = m
		case queryMaps[prefix] != "":
			m := map[string]any{}
			for _, i := range idx {
				a := map[string]any{}
				for k, v := range items[i] {
					if f, ok := strings.CutPrefix(k, "Value."); ok {
						a[f] = v
					}
				}
				m[items[i]["Name"]] = a
			}
			out[queryMaps[prefix]] = m
		case strings.HasSuffix(prefix, "RequestEntry"):
			var list []any
			for _, i := range idx {
				e, err := fromQuery(items[i])
				if err != nil {
					return nil, err
				}
				list = append(list, e)
			}
			out["Entries"] = list
		}
	}
	return out, nil
}

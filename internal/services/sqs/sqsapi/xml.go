package sqsapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"

	"github.com/nubo-dev/nubo/internal/api"
)

// xmlNamespace is the query protocol's namespace for SQS responses.
const xmlNamespace = "http://queue.amazonaws.com/doc/2012-11-05/"

// listElements names the repeated element of each list member in XML
// (the query protocol flattens lists).
var listElements = map[string]string{
	"QueueUrls": "QueueUrl",
	"queueUrls": "QueueUrl",
	"Messages":  "Message",
	"Failed":    "BatchResultErrorEntry",
	"Results":   "ListMessageMoveTasksResultEntry",
}

// writeXML renders an output in the query protocol: the JSON members of out
// as <ActionResult> in <ActionResponse>, with maps and lists flattened.
func writeXML(w http.ResponseWriter, r *http.Request, action string, out any) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, action, xmlNamespace)
	// An operation with an output always has its Result element, empty or
	// not (botocore's parser requires it); one without has none.
	if out != nil {
		raw, _ := json.Marshal(out)
		var members map[string]any
		json.Unmarshal(raw, &members)
		fmt.Fprintf(&b, "<%sResult>", action)
		writeMembers(&b, action, members)
		fmt.Fprintf(&b, "</%sResult>", action)
	}
	fmt.Fprintf(&b, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", api.RequestID(r.Context()), action)
	w.Header().Set("Content-Type", "text/xml")
	w.Write(b.Bytes())
}

func writeMembers(b *bytes.Buffer, action string, members map[string]any) {
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		writeMember(b, action, k, members[k])
	}
}

func writeMember(b *bytes.Buffer, action, name string, v any) {
	switch v := v.(type) {
	case nil:
	case map[string]any:
		writeMap(b, action, name, v)
	case []any:
		elem := listElements[name]
		if name == "Successful" {
			elem = action + "ResultEntry"
		}
		if elem == "" {
			elem = name
		}
		for _, item := range v {
			writeMember(b, action, elem, item)
		}
	default:
		fmt.Fprintf(b, "<%s>", name)
		xml.EscapeText(b, []byte(scalar(v)))
		fmt.Fprintf(b, "</%s>", name)
	}
}

// writeMap writes a map member flattened (Attribute, MessageAttribute, Tag
// entries) or a structure as nested elements.
func writeMap(b *bytes.Buffer, action, name string, m map[string]any) {
	entry, key := "", "Name"
	switch name {
	case "Attributes":
		entry = "Attribute"
	case "MessageAttributes":
		entry = "MessageAttribute"
	case "Tags":
		entry, key = "Tag", "Key"
	}
	if entry == "" {
		fmt.Fprintf(b, "<%s>", name)
		writeMembers(b, action, m)
		fmt.Fprintf(b, "</%s>", name)
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "<%s><%s>", entry, key)
		xml.EscapeText(b, []byte(k))
		fmt.Fprintf(b, "</%s>", key)
		writeMember(b, action, "Value", m[k])
		fmt.Fprintf(b, "</%s>", entry)
	}
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprint(v)
	}
}

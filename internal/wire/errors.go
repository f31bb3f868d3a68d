package wire

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"reflect"
	"sort"
	"strconv"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// The one place an *awserr.Error becomes bytes, in the shape each
// protocol's clients parse:
//   - awsJson1_0/1_1: {"__type": "Name", "message": "..."}
//   - RPC v2 CBOR: the same map in CBOR
//   - restJson1: X-Amzn-ErrorType: Name and {"Type": "User", "message", "Message"}
//   - awsQuery: <ErrorResponse><Error><Type>Sender</Type><Code>..
//   - restXml: <Error><Code>..</Code><Message>..</Message><RequestId>..
// Query-compatible JSON services (SQS, CloudWatch) add x-amzn-query-error:
// Code;Fault, which the SDKs read first.

// writeError renders e for a request of protocol p.
func writeError(w http.ResponseWriter, p Protocol, queryCompatible bool, requestID string, e *awserr.Error) {
	h := w.Header()
	for k, v := range e.Header {
		h.Set(k, v)
	}
	if queryCompatible && p != Query {
		h.Set("x-amzn-query-error", e.Code.QueryCode()+";"+e.Code.Fault())
	}
	if e.Code.Status == http.StatusNotModified {
		w.WriteHeader(e.Code.Status) // a 304 has no body (S3's NotModified)
		return
	}
	switch p {
	case Query:
		writeBody(w, "text/xml", e.Code.Status, queryError(e, requestID))
	case RESTXML:
		writeBody(w, "application/xml", e.Code.Status, restXMLError(e, requestID))
	case RESTJSON:
		h.Set("X-Amzn-ErrorType", e.Code.Name)
		body := errorBody(e, map[string]any{"Type": faultType(e), "Message": e.Message, "message": e.Message})
		data, _ := json.Marshal(body)
		writeBody(w, "application/json", e.Code.Status, data)
	case CBOR:
		h.Set("Smithy-Protocol", "rpc-v2-cbor")
		data, _ := cborCodec.enc.Marshal(errorBody(e, map[string]any{"__type": jsonType(e), "message": e.Message}))
		writeBody(w, "application/cbor", e.Code.Status, data)
	default:
		data, _ := json.Marshal(errorBody(e, map[string]any{"__type": jsonType(e), "message": e.Message}))
		writeBody(w, p.contentType(), e.Code.Status, data)
	}
}

func errorBody(e *awserr.Error, body map[string]any) map[string]any {
	for k, v := range e.Fields {
		body[k] = v
	}
	return body
}

func jsonType(e *awserr.Error) string {
	if e.Code.Namespace != "" {
		return e.Code.Namespace + "#" + e.Code.Name
	}
	return e.Code.Name
}

// faultType is restJson1's Type member.
func faultType(e *awserr.Error) string {
	if e.Code.Status >= 500 {
		return "Service"
	}
	return "User"
}

func queryError(e *awserr.Error, requestID string) []byte {
	var w xmlWriter
	w.WriteString(xml.Header)
	w.open("ErrorResponse")
	w.open("Error")
	w.element("Type", e.Code.Fault())
	w.element("Code", e.Code.QueryCode())
	w.element("Message", e.Message)
	w.close("Error")
	w.element("RequestId", requestID)
	w.close("ErrorResponse")
	return w.Bytes()
}

// restXMLError is S3's <Error>, with extra members (BucketName, Key, ...)
// after the message.
func restXMLError(e *awserr.Error, requestID string) []byte {
	var w xmlWriter
	w.WriteString(xml.Header)
	w.open("Error")
	w.element("Code", e.Code.Name)
	w.element("Message", e.Message)
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w.member(k, plain, reflect.ValueOf(e.Fields[k]))
	}
	w.element("RequestId", requestID)
	w.close("Error")
	return w.Bytes()
}

func writeBody(w http.ResponseWriter, contentType string, status int, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if h, ok := w.(hookedWriter); ok {
		h.hook(w.Header(), body)
	}
	w.WriteHeader(status)
	w.Write(body) // a failure means the client has gone
}

// hookedWriter carries a service's BodyHeaders to writeBody, which writes
// every RPC response and error whole.
type hookedWriter struct {
	http.ResponseWriter
	hook func(h http.Header, body []byte)
}

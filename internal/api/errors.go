package api

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
)

// Error is an AWS API error as it goes on the wire, in whichever protocol
// the service speaks.
type Error struct {
	Status  int
	Code    string
	Message string
	// Fields are extra members of a JSON error body (e.g. Reason).
	Fields map[string]any
	// Header holds extra response headers (e.g. Retry-After).
	Header map[string]string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func (e *Error) writeHeader(w http.ResponseWriter, contentType string) {
	for k, v := range e.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(e.Status)
}

func (e *Error) faultType() string {
	if e.Status >= 500 {
		return "Service"
	}
	return "User"
}

// WriteRESTJSON renders e as AWS rest-json services (Lambda) do: the
// X-Amzn-ErrorType header and a body with Type and the message under both
// spellings that AWS uses.
func WriteRESTJSON(w http.ResponseWriter, e *Error) {
	body := map[string]any{"Type": e.faultType(), "Message": e.Message, "message": e.Message}
	for k, v := range e.Fields {
		body[k] = v
	}
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	e.writeHeader(w, "application/json")
	json.NewEncoder(w).Encode(body)
}

// WriteJSON renders e as the awsJson1.0/1.1 protocols do ("__type").
func WriteJSON(w http.ResponseWriter, e *Error, contentType string) {
	body := map[string]any{"__type": e.Code, "message": e.Message}
	for k, v := range e.Fields {
		body[k] = v
	}
	e.writeHeader(w, contentType)
	json.NewEncoder(w).Encode(body)
}

type queryError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// WriteQueryXML renders e as the AWS query protocol does.
func WriteQueryXML(w http.ResponseWriter, r *http.Request, e *Error) {
	var q queryError
	q.Error.Type = "Sender"
	if e.Status >= 500 {
		q.Error.Type = "Receiver"
	}
	q.Error.Code, q.Error.Message = e.Code, e.Message
	q.RequestID = RequestID(r.Context())
	e.writeHeader(w, "text/xml")
	w.Write([]byte(xml.Header))
	xml.NewEncoder(w).Encode(q)
}

// WriteAny renders e in the protocol the request looks like it speaks: JSON
// for X-Amz-Target requests, XML for query-protocol forms, rest-json
// otherwise. It serves requests whose service is not known.
func WriteAny(w http.ResponseWriter, r *http.Request, e *Error) {
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		WriteJSON(w, e, "application/x-amz-json-1.1")
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"), r.URL.Query().Has("Action"):
		WriteQueryXML(w, r, e)
	default:
		WriteRESTJSON(w, e)
	}
}

// Package sqsapi is the SQS service's wire layer: the AWS JSON 1.0
// protocol (X-Amz-Target: AmazonSQS.<Op>, used by current SDKs) and the
// query protocol with XML responses (Action=<Op>, used by older SDKs and
// CLIs). Both decode into the same inputs and call package sqs.
package sqsapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/nubo-dev/nubo/internal/api"
	"github.com/nubo-dev/nubo/internal/services/sqs"
)

// Handler serves the SQS API.
type Handler struct {
	svc *sqs.Service
	log *slog.Logger
	ops map[string]op
}

// op runs one operation: decode its input with decode, return its output
// (JSON-protocol member names) or an error.
type op func(c *call) (any, error)

// New returns a Handler for svc.
func New(svc *sqs.Service, log *slog.Logger) *Handler {
	h := &Handler{svc: svc, log: log}
	h.routes()
	return h
}

// TargetPrefix is the X-Amz-Target prefix of the JSON protocol.
const TargetPrefix = "AmazonSQS."

// maxRequest bounds a request body: a 1 MiB message (up to three times
// that percent-encoded in the query protocol), base64-encoded
// binary attributes and the protocol around them.
const maxRequest = 8 << 20

// call is one request being served.
type call struct {
	r      *http.Request
	h      *Handler
	action string
	json   bool
	body   []byte // JSON members
}

// decode reads the request's members into v.
func (c *call) decode(v any) error {
	if len(c.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return sqs.Errorf(sqs.ErrInvalidParameterValue, "Value for parameter %s is invalid. Reason: it must be of type %s.", te.Field, te.Type)
		}
		return sqs.Errorf(sqs.ErrInvalidParameterValue, "The request body is not valid JSON: %v", err)
	}
	return nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{r: r, h: h}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		c.json = true
		c.action = strings.TrimPrefix(target, TargetPrefix)
	}
	if err := c.read(); err != nil {
		h.writeError(w, c, err)
		return
	}
	fn, ok := h.ops[c.action]
	if !ok {
		if c.json {
			api.WriteJSON(w, &api.Error{Status: http.StatusBadRequest, Code: "UnknownOperationException",
				Message: fmt.Sprintf("The operation %s is not supported by SQS.", c.action)}, "application/x-amz-json-1.0")
			return
		}
		h.writeError(w, c, sqs.Errorf(sqs.ErrInvalidAction, "The action %s is not valid for this endpoint.", c.action))
		return
	}
	out, err := fn(c)
	if err != nil {
		h.writeError(w, c, err)
		return
	}
	if c.json {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if out == nil {
			out = struct{}{}
		}
		json.NewEncoder(w).Encode(out)
		return
	}
	writeXML(w, r, c.action, out)
}

// read reads the body: JSON members, or query parameters converted to
// them.
func (c *call) read() error {
	if c.r.ContentLength > maxRequest {
		return sqs.Errorf(sqs.ErrInvalidParameterValue, "Request must be smaller than %d bytes.", maxRequest)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, c.r.Body, maxRequest))
	if err != nil {
		return sqs.Errorf(sqs.ErrInvalidParameterValue, "Request must be smaller than %d bytes.", maxRequest)
	}
	if c.json {
		c.body = body
		return nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return sqs.Errorf(sqs.ErrInvalidParameterValue, "The request body is not a valid form: %v", err)
	}
	for k, v := range c.r.URL.Query() {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	c.action = form.Get("Action")
	params := map[string]string{}
	for k, v := range form {
		if k != "Action" && k != "Version" && !strings.HasPrefix(k, "X-Amz-") {
			params[k] = v[0]
		}
	}
	// Old SDKs post to the queue URL instead of sending QueueUrl.
	if _, ok := params["QueueUrl"]; !ok && strings.Count(strings.Trim(c.r.URL.Path, "/"), "/") == 1 {
		params["QueueUrl"] = "http://" + c.r.Host + c.r.URL.Path
	}
	members, err := fromQuery(params)
	if err != nil {
		return err
	}
	if c.action == "CreateQueue" {
		members["tags"] = members["Tags"]
		delete(members, "Tags")
	}
	c.body, _ = json.Marshal(members)
	return nil
}

func (h *Handler) writeError(w http.ResponseWriter, c *call, err error) {
	var e *sqs.Error
	if !errors.As(err, &e) {
		h.log.Error("sqs request failed", "action", c.action, "err", err)
		e = &sqs.Error{Class: sqs.ErrInternal, Message: "We encountered an internal error. Please try again."}
	}
	fault := "Sender"
	if e.Class.Receiver {
		fault = "Receiver"
	}
	if c.json {
		w.Header().Set("x-amzn-query-error", e.Class.Code+";"+fault)
		api.WriteJSON(w, &api.Error{Status: e.Class.Status, Code: "com.amazonaws.sqs#" + e.Class.Type, Message: e.Message}, "application/x-amz-json-1.0")
		return
	}
	api.WriteQueryXML(w, c.r, &api.Error{Status: e.Class.Status, Code: e.Class.Code, Message: e.Message})
}

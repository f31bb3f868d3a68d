// Package snsapi is the SNS service's wire layer: the query protocol
// (form-encoded Action=<Op>, XML responses) that the AWS SDKs, including
// aws-sdk-go-v2's sns client, and the CLI speak.
package snsapi

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/api"
	"github.com/nubo-dev/nubo/internal/services/sns"
)

// Handler serves the SNS API.
type Handler struct {
	svc *sns.Service
	log *slog.Logger
	ops map[string]func(c *call) error
}

// New returns a Handler for svc.
func New(svc *sns.Service, log *slog.Logger) *Handler {
	h := &Handler{svc: svc, log: log}
	h.routes()
	return h
}

const namespace = "http://sns.amazonaws.com/doc/2010-03-31/"

// noOutput are the operations whose responses carry no Result element.
var noOutput = map[string]bool{"DeleteTopic": true, "SetTopicAttributes": true, "Unsubscribe": true, "SetSubscriptionAttributes": true}

// call is one request: its form and the result being written.
type call struct {
	r      *http.Request
	form   url.Values
	action string
	out    bytes.Buffer
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{r: r}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 2<<20))
	if err == nil {
		c.form, err = url.ParseQuery(string(body))
	}
	if err != nil {
		h.writeError(w, c, sns.Errorf(sns.ErrInvalidParameter, "Invalid parameter: the request could not be read"))
		return
	}
	for k, v := range r.URL.Query() {
		if _, ok := c.form[k]; !ok {
			c.form[k] = v
		}
	}
	c.action = c.form.Get("Action")
	fn, ok := h.ops[c.action]
	if !ok {
		h.writeError(w, c, sns.Errorf(sns.ErrInvalidAction, "The action %s is not valid for this endpoint.", c.action))
		return
	}
	if err := fn(c); err != nil {
		h.writeError(w, c, err)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s">`, c.action, namespace)
	// Operations with an output have a Result element even when it is
	// empty (botocore's parser requires it).
	if !noOutput[c.action] {
		fmt.Fprintf(w, "<%sResult>%s</%sResult>", c.action, c.out.Bytes(), c.action)
	}
	fmt.Fprintf(w, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", api.RequestID(r.Context()), c.action)
}

func (h *Handler) writeError(w http.ResponseWriter, c *call, err error) {
	var e *sns.Error
	if !errors.As(err, &e) {
		h.log.Error("sns request failed", "action", c.action, "err", err)
		e = &sns.Error{Class: sns.ErrInternal, Message: "Internal Error"}
	}
	api.WriteQueryXML(w, c.r, &api.Error{Status: e.Class.Status, Code: e.Class.Code, Message: e.Message})
}

// Reading the query protocol's flattened members.

func (c *call) get(name string) string { return c.form.Get(name) }

// required reads a required parameter.
func (c *call) required(name string) (string, error) {
	v := c.form.Get(name)
	if v == "" {
		return "", sns.Errorf(sns.ErrInvalidParameter, "Invalid parameter: %s", name)
	}
	return v, nil
}

// indexed groups the parameters prefix.N.rest by N, in order.
func indexed(form url.Values, prefix string) []map[string]string {
	byIndex := map[int]map[string]string{}
	for k, v := range form {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		n, sub, _ := strings.Cut(rest, ".")
		i, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		if byIndex[i] == nil {
			byIndex[i] = map[string]string{}
		}
		byIndex[i][sub] = v[0]
	}
	idx := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]map[string]string, len(idx))
	for j, i := range idx {
		out[j] = byIndex[i]
	}
	return out
}

// members reads a list: name.member.N.
func members(form url.Values, name string) []string {
	var out []string
	for _, m := range indexed(form, name+".member") {
		out = append(out, m[""])
	}
	return out
}

// entries reads a map: name.entry.N.key / .value.
func entries(form url.Values, name string) map[string]string {
	out := map[string]string{}
	for _, m := range indexed(form, name+".entry") {
		out[m["key"]] = m["value"]
	}
	return out
}

// tags reads name.member.N.Key / .Value.
func tags(form url.Values, name string) map[string]string {
	out := map[string]string{}
	for _, m := range indexed(form, name+".member") {
		out[m["Key"]] = m["Value"]
	}
	return out
}

// messageAttributes reads name.entry.N.Name / .Value.DataType /
// .Value.StringValue / .Value.BinaryValue.
func messageAttributes(form url.Values, name string) (map[string]sns.MessageAttribute, error) {
	list := indexed(form, name+".entry")
	if len(list) == 0 {
		return nil, nil
	}
	out := map[string]sns.MessageAttribute{}
	for _, m := range list {
		a := sns.MessageAttribute{DataType: m["Value.DataType"], StringValue: m["Value.StringValue"]}
		if b := m["Value.BinaryValue"]; b != "" {
			var err error
			if a.BinaryValue, err = decodeBase64(b); err != nil {
				return nil, sns.Errorf(sns.ErrInvalidParameterVal, "The message attribute '%s' has an invalid binary value.", m["Name"])
			}
		}
		out[m["Name"]] = a
	}
	return out, nil
}

// Writing XML.

func (c *call) elem(name, value string) {
	fmt.Fprintf(&c.out, "<%s>", name)
	xml.EscapeText(&c.out, []byte(value))
	fmt.Fprintf(&c.out, "</%s>", name)
}

func (c *call) open(name string)  { fmt.Fprintf(&c.out, "<%s>", name) }
func (c *call) close(name string) { fmt.Fprintf(&c.out, "</%s>", name) }

// entriesXML writes a map as <name><entry><key/><value/></entry>...</name>.
func (c *call) entriesXML(name string, m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	c.open(name)
	for _, k := range keys {
		c.open("entry")
		c.elem("key", k)
		c.elem("value", m[k])
		c.close("entry")
	}
	c.close(name)
}

package frontdoor

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// ErrMalformed is a function output that no response can be made of; the
// client gets a 502.
var ErrMalformed = errors.New("malformed Lambda proxy response")

// Response is an HTTP response made of a function's output.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// output is a structured function response, in either format.
type output struct {
	StatusCode        json.RawMessage            `json:"statusCode"`
	Headers           map[string]json.RawMessage `json:"headers"`
	MultiValueHeaders map[string][]any           `json:"multiValueHeaders"`
	Cookies           []string                   `json:"cookies"`
	Body              *string                    `json:"body"`
	IsBase64Encoded   bool                       `json:"isBase64Encoded"`
}

// ResponseV2 maps the output of a function behind a function URL or a
// payload 2.0 integration. An object with statusCode is a response:
// headers, cookies (each a Set-Cookie), body, isBase64Encoded. Any other
// JSON is the body of a 200 application/json response, a JSON string's
// text rather than its quoted form.
func ResponseV2(payload []byte) (*Response, error) {
	trimmed := bytes.TrimSpace(payload)
	if !json.Valid(trimmed) {
		return nil, ErrMalformed
	}
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &probe); err == nil {
			if _, ok := probe["statusCode"]; ok {
				return structured(trimmed, true)
			}
		}
	}
	body := trimmed
	if len(trimmed) > 0 && trimmed[0] == '"' {
		var s string
		json.Unmarshal(trimmed, &s)
		body = []byte(s)
	}
	return &Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}, nil
}

// ResponseV1 maps the output of a payload 1.0 integration, which must be
// an object with statusCode: headers and multiValueHeaders (whose values
// win for a name in both), body, isBase64Encoded.
func ResponseV1(payload []byte) (*Response, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrMalformed
	}
	return structured(trimmed, false)
}

func structured(payload []byte, v2 bool) (*Response, error) {
	var out output
	if err := json.Unmarshal(payload, &out); err != nil {
		return nil, ErrMalformed
	}
	status, err := statusOf(out.StatusCode)
	if err != nil {
		return nil, err
	}
	resp := &Response{Status: status, Header: http.Header{}}
	for k, raw := range out.Headers {
		v, ok := scalar(raw)
		if !ok {
			return nil, ErrMalformed
		}
		resp.Header.Set(k, v)
	}
	if !v2 {
		for k, vs := range out.MultiValueHeaders {
			resp.Header.Del(k)
			for _, v := range vs {
				s, ok := scalarOf(v)
				if !ok {
					return nil, ErrMalformed
				}
				resp.Header.Add(k, s)
			}
		}
	}
	for _, c := range out.Cookies {
		if v2 {
			resp.Header.Add("Set-Cookie", c)
		}
	}
	remap(resp.Header)
	if resp.Header.Get("Content-Type") == "" {
		resp.Header.Set("Content-Type", "application/json")
	}
	if out.Body != nil {
		resp.Body = []byte(*out.Body)
		if out.IsBase64Encoded {
			if resp.Body, err = base64.StdEncoding.DecodeString(*out.Body); err != nil {
				return nil, ErrMalformed
			}
		}
	}
	return resp, nil
}

func statusOf(raw json.RawMessage) (int, error) {
	s := strings.Trim(string(raw), `"`)
	n, err := strconv.Atoi(s)
	if err != nil || n < 200 || n > 599 { // a 1xx is interim, never a response
		return 0, ErrMalformed
	}
	return n, nil
}

// bodyAllowed reports whether a response of status may have a body: a
// function's body for a 204 or 304 is dropped, as HTTP requires.
func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified
}

// scalar is a header value: a string, number or boolean.
func scalar(raw json.RawMessage) (string, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	return scalarOf(v)
}

func scalarOf(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// remapped are the headers a function may not set; AWS renames them
// x-amzn-Remapped-<name> and sends its own.
var remapped = []string{"Connection", "Content-Length", "Date", "Keep-Alive", "Proxy-Authenticate", "Server", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func remap(h http.Header) {
	for _, k := range remapped {
		if v, ok := h[k]; ok {
			delete(h, k)
			h["X-Amzn-Remapped-"+k] = v
		}
	}
}

// Write sends the response.
func (r *Response) Write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range r.Header {
		h[k] = v
	}
	if !bodyAllowed(r.Status) {
		w.WriteHeader(r.Status)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(r.Body)))
	w.WriteHeader(r.Status)
	w.Write(r.Body) // a failure means the client has gone
}

// Package frontdoor holds what Lambda function URLs and API Gateway HTTP
// APIs share between an HTTP request and a function: the events of payload
// formats 1.0 and 2.0 exactly as AWS writes them, the rules that turn a
// function's output into an HTTP response (and a streamed response's
// prelude), CORS, and the gateway's own error answers. It knows no service:
// the callers say which API, stage and route a request reached.
package frontdoor

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Request is an HTTP request as a front door hands it to a function: the
// request itself and what the door found out about it.
type Request struct {
	HTTP *http.Request
	Body []byte
	// RequestID is the door's id of the request; Time when it arrived.
	RequestID string
	Time      time.Time
	Account   string
	// APIID is the API's id, or the function URL's.
	APIID string
	// DomainName is the host the client named, without its port.
	DomainName string
	// Stage is the stage's name, "$default" for function URLs.
	Stage string
	// RouteKey is the route matched ("GET /items/{id}", "$default");
	// Resource its path ("/items/{id}", "$default").
	RouteKey string
	Resource string
	// Path is the request's path as the API sees it: with the stage for a
	// named stage reached by the API's own domain, without the API
	// mapping's key for a custom domain. FullPath is the path the client
	// sent (payload 1.0's path); empty means Path.
	Path     string
	FullPath string
	// SourceIP is the client's address.
	SourceIP       string
	PathParameters map[string]string
	StageVariables map[string]string
	Authorizer     *Authorizer
}

// Authorizer is what authorised a request; one of its members is set.
type Authorizer struct {
	JWT    *JWTAuthorizer
	Lambda map[string]any
	IAM    *IAMAuthorizer
}

// JWTAuthorizer is a validated token's claims and scopes.
type JWTAuthorizer struct {
	Claims map[string]string `json:"claims"`
	Scopes []string          `json:"scopes,omitempty"`
}

// IAMAuthorizer is the SigV4 caller of an AWS_IAM function URL or route.
type IAMAuthorizer struct {
	AccessKey string `json:"accessKey"`
	AccountID string `json:"accountId"`
	CallerID  string `json:"callerId"`
	UserARN   string `json:"userArn"`
	UserID    string `json:"userId"`
}

// TimeFormat is requestContext.time's layout ("21/Apr/2020:15:08:21 +0000").
const TimeFormat = "02/Jan/2006:15:04:05 -0700"

func (r *Request) fullPath() string {
	if r.FullPath != "" {
		return r.FullPath
	}
	return r.Path
}

// headers are the request's headers with lower-case names, repeated ones
// joined by commas, without the cookies when cookies is true (payload 2.0
// carries them apart).
func (r *Request) headers(cookies bool) map[string]string {
	out := make(map[string]string, len(r.HTTP.Header)+1)
	for k, v := range r.HTTP.Header {
		k = strings.ToLower(k)
		if cookies && k == "cookie" {
			continue
		}
		out[k] = strings.Join(v, ",")
	}
	if _, ok := out["host"]; !ok && r.HTTP.Host != "" {
		out["host"] = r.HTTP.Host
	}
	return out
}

// multiHeaders are payload 1.0's multiValueHeaders.
func (r *Request) multiHeaders() map[string][]string {
	out := make(map[string][]string, len(r.HTTP.Header)+1)
	for k, v := range r.HTTP.Header {
		k = strings.ToLower(k)
		out[k] = append(out[k], v...)
	}
	if _, ok := out["host"]; !ok && r.HTTP.Host != "" {
		out["host"] = []string{r.HTTP.Host}
	}
	return out
}

// cookies are the request's cookies, one per name=value pair, in order.
func (r *Request) cookies() []string {
	var out []string
	for _, line := range r.HTTP.Header.Values("Cookie") {
		for _, c := range strings.Split(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	return out
}

// query parses the raw query string; pairs that do not decode are kept
// as sent.
func (r *Request) query() (keys []string, values map[string][]string) {
	values = map[string][]string{}
	for _, pair := range strings.Split(r.HTTP.URL.RawQuery, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = unescape(k), unescape(v)
		if _, ok := values[k]; !ok {
			keys = append(keys, k)
		}
		values[k] = append(values[k], v)
	}
	sort.Strings(keys)
	return keys, values
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// body is the request body as an event carries it: as text when its type
// is textual and it is UTF-8, else base64-encoded.
func (r *Request) body() (body string, isBase64 bool) {
	if len(r.Body) == 0 {
		return "", false
	}
	if IsText(r.HTTP.Header.Get("Content-Type")) && utf8.Valid(r.Body) {
		return string(r.Body), false
	}
	return base64.StdEncoding.EncodeToString(r.Body), true
}

// IsText reports whether a body of this content type travels as text in
// an event: text/*, JSON, XML, JavaScript and their +json and +xml kin.
// Everything else, forms included, is base64-encoded, as AWS does.
func IsText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript", "application/graphql", "application/yaml", "application/x-yaml":
		return true
	}
	return false
}

func (r *Request) userAgent() string { return r.HTTP.Header.Get("User-Agent") }

func (r *Request) protocol() string {
	if r.HTTP.Proto == "" {
		return "HTTP/1.1"
	}
	return r.HTTP.Proto
}

// domainPrefix is the first label of the domain name.
func (r *Request) domainPrefix() string {
	prefix, _, _ := strings.Cut(r.DomainName, ".")
	return prefix
}

func (r *Request) time() string { return r.Time.UTC().Format(TimeFormat) }

// SourceIP is the address of r's client.
func SourceIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// DomainName is the host r named, without its port.
func DomainName(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.Host); err == nil {
		return strings.ToLower(host)
	}
	return strings.ToLower(r.Host)
}

// Forwarded adds to r the headers AWS's front door adds before a function
// sees a request: X-Forwarded-For (the client's address), X-Forwarded-Proto,
// X-Forwarded-Port and X-Amzn-Trace-Id.
func Forwarded(r *http.Request, sourceIP, traceID string) {
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		port = p
	}
	if prior := r.Header.Get("X-Forwarded-For"); prior != "" {
		sourceIP = prior + ", " + sourceIP
	}
	r.Header.Set("X-Forwarded-For", sourceIP)
	r.Header.Set("X-Forwarded-Proto", proto)
	r.Header.Set("X-Forwarded-Port", port)
	if traceID != "" {
		r.Header.Set("X-Amzn-Trace-Id", traceID)
	}
}

// TraceID passes the client's X-Amzn-Trace-Id on, or starts a trace as
// AWS does for every request.
func TraceID(r *http.Request, now time.Time) string {
	if t := r.Header.Get("X-Amzn-Trace-Id"); t != "" {
		return t
	}
	var b [12]byte
	rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s", now.Unix(), hex.EncodeToString(b[:]))
}

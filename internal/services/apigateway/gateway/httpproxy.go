package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/frontdoor"
	ag "github.com/nubo-dev/nubo/internal/services/apigateway"
)

// hopHeaders are not passed through a proxy.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// proxy is an HTTP_PROXY integration: the request goes to the
// integration's URL (its {name} path variables and ${stageVariables.x}
// filled in, the request's query string added) with the route's method or
// the integration's, and its response comes back as it is.
func (x *exchange) proxy(integ *ag.Integration) {
	target, err := x.targetURL(integ.IntegrationUri)
	if err != nil {
		x.fail(frontdoor.InternalError, err.Error())
		return
	}
	method := integ.IntegrationMethod
	if method == "ANY" {
		method = x.r.Method
	}
	ctx, cancel := context.WithTimeout(x.r.Context(), time.Duration(integ.TimeoutInMillis)*time.Millisecond)
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(x.req.Body))
	if err != nil {
		x.fail(frontdoor.InternalError, err.Error())
		return
	}
	out.Header = x.r.Header.Clone()
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	out.Header.Set("Forwarded", "by="+x.r.Host+";for="+x.req.SourceIP+";host="+x.r.Host+";proto=http")
	start := x.g.opts.Now()
	x.integrated = true
	resp, err := x.g.opts.HTTP.Do(out)
	x.integration = x.g.opts.Now().Sub(start)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		x.fail(frontdoor.ServiceUnavailable, "The integration timed out")
		return
	case err != nil:
		x.fail(frontdoor.InternalError, err.Error())
		return
	}
	defer resp.Body.Close()
	x.integrationStatus = resp.StatusCode
	h := x.w.Header()
	for k, v := range resp.Header {
		h[k] = v
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	if x.e.view.Cors != nil {
		corsOf(x.e.view.Cors).Apply(h, x.r)
	}
	x.w.WriteHeader(resp.StatusCode)
	io.Copy(x.w, resp.Body) // a failure means one side has gone
}

// targetURL fills the integration URI's variables and adds the query.
func (x *exchange) targetURL(uri string) (string, error) {
	for name, value := range x.match.Params {
		escaped := url.PathEscape(value)
		if strings.Contains(value, "/") { // a greedy variable keeps its slashes
			escaped = strings.ReplaceAll(escaped, "%2F", "/")
		}
		uri = strings.ReplaceAll(uri, "{"+name+"}", escaped)
		uri = strings.ReplaceAll(uri, "{"+name+"+}", escaped)
	}
	for name, value := range x.e.view.Stage.StageVariables {
		uri = strings.ReplaceAll(uri, "${stageVariables."+name+"}", value)
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", err
	}
	if q := x.r.URL.RawQuery; q != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += q
	}
	return u.String(), nil
}

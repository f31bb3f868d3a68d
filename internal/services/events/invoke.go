package events

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/targets"
)

// httpError is an endpoint's answer that is not a success.
type httpError struct{ status int }

func (e *httpError) Error() string { return fmt.Sprintf("the endpoint answered HTTP %d", e.status) }

// connectionError is an endpoint that could not be reached.
type connectionError struct{ err error }

func (e *connectionError) Error() string { return e.err.Error() }
func (e *connectionError) Unwrap() error { return e.err }

// throttled is a delivery an API destination's rate holds back: it is
// tried again after wait, without counting as an attempt.
type throttled struct{ wait time.Duration }

func (e *throttled) Error() string { return "throttled by the API destination's rate" }

// invokeDestination sends a target's input to an API destination, within
// its rate: a delivery over the rate is given the next free slot and comes
// back then, its slot reserved.
func (s *Service) invokeDestination(ctx context.Context, t *Target, body []byte, dl *delivery) error {
	s.mu.RLock()
	d, c := s.destinationByARNLocked(t.Arn)
	var dest apiDestination
	var conn connection
	if d != nil && c != nil {
		dest, conn = *d, *c
	}
	s.mu.RUnlock()
	if d == nil || c == nil {
		return fmt.Errorf("%w: API destination %s", targets.ErrNotFound, t.Arn)
	}
	if !dl.Reserved {
		if wait := s.limiter.reserve(t.Arn, int(dest.RateLimit), s.now()); wait > 0 {
			dl.Reserved = true
			return &throttled{wait}
		}
	}
	dl.Reserved = false
	req, err := s.destinationRequest(ctx, &dest, &conn, t.HttpParameters, body)
	if err != nil {
		return err
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Timeout") {
			return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
		}
		return &connectionError{err}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized && conn.AuthorizationType == "OAUTH_CLIENT_CREDENTIALS" {
		s.tokens.forget(s.ConnectionARN(&conn)) // the token expired early: get another on the retry
		return &httpError{http.StatusServiceUnavailable}
	}
	if resp.StatusCode >= 300 {
		return &httpError{resp.StatusCode}
	}
	return nil
}

// destinationRequest builds the request: the endpoint with its "*" path
// segments filled, the connection's and the target's parameters, and the
// connection's credentials.
func (s *Service) destinationRequest(ctx context.Context, d *apiDestination, c *connection, hp *HttpParameters, body []byte) (*http.Request, error) {
	endpoint := d.Endpoint
	if hp != nil {
		for _, v := range hp.PathParameterValues {
			endpoint = strings.Replace(endpoint, "*", url.PathEscape(v), 1)
		}
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: endpoint %s", targets.ErrUnsupported, endpoint)
	}
	q := u.Query()
	header := http.Header{}
	if p := c.Auth.InvocationHttpParameters; p != nil {
		for _, kv := range p.QueryStringParameters {
			q.Set(kv.Key, kv.Value)
		}
		for _, kv := range p.HeaderParameters {
			header.Set(kv.Key, kv.Value)
		}
		body = withBodyParameters(body, p.BodyParameters)
	}
	if hp != nil {
		for k, v := range hp.QueryStringParameters {
			q.Set(k, v)
		}
		for k, v := range hp.HeaderParameters {
			header.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	var rd io.Reader
	if d.HttpMethod != http.MethodGet && d.HttpMethod != http.MethodHead {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, d.HttpMethod, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header = header
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Amazon/EventBridge/ApiDestinations")
	if err := s.authorize(ctx, c, req); err != nil {
		return nil, err
	}
	return req, nil
}

// withBodyParameters adds a connection's body parameters to a JSON object
// body; other bodies go as they are.
func withBodyParameters(body []byte, params []Parameter) []byte {
	if len(params) == 0 {
		return body
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return body
	}
	for _, p := range params {
		obj[p.Key] = quote(p.Value)
	}
	out, err := encode(obj)
	if err != nil {
		return body
	}
	return out
}

// authorize adds a connection's credentials to a request.
func (s *Service) authorize(ctx context.Context, c *connection, req *http.Request) error {
	if c.State == connDeauthorized {
		return fmt.Errorf("%w: connection %s is deauthorized", targets.ErrNotFound, c.Name)
	}
	a := c.Auth
	switch c.AuthorizationType {
	case "BASIC":
		if b := a.BasicAuthParameters; b != nil {
			req.SetBasicAuth(b.Username, b.Password)
		}
	case "API_KEY":
		if k := a.ApiKeyAuthParameters; k != nil {
			req.Header.Set(k.ApiKeyName, k.ApiKeyValue)
		}
	case "OAUTH_CLIENT_CREDENTIALS":
		token, err := s.token(ctx, c)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return nil
}

// cachedToken is an OAuth access token and when it stops being good.
type cachedToken struct {
	token   string
	expires time.Time
}

// tokenCache keeps connections' OAuth tokens, by connection ARN.
type tokenCache struct {
	mu     sync.Mutex
	tokens map[string]cachedToken
}

func (c *tokenCache) forget(connARN string) {
	c.mu.Lock()
	delete(c.tokens, connARN)
	c.mu.Unlock()
}

// token returns a connection's access token, requesting one (the client
// credentials grant) when it has none that is still good; the connection
// becomes AUTHORIZED, or DEAUTHORIZED when the endpoint refuses it.
func (s *Service) token(ctx context.Context, c *connection) (string, error) {
	key := s.ConnectionARN(c)
	s.tokens.mu.Lock()
	t, ok := s.tokens.tokens[key]
	s.tokens.mu.Unlock()
	if ok && time.Now().Before(t.expires) {
		return t.token, nil
	}
	o := c.Auth.OAuthParameters
	if o == nil || o.ClientParameters == nil {
		return "", fmt.Errorf("%w: connection %s has no OAuth parameters", targets.ErrNotFound, c.Name)
	}
	token, ttl, err := s.requestToken(ctx, o)
	var h *httpError
	if errors.As(err, &h) && h.status < 500 {
		s.setConnectionState(ctx, c, connDeauthorized)
	}
	if err != nil {
		return "", err
	}
	s.tokens.mu.Lock()
	s.tokens.tokens[key] = cachedToken{token, time.Now().Add(ttl)}
	s.tokens.mu.Unlock()
	if c.State != connAuthorized {
		s.setConnectionState(ctx, c, connAuthorized)
	}
	return token, nil
}

// requestToken asks the authorization endpoint for a token.
func (s *Service) requestToken(ctx context.Context, o *OAuth) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	u, err := url.Parse(o.AuthorizationEndpoint)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %s", targets.ErrUnsupported, o.AuthorizationEndpoint)
	}
	header := http.Header{}
	if p := o.OAuthHttpParameters; p != nil {
		q := u.Query()
		for _, kv := range p.QueryStringParameters {
			q.Set(kv.Key, kv.Value)
		}
		u.RawQuery = q.Encode()
		for _, kv := range p.HeaderParameters {
			header.Set(kv.Key, kv.Value)
		}
		for _, kv := range p.BodyParameters {
			form.Set(kv.Key, kv.Value)
		}
	}
	method := o.HttpMethod
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, err
	}
	req.Header = header
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(o.ClientParameters.ClientID+":"+o.ClientParameters.ClientSecret)))
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return "", 0, &connectionError{err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return "", 0, &httpError{resp.StatusCode}
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", 0, &httpError{http.StatusBadGateway}
	}
	ttl := time.Duration(tok.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = time.Hour
	}
	return tok.AccessToken, ttl, nil
}

func (s *Service) setConnectionState(ctx context.Context, c *connection, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.conns[regionKey(c.Region, c.Name)]
	if cur == nil || cur.ID != c.ID || cur.State == state {
		return
	}
	next := *cur
	next.State = state
	if state == connAuthorized {
		next.Authorized = s.now()
	}
	if err := s.saveConnLocked(ctx, &next); err != nil {
		s.log.Warn("record a connection's state", "connection", c.Name, "err", err)
	}
}

// limiter spaces the requests to each API destination to its rate: a token
// bucket per destination that holds at most a second of requests and lends
// future ones, so that each request over the rate gets a slot of its own.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter() *limiter { return &limiter{buckets: map[string]*bucket{}} }

// reserve takes a request's token: it returns 0 when one was free, else
// how long until the token it took is due.
func (l *limiter) reserve(key string, rate int, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(rate), last: now}
		l.buckets[key] = b
	}
	b.tokens = min(float64(rate), b.tokens+now.Sub(b.last).Seconds()*float64(rate))
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / float64(rate) * float64(time.Second))
}

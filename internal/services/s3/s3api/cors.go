package s3api

import (
	"context"
	"net/http"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/s3"
)

type preflightInput struct {
	Bucket         string `json:"-" wire:"path=Bucket"`
	Origin         string `json:"-" wire:"header=Origin"`
	RequestMethod  string `json:"-" wire:"header=Access-Control-Request-Method"`
	RequestHeaders string `json:"-" wire:"header=Access-Control-Request-Headers"`
}

// corsHeaders are the Access-Control-* headers of an answer.
type corsHeaders struct {
	AllowOrigin      string `json:"-" wire:"header=Access-Control-Allow-Origin"`
	AllowMethods     string `json:"-" wire:"header=Access-Control-Allow-Methods"`
	AllowHeaders     string `json:"-" wire:"header=Access-Control-Allow-Headers"`
	ExposeHeaders    string `json:"-" wire:"header=Access-Control-Expose-Headers"`
	MaxAge           string `json:"-" wire:"header=Access-Control-Max-Age"`
	AllowCredentials string `json:"-" wire:"header=Access-Control-Allow-Credentials"`
	Vary             string `json:"-" wire:"header=Vary"`
}

func corsHeadersOf(r *s3.CORSResult) *corsHeaders {
	h := &corsHeaders{AllowOrigin: r.AllowOrigin, AllowMethods: r.AllowMethods, AllowHeaders: r.AllowHeaders,
		ExposeHeaders: r.ExposeHeaders, MaxAge: r.MaxAge, Vary: r.Vary}
	if r.AllowCredentials {
		h.AllowCredentials = "true"
	}
	return h
}

// set writes the headers on an answer being made.
func (c *corsHeaders) set(h http.Header) {
	for k, v := range map[string]string{
		"Access-Control-Allow-Origin": c.AllowOrigin, "Access-Control-Allow-Methods": c.AllowMethods,
		"Access-Control-Expose-Headers": c.ExposeHeaders, "Access-Control-Max-Age": c.MaxAge,
		"Access-Control-Allow-Credentials": c.AllowCredentials, "Vary": c.Vary,
	} {
		if v != "" {
			h.Set(k, v)
		}
	}
}

// preflight answers an OPTIONS request from the bucket's CORS rules.
func (a *api) preflight(ctx context.Context, in *preflightInput) (*corsHeaders, error) {
	if in.Origin == "" {
		return nil, awserr.New(s3.ErrBadRequest, "Insufficient information. Origin request header needed.")
	}
	if in.RequestMethod == "" {
		return nil, awserr.New(s3.ErrBadRequest, "Invalid Access-Control-Request-Method: null")
	}
	var headers []string
	for _, h := range strings.Split(in.RequestHeaders, ",") {
		if h = strings.TrimSpace(h); h != "" {
			headers = append(headers, h)
		}
	}
	res, err := a.s3.CORS(ctx, in.Bucket, s3.CORSRequest{Origin: in.Origin, Method: in.RequestMethod, Headers: headers}, true)
	if err != nil {
		return nil, err
	}
	return corsHeadersOf(res), nil
}

// actualCORS adds the CORS headers a cross-origin request (one with an
// Origin) gets when a rule of its bucket allows it.
func (a *api) actualCORS(r *http.Request, bucket string, h http.Header) {
	origin := r.Header.Get("Origin")
	if origin == "" || bucket == "" || r.Method == http.MethodOptions {
		return
	}
	res, err := a.s3.CORS(r.Context(), bucket, s3.CORSRequest{Origin: origin, Method: r.Method}, false)
	if err != nil || res == nil {
		return
	}
	corsHeadersOf(res).set(h)
}

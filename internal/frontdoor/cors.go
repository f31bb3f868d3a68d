package frontdoor

import (
	"net/http"
	"strconv"
	"strings"
)

// CORS is a function URL's or an HTTP API's CORS configuration. When one is
// set, the door answers preflight requests itself and puts the configured
// headers on every response to an allowed origin, in place of whatever
// CORS headers the function sent.
type CORS struct {
	AllowOrigins     []string
	AllowMethods     []string
	AllowHeaders     []string
	ExposeHeaders    []string
	AllowCredentials bool
	MaxAge           int
	// PreflightStatus is the status of a preflight's answer (204 if zero).
	PreflightStatus int
}

// IsPreflight reports whether r is a CORS preflight request.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// allowOrigin is the Access-Control-Allow-Origin for origin, or "".
func (c *CORS) allowOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*" && !c.AllowCredentials:
			return "*"
		case o == "*", strings.EqualFold(o, origin):
			return origin
		}
	}
	return ""
}

// Preflight answers the preflight request r: the allowed origin, methods,
// headers, max age and credentials, or no CORS headers at all for an
// origin that is not allowed (the browser then refuses).
func (c *CORS) Preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if origin := c.allowOrigin(r.Header.Get("Origin")); origin != "" {
		h.Set("Access-Control-Allow-Origin", origin)
		if len(c.AllowMethods) > 0 {
			h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
		}
		if len(c.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
		}
		if c.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		h.Add("Vary", "Origin")
	}
	status := c.PreflightStatus
	if status == 0 {
		status = http.StatusNoContent
	}
	w.WriteHeader(status)
}

// Apply replaces the CORS headers of a response to r with the
// configuration's.
func (c *CORS) Apply(h http.Header, r *http.Request) {
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	origin := c.allowOrigin(r.Header.Get("Origin"))
	if origin == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Add("Vary", "Origin")
}

package wire

import (
	"net/http"
	"strings"
)

// hostRoute serves the requests whose Host it matches: a pattern's labels
// ("{id}" a wildcard for one label), or a function's answer.
type hostRoute struct {
	labels  []string
	match   func(host string) bool
	handler http.Handler
}

// HandleHost serves the requests whose Host matches pattern with h, before
// nubo's own paths and every service: the way AWS routes by domain
// (function URLs, execute-api, S3's virtual-hosted buckets). A pattern is a
// host name whose labels are literal or "{name}" wildcards that match any
// one label: "{id}.lambda-url.{region}.localhost", "{bucket}.s3.localhost".
// h reads the labels matched as path values (r.PathValue("id")), as it
// reads a ServeMux pattern's wildcards. Matching ignores case, the port
// and a trailing dot; the first pattern registered that matches wins.
func (rt *Router) HandleHost(pattern string, h http.Handler) {
	rt.hosts = append(rt.hosts, hostRoute{labels: strings.Split(strings.ToLower(strings.TrimSuffix(pattern, ".")), "."), handler: h})
}

// HandleHostFunc serves with h the requests whose host name (lower-case,
// without port or trailing dot) match reports true, after every pattern:
// for a set of names that changes while nubo runs, such as custom domain
// names. match is called for every request that no pattern took, so it
// must be quick.
func (rt *Router) HandleHostFunc(match func(host string) bool, h http.Handler) {
	rt.hosts = append(rt.hosts, hostRoute{match: match, handler: h})
}

// serveHost serves r by its host when a host route takes it.
func (rt *Router) serveHost(w http.ResponseWriter, r *http.Request) bool {
	if len(rt.hosts) == 0 {
		return false
	}
	host := HostName(r.Host)
	for i := range rt.hosts {
		hr := &rt.hosts[i]
		if hr.match != nil {
			if hr.match(host) {
				hr.handler.ServeHTTP(w, r)
				return true
			}
			continue
		}
		if values, ok := matchHost(hr.labels, host); ok {
			for j := 0; j+1 < len(values); j += 2 {
				r.SetPathValue(values[j], values[j+1])
			}
			hr.handler.ServeHTTP(w, r)
			return true
		}
	}
	return false
}

// HostName is the name of a Host header: lower-case, without its port or
// a trailing dot.
func HostName(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	for i := 0; i < len(host); i++ {
		if c := host[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(host)
		}
	}
	return host
}

// matchHost matches host against a pattern's labels and returns the
// wildcards' names and values, alternating.
func matchHost(labels []string, host string) ([]string, bool) {
	var values []string
	for i, want := range labels {
		var label string
		if i == len(labels)-1 {
			label, host = host, ""
		} else {
			var ok bool
			if label, host, ok = strings.Cut(host, "."); !ok {
				return nil, false
			}
		}
		if name, ok := wildcard(want); ok {
			if !isLabel(label) {
				return nil, false
			}
			values = append(values, name, label)
			continue
		}
		if label != want {
			return nil, false
		}
	}
	return values, true
}

func wildcard(label string) (string, bool) {
	if len(label) > 2 && label[0] == '{' && label[len(label)-1] == '}' {
		return label[1 : len(label)-1], true
	}
	return "", false
}

// isLabel reports whether s is one DNS label: letters, digits, hyphens
// (and underscores, which some names carry).
func isLabel(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

package apigateway

import (
	"net/url"
	"sort"
	"strings"
)

const defaultRoute = "$default"

// segment kinds, in the order of their precedence.
const (
	literal = iota
	variable
	greedy
)

type segment struct {
	kind int
	text string // the literal, or the variable's name
}

// RouteKey is a parsed route key: a method (or ANY) and a path template,
// or $default.
type RouteKey struct {
	Key      string
	Method   string
	Path     string
	segments []segment
}

var routeMethods = map[string]bool{"ANY": true, "DELETE": true, "GET": true, "HEAD": true, "OPTIONS": true, "PATCH": true, "POST": true, "PUT": true}

// ParseRouteKey parses "GET /items/{id}", "ANY /{proxy+}" or "$default".
func ParseRouteKey(key string) (*RouteKey, error) {
	if key == defaultRoute {
		return &RouteKey{Key: key}, nil
	}
	method, path, ok := strings.Cut(key, " ")
	switch {
	case !ok || !routeMethods[method]:
		return nil, badRequest("Invalid route key: %s. A route key is $default or a method (ANY, DELETE, GET, HEAD, OPTIONS, PATCH, POST or PUT) and a path", key)
	case !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " ?#"):
		return nil, badRequest("Invalid route key: %s. The path must start with / and hold no spaces, ? or #", key)
	}
	rk := &RouteKey{Key: key, Method: method, Path: path}
	if path == "/" {
		return rk, nil
	}
	seen := map[string]bool{}
	parts := strings.Split(path[1:], "/")
	for i, p := range parts {
		seg, err := parseSegment(key, p, i == len(parts)-1)
		if err != nil {
			return nil, err
		}
		if seg.kind != literal {
			if seen[seg.text] {
				return nil, badRequest("Invalid route key: %s. The path variable %s appears twice", key, seg.text)
			}
			seen[seg.text] = true
		}
		rk.segments = append(rk.segments, seg)
	}
	return rk, nil
}

func parseSegment(key, p string, last bool) (segment, error) {
	if p == "" {
		return segment{}, badRequest("Invalid route key: %s. The path has an empty segment", key)
	}
	if !strings.HasPrefix(p, "{") {
		if strings.ContainsAny(p, "{}") {
			return segment{}, badRequest("Invalid route key: %s. A path variable must be a whole segment", key)
		}
		return segment{kind: literal, text: p}, nil
	}
	name, ok := strings.CutSuffix(p[1:], "}")
	if !ok || name == "" || strings.ContainsAny(name, "{}") {
		return segment{}, badRequest("Invalid route key: %s. A path variable must be a whole segment", key)
	}
	if n, g := strings.CutSuffix(name, "+"); g {
		if !last || n == "" {
			return segment{}, badRequest("Invalid route key: %s. A greedy path variable must be the last segment", key)
		}
		return segment{kind: greedy, text: n}, nil
	}
	return segment{kind: variable, text: name}, nil
}

// match reports whether the request's method and path (escaped, split in
// segments) match, and the path parameters, URL-decoded.
func (rk *RouteKey) match(method string, parts []string) (map[string]string, bool) {
	if rk.Key == defaultRoute {
		return nil, true
	}
	if rk.Method != "ANY" && rk.Method != method {
		return nil, false
	}
	var params map[string]string
	for i, seg := range rk.segments {
		if seg.kind == greedy {
			if i >= len(parts) || parts[i] == "" {
				return nil, false
			}
			params = setParam(params, seg.text, strings.Join(parts[i:], "/"))
			return params, true
		}
		if i >= len(parts) {
			return nil, false
		}
		switch seg.kind {
		case literal:
			if unescape(parts[i]) != seg.text {
				return nil, false
			}
		case variable:
			if parts[i] == "" {
				return nil, false
			}
			params = setParam(params, seg.text, parts[i])
		}
	}
	return params, len(parts) == len(rk.segments)
}

func setParam(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = unescape(v)
	return m
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// moreSpecific orders routes as AWS chooses among those that match: by
// path, segment by segment, a literal before a variable before a greedy
// variable; then a method before ANY; $default last.
func moreSpecific(a, b *RouteKey) bool {
	if (a.Key == defaultRoute) != (b.Key == defaultRoute) {
		return b.Key == defaultRoute
	}
	for i := 0; i < len(a.segments) && i < len(b.segments); i++ {
		if a.segments[i].kind != b.segments[i].kind {
			return a.segments[i].kind < b.segments[i].kind
		}
	}
	if len(a.segments) != len(b.segments) {
		return len(a.segments) > len(b.segments)
	}
	if (a.Method == "ANY") != (b.Method == "ANY") {
		return b.Method == "ANY"
	}
	return a.Key < b.Key
}

// sortRoutes puts routes in the order matching tries them.
func sortRoutes(rs []*compiledRoute) {
	sort.Slice(rs, func(i, j int) bool { return moreSpecific(rs[i].key, rs[j].key) })
}

// splitPath splits an escaped path in its segments: "/a/b" -> [a b],
// "/" -> [].
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

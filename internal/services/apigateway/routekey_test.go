package apigateway

import (
	"strings"
	"testing"
)

// The order AWS documents for HTTP APIs' routes.
func TestRouteMatchingOrder(t *testing.T) {
	keys := []string{"$default", "ANY /{proxy+}", "GET /pets/{proxy+}", "GET /pets/dog/{id}", "GET /pets/dog/1", "ANY /pets/dog/1", "GET /", "POST /pets/{id}/toys/{toy}"}
	v := &View{}
	for _, k := range keys {
		rk, err := ParseRouteKey(k)
		if err != nil {
			t.Fatal(err)
		}
		v.routes = append(v.routes, &compiledRoute{key: rk, route: &Route{RouteKey: k}})
	}
	sortRoutes(v.routes)
	tests := []struct {
		method, path, want string
		params             string
	}{
		{"GET", "/pets/dog/1", "GET /pets/dog/1", ""},
		{"PUT", "/pets/dog/1", "ANY /pets/dog/1", ""},
		{"GET", "/pets/dog/2", "GET /pets/dog/{id}", "id=2"},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", "proxy=cat/1"},
		{"GET", "/pets/", "ANY /{proxy+}", "proxy=pets/"},
		{"POST", "/pets/dog/1", "ANY /pets/dog/1", ""},
		{"POST", "/pets/dog/2", "ANY /{proxy+}", "proxy=pets/dog/2"},
		{"POST", "/pets/7/toys/ball", "POST /pets/{id}/toys/{toy}", "id=7 toy=ball"},
		{"GET", "/", "GET /", ""},
		{"POST", "/", "$default", ""},
		{"GET", "/a%2Fb", "ANY /{proxy+}", "proxy=a/b"},
	}
	for _, tt := range tests {
		m, ok := v.Match(tt.method, tt.path)
		if !ok {
			t.Errorf("%s %s: no match", tt.method, tt.path)
			continue
		}
		var params []string
		for _, k := range []string{"id", "proxy", "toy"} {
			if p, ok := m.Params[k]; ok {
				params = append(params, k+"="+p)
			}
		}
		if m.Route.RouteKey != tt.want || strings.Join(params, " ") != tt.params {
			t.Errorf("%s %s: %s %v, want %s %s", tt.method, tt.path, m.Route.RouteKey, params, tt.want, tt.params)
		}
	}
}

func TestParseRouteKey(t *testing.T) {
	for _, ok := range []string{"$default", "GET /", "ANY /{proxy+}", "POST /a/{b}/c", "DELETE /a.b/{c_d}"} {
		if _, err := ParseRouteKey(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "GET", "get /", "GET x", "GET /a//b", "GET /{a+}/b", "GET /{a}{b}", "GET /a{b}", "GET /{}", "GET /{+}", "GET /{a}/{a}", "GET /a b", "GET /a?x"} {
		if _, err := ParseRouteKey(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

// FuzzRouteKey parses arbitrary route keys and matches arbitrary paths:
// what parses matches without panicking, and a match's parameters are
// the route's variables.
func FuzzRouteKey(f *testing.F) {
	f.Add("GET /pets/{id}", "GET", "/pets/7")
	f.Add("ANY /{proxy+}", "POST", "/a/b%2Fc")
	f.Add("$default", "PUT", "")
	f.Fuzz(func(t *testing.T, key, method, path string) {
		rk, err := ParseRouteKey(key)
		if err != nil {
			return
		}
		params, ok := rk.match(method, splitPath(path))
		if !ok {
			return
		}
		for name := range params {
			if !strings.Contains(key, "{"+name+"}") && !strings.Contains(key, "{"+name+"+}") {
				t.Errorf("%q on %q: parameter %q is no variable", key, path, name)
			}
		}
	})
}

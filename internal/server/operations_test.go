package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/wire"
)

// Every operation of every service declares what it needs of its caller,
// and a user with no permissions is refused each one with the service's
// AccessDenied: a list of them all, which fails when an operation is added
// without its action and resource.
func TestEveryOperationIsAuthorised(t *testing.T) {
	n := sharedNubo(t)
	id, secret := n.user(t, "nobody-"+n.region, "")
	var count int
	for _, svc := range n.srv.Services() {
		for i := range svc.Ops {
			op := &svc.Ops[i]
			if !op.Declared() {
				t.Errorf("%s %s declares no resource (a Resourcer input, ResourceFrom, AnyResource or SelfAuthorized)", svc.Name, op.Name)
				continue
			}
			count++
			t.Logf("%-10s %-32s %s", svc.Name, op.Name, svc.IAMAction(op))
			n.wantDenied(t, svc, op.Name, rpcCall(svc, op.Name), id, secret)
		}
		if svc.REST == nil {
			continue
		}
		for i := range svc.REST.Routes {
			rt := &svc.REST.Routes[i]
			if rt.Operation == "" {
				t.Errorf("%s route %s names no operation", svc.Name, rt.Pattern)
				continue
			}
			count++
			t.Logf("%-10s %-32s %s", svc.Name, rt.Operation, svc.RouteAction(rt))
			n.wantDenied(t, svc, rt.Operation, n.routeCall(rt.Pattern), id, secret)
		}
	}
	if count < 100 {
		t.Errorf("only %d operations: the services are not all there", count)
	}
}

// allowedToAll are the operations any authenticated caller may make: STS's
// GetCallerIdentity and GetSessionToken need no permission. AssumeRole
// weighs the role's trust policy itself (internal/iam tests it), after
// validating its input.
var allowedToAll = map[string]bool{"sts GetCallerIdentity": true, "sts GetSessionToken": true}

const selfAuthorised = "sts AssumeRole"

// call is a request of an operation: its method, path and headers.
type call struct {
	method, path string
	header       map[string]string
}

// wantDenied sends c signed by the user and checks the service refused it.
func (n *nubo) wantDenied(t *testing.T, svc *wire.Service, op string, c call, id, secret string) {
	t.Helper()
	var body []byte
	switch {
	case c.header["Content-Type"] == "application/x-www-form-urlencoded":
		body = []byte("Action=" + op)
	case c.method != "GET" && c.method != "DELETE":
		body = []byte("{}")
	}
	r, err := http.NewRequest(c.method, "http://"+n.addr+c.path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, r,
		hex.EncodeToString(sum[:]), svc.Name, n.region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	code := errorCode(resp, got)
	if svc.Name+" "+op == selfAuthorised {
		return
	}
	if allowedToAll[svc.Name+" "+op] {
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s %s: %d %s, want it allowed", svc.Name, op, resp.StatusCode, got)
		}
		return
	}
	switch code {
	case "AccessDenied", "AccessDeniedException", "AuthorizationError":
	default:
		t.Errorf("%s %s: %d %s %s, want an AccessDenied", svc.Name, op, resp.StatusCode, code, got)
	}
}

// rpcCall is a call of an operation of an RPC service, in JSON when it
// speaks it, else in the query protocol.
func rpcCall(svc *wire.Service, op string) call {
	if svc.JSON != nil {
		return call{"POST", "/", map[string]string{"X-Amz-Target": svc.JSON.Target + "." + op, "Content-Type": "application/x-amz-json-" + svc.JSON.Version}}
	}
	return call{"POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}
}

// routeCall is a call of a REST route, its labels filled in.
func (n *nubo) routeCall(pattern string) call {
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.NewReplacer("{$}", "", "{name}", "victim", "{alias}", "live", "{sid}", "s1", "{uuid}", uuid.NewString(),
		"{resource...}", n.arn("victim")).Replace(path)
	return call{method, path, map[string]string{"Content-Type": "application/json"}}
}

// errorCode reads an AWS error's code in any protocol's shape.
func errorCode(resp *http.Response, body []byte) string {
	if c := resp.Header.Get("X-Amzn-ErrorType"); c != "" {
		return c
	}
	if c, _, ok := strings.Cut(resp.Header.Get("x-amzn-query-error"), ";"); ok {
		return c
	}
	var j struct {
		Type string `json:"__type"`
	}
	if json.Unmarshal(body, &j) == nil && j.Type != "" {
		return j.Type[strings.LastIndexByte(j.Type, '#')+1:]
	}
	var x struct{ Error struct{ Code string } }
	xml.Unmarshal(body, &x)
	return x.Error.Code
}

package server_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// issuer is an OpenID Connect provider on loopback: its configuration
// names its JWKS, which holds one RSA key.
type issuer struct {
	*httptest.Server
	key     *rsa.PrivateKey
	fetches atomic.Int32
}

func newIssuer(t *testing.T) *issuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": is.URL, "jwks_uri": is.URL + "/keys"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		is.fetches.Add(1)
		b64 := base64.RawURLEncoding.EncodeToString
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}}})
	})
	is.Server = httptest.NewServer(mux)
	t.Cleanup(is.Close)
	return is
}

// token signs claims with the issuer's key.
func (is *issuer) token(t *testing.T, claims map[string]any) string {
	b64 := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signed := b64(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"}) + "." + b64(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, is.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func (b *apiBuilder) authorizer(in *apigatewayv2.CreateAuthorizerInput) string {
	b.t.Helper()
	in.ApiId = b.id
	out, err := b.c.CreateAuthorizer(context.Background(), in)
	if err != nil {
		b.t.Fatal(err)
	}
	return aws.ToString(out.AuthorizerId)
}

func (b *apiBuilder) authRoute(key, target string, typ agtypes.AuthorizationType, authorizer string, scopes ...string) {
	b.t.Helper()
	in := &apigatewayv2.CreateRouteInput{ApiId: b.id, RouteKey: aws.String(key), Target: aws.String(target), AuthorizationType: typ, AuthorizationScopes: scopes}
	if authorizer != "" {
		in.AuthorizerId = aws.String(authorizer)
	}
	if _, err := b.c.CreateRoute(context.Background(), in); err != nil {
		b.t.Fatal(err)
	}
}

func TestHTTPAPIJWTAuthorizer(t *testing.T) {
	n := sharedNubo(t)
	n.createHTTPFunction(t, "jwtfn")
	is := newIssuer(t)
	b := n.newAPI(t, "jwt", nil)
	fn := b.function("jwtfn", "2.0", 30000)
	auth := b.authorizer(&apigatewayv2.CreateAuthorizerInput{Name: aws.String("oidc"), AuthorizerType: agtypes.AuthorizerTypeJwt,
		IdentitySource: []string{"$request.header.Authorization"}, JwtConfiguration: &agtypes.JWTConfiguration{Issuer: aws.String(is.URL), Audience: []string{"shop"}}})
	b.authRoute("GET /orders", fn, agtypes.AuthorizationTypeJwt, auth)
	b.authRoute("DELETE /orders", fn, agtypes.AuthorizationTypeJwt, auth, "orders:admin")
	b.stage(&apigatewayv2.CreateStageInput{StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	now := time.Now().Unix()
	claims := func(extra map[string]any) map[string]any {
		c := map[string]any{"iss": is.URL, "aud": "shop", "sub": "ada", "exp": now + 300, "iat": now, "scope": "orders:read profile"}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	status, _, body := n.call(t, "GET", b.url("/orders"), "", "Authorization", "Bearer "+is.token(t, claims(nil)))
	ev := decodeURLEvent(t, body)
	jwt := ev.RequestContext.Authorizer.JWT
	if status != 200 || jwt["claims"].(map[string]any)["sub"] != "ada" || len(jwt["scopes"].([]any)) != 2 {
		t.Errorf("valid token: %d %s", status, body)
	}
	tests := []struct {
		name, method, header string
		status               int
		challenge            string
	}{
		{"missing", "GET", "", 401, "Bearer"},
		{"expired", "GET", "Bearer " + is.token(t, claims(map[string]any{"exp": now - 10})), 401, `error_description="the token has expired"`},
		{"wrong audience", "GET", "Bearer " + is.token(t, claims(map[string]any{"aud": "other"})), 401, `error="invalid_token"`},
		{"wrong issuer", "GET", "Bearer " + is.token(t, claims(map[string]any{"iss": "https://evil.example"})), 401, `error="invalid_token"`},
		{"garbage", "GET", "Bearer abc.def.ghi", 401, `error="invalid_token"`},
		{"insufficient scope", "DELETE", "Bearer " + is.token(t, claims(nil)), 403, `error="insufficient_scope"`},
		{"client_id for audience, admin scope", "DELETE", "Bearer " + is.token(t, claims(map[string]any{"aud": nil, "client_id": "shop", "scope": "orders:admin"})), 200, ""},
	}
	for _, tt := range tests {
		var hdr []string
		if tt.header != "" {
			hdr = []string{"Authorization", tt.header}
		}
		status, h, body := n.call(t, tt.method, b.url("/orders"), "", hdr...)
		if status != tt.status || !strings.Contains(h.Get("Www-Authenticate"), tt.challenge) {
			t.Errorf("%s: %d %q %s", tt.name, status, h.Get("Www-Authenticate"), body)
		}
	}
	if got := is.fetches.Load(); got != 1 {
		t.Errorf("the JWKS was fetched %d times, want once (cached)", got)
	}
}

func TestHTTPAPILambdaAuthorizer(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createHTTPFunction(t, "backend")
	n.createHTTPFunction(t, "gatekeeper")
	b := n.newAPI(t, "lambdaauth", nil)
	fn := b.function("backend", "2.0", 30000)
	uri := "arn:aws:apigateway:" + n.region + ":lambda:path/2015-03-31/functions/" + n.arn("gatekeeper") + "/invocations"
	b.allow("gatekeeper")
	simple := b.authorizer(&apigatewayv2.CreateAuthorizerInput{Name: aws.String("simple"), AuthorizerType: agtypes.AuthorizerTypeRequest,
		AuthorizerUri: aws.String(uri), AuthorizerPayloadFormatVersion: aws.String("2.0"), EnableSimpleResponses: aws.Bool(true),
		IdentitySource: []string{"$request.header.X-Token"}, AuthorizerResultTtlInSeconds: aws.Int32(300)})
	policy := b.authorizer(&apigatewayv2.CreateAuthorizerInput{Name: aws.String("policy"), AuthorizerType: agtypes.AuthorizerTypeRequest,
		AuthorizerUri: aws.String(uri), AuthorizerPayloadFormatVersion: aws.String("1.0"), IdentitySource: []string{"$request.querystring.token"},
		AuthorizerResultTtlInSeconds: aws.Int32(0)})
	b.authRoute("GET /simple", fn, agtypes.AuthorizationTypeCustom, simple)
	b.authRoute("GET /policy", fn, agtypes.AuthorizationTypeCustom, policy)
	b.stage(&apigatewayv2.CreateStageInput{StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	status, _, body := n.call(t, "GET", b.url("/simple"), "", "X-Token", "allow")
	if ev := decodeURLEvent(t, body); status != 200 || ev.RequestContext.Authorizer.Lambda["user"] != "ada" || ev.RequestContext.Authorizer.Lambda["n"] != float64(7) {
		t.Errorf("allowed: %d %s", status, body)
	}
	for _, tt := range []struct {
		url    string
		header []string
		status int
		body   string
	}{
		{b.url("/simple"), []string{"X-Token", "deny"}, 403, `{"message":"Forbidden"}`},
		{b.url("/simple"), nil, 401, `{"message":"Unauthorized"}`},
		{b.url("/simple"), []string{"X-Token", "explode"}, 500, `{"message":"Internal Server Error"}`},
		{b.url("/policy?token=policy-allow"), nil, 200, ""},
		{b.url("/policy?token=policy-deny"), nil, 403, `{"message":"Forbidden"}`},
	} {
		status, _, body := n.call(t, "GET", tt.url, "", tt.header...)
		if status != tt.status || tt.body != "" && body != tt.body {
			t.Errorf("%s %v: %d %s", tt.url, tt.header, status, body)
		}
	}
	// Cached: the authorizer now denies everyone, but its answer for
	// "allow" stands until the cache is reset.
	if _, err := n.client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("gatekeeper"),
		Environment: &types.Environment{Variables: map[string]string{"DENY_ALL": "1"}}}); err != nil {
		t.Fatal(err)
	}
	n.waitUpdated(t, "gatekeeper")
	if status, _, _ := n.call(t, "GET", b.url("/simple"), "", "X-Token", "allow"); status != 200 {
		t.Errorf("cached answer: %d", status)
	}
	if _, err := b.c.ResetAuthorizersCache(ctx, &apigatewayv2.ResetAuthorizersCacheInput{ApiId: b.id, StageName: aws.String("$default")}); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := n.call(t, "GET", b.url("/simple"), "", "X-Token", "allow"); status != 403 {
		t.Errorf("after ResetAuthorizersCache: %d", status)
	}
}

func TestHTTPAPIIAMRoute(t *testing.T) {
	n := sharedNubo(t)
	n.createHTTPFunction(t, "iamfn")
	b := n.newAPI(t, "iam", nil)
	b.authRoute("GET /private", b.function("iamfn", "2.0", 30000), agtypes.AuthorizationTypeAwsIam, "")
	b.stage(&apigatewayv2.CreateStageInput{StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	if status, _, body := n.call(t, "GET", b.url("/private"), ""); status != 403 || body != `{"message":"Forbidden"}` {
		t.Errorf("unsigned: %d %s", status, body)
	}
	// A caller must be allowed execute-api:Invoke on the route.
	route := "arn:aws:execute-api:" + n.region + ":" + account + ":" + aws.ToString(b.id) + "/$default/GET/private"
	id, secret := n.user(t, "gateway-caller", allow("execute-api:Invoke", route))
	other, otherSecret := n.user(t, "gateway-stranger", allow("execute-api:Invoke", "arn:aws:execute-api:*:*:other/*"))
	sign := func(id, secret string) *http.Request {
		req := newRequest(t, "GET", b.url("/private"), "")
		sum := sha256.Sum256(nil)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req,
			hex.EncodeToString(sum[:]), "execute-api", n.region, time.Now()); err != nil {
			t.Fatal(err)
		}
		return req
	}
	resp, body := fetch(t, n.web(), sign(id, secret))
	if resp.StatusCode != 200 || decodeURLEvent(t, body).RequestContext.Authorizer.IAM["accessKey"] != id {
		t.Errorf("signed: %d %s", resp.StatusCode, body)
	}
	if resp, body := fetch(t, n.web(), sign(other, otherSecret)); resp.StatusCode != 403 {
		t.Errorf("signed by a caller not allowed the route: %d %s", resp.StatusCode, body)
	}
}

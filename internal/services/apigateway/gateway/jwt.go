package gateway

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/frontdoor"
	ag "github.com/nubo-dev/nubo/internal/services/apigateway"
)

// keySets fetches and caches JWT issuers' signing keys: the JWKS at the
// jwks_uri of <issuer>/.well-known/openid-configuration, kept keysTTL and
// fetched again (at most every refetchAfter) for a key id it lacks.
type keySets struct {
	http *http.Client
	now  func() time.Time
	mu   sync.Mutex
	sets map[string]*keySet
}

type keySet struct {
	keys    map[string]*rsa.PublicKey
	fetched time.Time
}

const (
	keysTTL      = 2 * time.Hour
	refetchAfter = time.Minute
	fetchTimeout = 5 * time.Second
)

func newKeySets(c *http.Client, now func() time.Time) *keySets {
	return &keySets{http: c, now: now, sets: map[string]*keySet{}}
}

// key returns the issuer's key kid.
func (k *keySets) key(ctx context.Context, issuer, kid string) (*rsa.PublicKey, error) {
	k.mu.Lock()
	set := k.sets[issuer]
	k.mu.Unlock()
	now := k.now()
	if set != nil {
		key, ok := set.keys[kid]
		fresh := now.Sub(set.fetched) < keysTTL
		if ok && fresh || !ok && fresh && now.Sub(set.fetched) < refetchAfter {
			return key, keyMissing(ok)
		}
	}
	keys, err := k.fetch(ctx, issuer)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.sets[issuer] = &keySet{keys: keys, fetched: now}
	k.mu.Unlock()
	key, ok := keys[kid]
	return key, keyMissing(ok)
}

func keyMissing(ok bool) error {
	if ok {
		return nil
	}
	return errors.New("the token's key is not the issuer's")
}

// fetch reads the issuer's OpenID configuration and its JWKS.
func (k *keySets) fetch(ctx context.Context, issuer string) (map[string]*rsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	var conf struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := k.getJSON(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &conf); err != nil {
		return nil, fmt.Errorf("openid configuration of %s: %w", issuer, err)
	}
	var jwks struct {
		Keys []struct {
			Kty, Kid, N, E string
		} `json:"keys"`
	}
	if err := k.getJSON(ctx, conf.JWKSURI, &jwks); err != nil {
		return nil, fmt.Errorf("keys of %s: %w", issuer, err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, j := range jwks.Keys {
		n, err1 := base64.RawURLEncoding.DecodeString(j.N)
		e, err2 := base64.RawURLEncoding.DecodeString(j.E)
		if j.Kty != "RSA" || err1 != nil || err2 != nil || len(e) > 4 {
			continue
		}
		keys[j.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}

func (k *keySets) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := k.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(v)
}

// token is a validated JWT's claims and scopes.
type token struct {
	claims map[string]any
	scopes []string
}

var algorithms = map[string]crypto.Hash{"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512}

// verify checks a JWT's signature by its issuer's key and its claims: the
// issuer, an audience (aud, or client_id) the authorizer accepts, and its
// validity in time.
func (k *keySets) verify(ctx context.Context, raw string, cfg *ag.JWTConfiguration, now time.Time) (*token, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errors.New("the token is not a JWT")
	}
	var header struct{ Alg, Kid string }
	var claims map[string]any
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, err
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, err
	}
	hash, ok := algorithms[header.Alg]
	if !ok {
		return nil, fmt.Errorf("the token's algorithm %s is not supported", header.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("the token's signature is not base64url")
	}
	if iss, _ := claims["iss"].(string); strings.TrimSuffix(iss, "/") != strings.TrimSuffix(cfg.Issuer, "/") {
		return nil, errors.New("the token has an invalid issuer")
	}
	key, err := k.key(ctx, cfg.Issuer, header.Kid)
	if err != nil {
		return nil, err
	}
	h := hash.New()
	h.Write([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, hash, h.Sum(nil), sig); err != nil {
		return nil, errors.New("the token's signature is invalid")
	}
	if err := checkTimes(claims, now); err != nil {
		return nil, err
	}
	if !audienceOK(claims, cfg.Audience) {
		return nil, errors.New("the token does not have a valid audience")
	}
	return &token{claims: claims, scopes: scopesOf(claims)}, nil
}

func decodeSegment(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, v) != nil {
		return errors.New("the token is not a JWT")
	}
	return nil
}

func checkTimes(claims map[string]any, now time.Time) error {
	exp, ok := claims["exp"].(float64)
	switch {
	case !ok:
		return errors.New("the token has no expiry")
	case now.Unix() >= int64(exp):
		return errors.New("the token has expired")
	}
	if nbf, ok := claims["nbf"].(float64); ok && now.Unix() < int64(nbf) {
		return errors.New("the token is not valid yet")
	}
	if iat, ok := claims["iat"].(float64); ok && now.Unix() < int64(iat)-60 {
		return errors.New("the token was issued in the future")
	}
	return nil
}

func audienceOK(claims map[string]any, accepted []string) bool {
	var auds []string
	switch a := claims["aud"].(type) {
	case string:
		auds = []string{a}
	case []any:
		auds = strs(a)
	}
	if c, ok := claims["client_id"].(string); ok && len(auds) == 0 {
		auds = []string{c}
	}
	for _, a := range auds {
		for _, want := range accepted {
			if a == want {
				return true
			}
		}
	}
	return false
}

// scopesOf reads the scope (space-separated) or scp claim.
func scopesOf(claims map[string]any) []string {
	if s, ok := claims["scope"].(string); ok {
		return strings.Fields(s)
	}
	switch s := claims["scp"].(type) {
	case string:
		return strings.Fields(s)
	case []any:
		return strs(s)
	}
	return nil
}

// authorizeJWT validates the route's JWT: a missing or invalid token is a
// 401 and a token without a scope the route wants a 403, each with its
// WWW-Authenticate challenge; a valid one's claims and scopes reach the
// integration.
func (x *exchange) authorizeJWT(a *ag.Authorizer, scopes []string) bool {
	raw := x.source(a.IdentitySource[0])
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = raw[7:]
	}
	if raw == "" {
		x.authorizerError = "the token is missing"
		x.w.Header().Set("Www-Authenticate", "Bearer")
		x.fail(frontdoor.Unauthorized, "")
		return false
	}
	tok, err := x.g.jwks.verify(x.r.Context(), raw, a.JwtConfiguration, x.g.opts.Now())
	if err != nil {
		x.authorizerError = err.Error()
		x.w.Header().Set("Www-Authenticate", `Bearer scope="" error="invalid_token" error_description="`+err.Error()+`"`)
		x.fail(frontdoor.Unauthorized, "")
		return false
	}
	if len(scopes) > 0 && !anyScope(tok.scopes, scopes) {
		x.authorizerError = "the token has none of the route's scopes"
		x.w.Header().Set("Www-Authenticate", `Bearer scope="`+strings.Join(scopes, " ")+`" error="insufficient_scope" error_description="expected scopes: [`+strings.Join(scopes, " ")+`]"`)
		x.fail(frontdoor.Forbidden, "")
		return false
	}
	x.req.Authorizer = &frontdoor.Authorizer{JWT: &frontdoor.JWTAuthorizer{Claims: claimStrings(tok.claims), Scopes: tok.scopes}}
	return true
}

func anyScope(have, want []string) bool {
	for _, w := range want {
		for _, h := range have {
			if h == w {
				return true
			}
		}
	}
	return false
}

// claimStrings renders claims as the event carries them: strings as they
// are, numbers without exponent, lists as [a b], anything else as JSON.
func claimStrings(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		switch v := v.(type) {
		case string:
			out[k] = v
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			out[k] = strconv.FormatBool(v)
		case []any:
			out[k] = "[" + strings.Join(strs(v), " ") + "]"
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}

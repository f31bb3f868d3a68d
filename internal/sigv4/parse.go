package sigv4

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm nubo accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// MaxPresignExpiry is the longest X-Amz-Expires AWS accepts: seven days.
const MaxPresignExpiry = 604800 * time.Second

// Scope is the credential scope of a signature.
type Scope struct {
	AccessKeyID string
	Date        string // YYYYMMDD
	Region      string
	Service     string
}

// String is the scope as signed: DATE/REGION/SERVICE/aws4_request.
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/aws4_request"
}

// Claim is what a signed request claims: who signed it, when, over which
// headers, and the signature. It is parsed, not yet verified.
type Claim struct {
	Scope
	SignedHeaders []string // lowercase, as listed
	Signature     string   // hex
	AmzDate       string   // YYYYMMDD'T'HHMMSS'Z'
	Token         string   // X-Amz-Security-Token
	Presigned     bool
	Expires       time.Duration // presigned only
}

// ParseRequest reads the claim of r from its Authorization header or, for
// a presigned URL, its query string. A request with neither is Missing.
func ParseRequest(r *http.Request) (Claim, *Error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		c, err := ParseAuthorization(auth)
		if err != nil {
			return c, err
		}
		c.Token = r.Header.Get("X-Amz-Security-Token")
		c.AmzDate = r.Header.Get("X-Amz-Date")
		if c.AmzDate == "" {
			c.AmzDate = httpDate(r.Header.Get("Date"))
		}
		if c.AmzDate == "" {
			return c, fail(Incomplete, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", auth)
		}
		return c, nil
	}
	if q := r.URL.RawQuery; strings.Contains(q, "X-Amz-Signature=") || strings.Contains(q, "X-Amz-Credential=") {
		return parsePresigned(r.URL.Query())
	}
	return Claim{}, &Error{Kind: Missing}
}

// httpDate turns an RFC 1123 Date header into the basic ISO 8601 form.
func httpDate(s string) string {
	t, err := http.ParseTime(s)
	if err != nil {
		return ""
	}
	return t.UTC().Format(amzDateFormat)
}

const amzDateFormat = "20060102T150405Z"

// ParseAuthorization reads an Authorization header:
// "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=HEX".
func ParseAuthorization(auth string) (Claim, *Error) {
	algo, rest, _ := strings.Cut(auth, " ")
	if algo != Algorithm {
		return Claim{}, fail(Incomplete, "Unsupported AWS 'algorithm': '%s'", algo)
	}
	var c Claim
	var cred, signed string
	for field := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			c.Signature = v
		}
	}
	var missing []string
	for _, m := range []struct{ name, v string }{{"Credential", cred}, {"Signature", c.Signature}, {"SignedHeaders", signed}} {
		if m.v == "" {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		return c, incompleteHeader(missing, auth)
	}
	scope, err := parseScope(cred)
	if err != nil {
		return c, err
	}
	c.Scope = scope
	c.SignedHeaders = strings.Split(signed, ";")
	if err := checkClaim(c); err != nil {
		return c, err
	}
	return c, nil
}

// parseScope reads "AKID/DATE/REGION/SERVICE/aws4_request".
func parseScope(cred string) (Scope, *Error) {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" || parts[2] == "" || parts[3] == "" {
		return Scope{}, fail(Incomplete, "Credential should be scoped to a valid region, not '%s'. ", cred)
	}
	if len(parts[1]) != 8 || !digits(parts[1]) {
		return Scope{}, fail(Incomplete, "Credential should be scoped to a valid date, not '%s'. ", parts[1])
	}
	return Scope{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkClaim enforces what every signature must have: a hex signature of
// SHA-256's length, and host among the signed headers.
func checkClaim(c Claim) *Error {
	if len(c.Signature) != 64 || strings.Trim(c.Signature, "0123456789abcdef") != "" {
		return &Error{Kind: Mismatch, Presigned: c.Presigned}
	}
	for _, h := range c.SignedHeaders {
		if h == "host" || h == ":authority" {
			return nil
		}
	}
	return &Error{Kind: Incomplete, Presigned: c.Presigned,
		Detail: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."}
}

// parsePresigned reads the X-Amz-* parameters of a presigned URL.
func parsePresigned(q url.Values) (Claim, *Error) {
	c := Claim{Presigned: true, AmzDate: q.Get("X-Amz-Date"), Signature: q.Get("X-Amz-Signature"), Token: q.Get("X-Amz-Security-Token")}
	bad := func(format string, args ...any) (Claim, *Error) {
		e := fail(Incomplete, format, args...)
		e.Presigned = true
		return c, e
	}
	if a := q.Get("X-Amz-Algorithm"); a != Algorithm {
		return bad("X-Amz-Algorithm only supports \"%s\"", Algorithm)
	}
	for _, p := range []string{"X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		if q.Get(p) == "" {
			return bad("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	secs, err := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	if err != nil || secs < 0 {
		return bad("X-Amz-Expires should be a number")
	}
	if time.Duration(secs)*time.Second > MaxPresignExpiry {
		return bad("X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	c.Expires = time.Duration(secs) * time.Second
	scope, e := parseScope(q.Get("X-Amz-Credential"))
	if e != nil {
		e.Presigned = true
		return c, e
	}
	c.Scope = scope
	c.SignedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	return c, checkClaim(c)
}

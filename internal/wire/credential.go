package wire

import (
	"net/http"
	"strings"
)

// Credential is the scope of a SigV4 credential: who signed, and for which
// region and service.
type Credential struct {
	AccessKey string
	Date      string
	Region    string
	Service   string
}

// ParseCredential reads the SigV4 credential scope of a request from its
// Authorization header or, for presigned URLs, its X-Amz-Credential query
// parameter. ok is false when the request is not SigV4-signed.
func ParseCredential(r *http.Request) (Credential, bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		return parseAuthorization(auth)
	}
	if cred := r.URL.Query().Get("X-Amz-Credential"); cred != "" {
		return parseScope(cred)
	}
	return Credential{}, false
}

// parseAuthorization reads
// "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/lambda/aws4_request, SignedHeaders=..., Signature=...".
func parseAuthorization(auth string) (Credential, bool) {
	algo, rest, ok := strings.Cut(auth, " ")
	if !ok || !strings.HasPrefix(algo, "AWS4-") {
		return Credential{}, false
	}
	for _, field := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(field), "=")
		if ok && k == "Credential" {
			return parseScope(v)
		}
	}
	return Credential{}, false
}

// parseScope reads "AKID/DATE/REGION/SERVICE/aws4_request".
func parseScope(scope string) (Credential, bool) {
	parts := strings.Split(scope, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[3] == "" {
		return Credential{}, false
	}
	return Credential{AccessKey: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}, true
}

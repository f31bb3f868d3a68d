package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
)

// keyCache holds derived signing keys by secret and scope, so that a
// request costs one HMAC instead of five. A key is valid for a day; the
// cache is emptied whenever it grows past its bound, which a day's worth
// of keys in use does not reach.
type keyCache struct {
	mu   sync.Mutex
	keys map[string][]byte
}

const keyCacheSize = 4096

// signingKey derives HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region),
// service), "aws4_request"), once per secret and scope.
func (c *keyCache) signingKey(secret string, s Scope) []byte {
	id := secret + "\x00" + s.Date + "\x00" + s.Region + "\x00" + s.Service
	c.mu.Lock()
	k, ok := c.keys[id]
	c.mu.Unlock()
	if ok {
		return k
	}
	k = DeriveKey(secret, s.Date, s.Region, s.Service)
	c.mu.Lock()
	if c.keys == nil || len(c.keys) >= keyCacheSize {
		c.keys = make(map[string][]byte)
	}
	c.keys[id] = k
	c.mu.Unlock()
	return k
}

// DeriveKey is SigV4's signing key of a secret for a date, region and
// service.
func DeriveKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func sha256Hex(data string) string {
	sum := sha256.Sum256([]byte(data))
	return hex.EncodeToString(sum[:])
}

// stringToSign is "ALGORITHM\nDATE\nSCOPE\n" followed by the lines of
// rest (the hash of the canonical request; for a chunk the previous
// signature and the hashes).
func stringToSign(algorithm, amzDate string, s Scope, rest ...string) string {
	n := len(algorithm) + len(amzDate) + 64
	for _, r := range rest {
		n += len(r) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, algorithm...)
	b = append(b, '\n')
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = append(b, s.String()...)
	for _, r := range rest {
		b = append(b, '\n')
		b = append(b, r...)
	}
	return string(b)
}

// sign is the hex HMAC of a string to sign under a signing key.
func sign(key []byte, sts string) string {
	return hex.EncodeToString(hmacSHA256(key, sts))
}

// equalHex compares signatures in constant time.
func equalHex(a, b string) bool {
	return hmac.Equal([]byte(a), []byte(b))
}

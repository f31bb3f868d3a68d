package lambdaapi

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// CodePath is where GetFunction's Code.Location points: nubo serves the
// package itself, as S3 serves a presigned URL for AWS.
const CodePath = "/_nubo/code/"

// Links signs the links GetFunction returns for code packages. Like AWS's
// presigned S3 URLs, a link needs no credentials, so that any HTTP client
// of the caller can download the zip, and it expires after ten minutes.
type Links struct {
	// MAC authenticates a link's key and expiry (iam.Service.MAC, shared
	// by every node).
	MAC func(msg []byte) []byte
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// linkLifetime is how long a link works, as AWS's Code.Location.
const linkLifetime = 10 * time.Minute

func (l Links) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l Links) signature(key, expires string) string {
	return hex.EncodeToString(l.MAC([]byte(key + "\x00" + expires)))
}

// URL is the link to the package key, on nubo as the client reached it.
func (l Links) URL(base, key string) string {
	expires := strconv.FormatInt(l.now().Add(linkLifetime).Unix(), 10)
	return base + CodePath + key + ".zip?Expires=" + expires + "&Signature=" + l.signature(key, expires)
}

// valid reports whether a link's expiry and signature hold.
func (l Links) valid(key string, r *http.Request) bool {
	q := r.URL.Query()
	expires, sig := q.Get("Expires"), q.Get("Signature")
	t, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || l.now().Unix() > t {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(l.signature(key, expires)))
}

// PackageOpener opens a stored code package by key.
type PackageOpener interface {
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

var packageKeyRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CodeHandler serves the zips that GetFunction's Code.Location points to,
// to holders of a valid link.
func CodeHandler(packages PackageOpener, links Links) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, CodePath), ".zip")
		if r.Method != http.MethodGet || !packageKeyRE.MatchString(key) {
			http.Error(w, "no such code package", http.StatusNotFound)
			return
		}
		if !links.valid(key, r) {
			denied(w)
			return
		}
		rc, err := packages.Open(r.Context(), key)
		if errors.Is(err, store.ErrNotFound) {
			http.Error(w, "no such code package", http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, "read code package: "+err.Error(), http.StatusInternalServerError)
			return
		}
		defer rc.Close()
		w.Header().Set("Content-Type", "application/zip")
		io.Copy(w, rc)
	})
}

// denied answers an expired or forged link as S3 answers one.
func denied(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<Error><Code>AccessDenied</Code><Message>Request has expired or its signature does not match</Message></Error>`)
}

package lambdaapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/nubo-dev/nubo/internal/store"
)

// PackageOpener opens a stored code package by key.
type PackageOpener interface {
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

var packageKeyRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CodeHandler serves the zips that GetFunction's Code.Location points to.
func CodeHandler(packages PackageOpener) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, CodePath), ".zip")
		if r.Method != http.MethodGet || !packageKeyRE.MatchString(key) {
			http.Error(w, "no such code package", http.StatusNotFound)
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

package wire

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Synced is a Service's Wrap for a service that serves from memory what
// it follows of a store other nodes write too: before each request (but
// those skip reports, when set) it waits for sync to bring that memory up
// to every write stored anywhere before (for a second at most; then it
// serves what it has). In a cluster a client's next call may reach
// another node than its last, and must see what that call wrote.
func Synced(sync func(context.Context) error, log *slog.Logger, skip func(*http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if skip == nil || !skip(r) {
				ctx, cancel := context.WithTimeout(r.Context(), time.Second)
				if err := sync(ctx); err != nil {
					log.Warn("read the other nodes' writes", "service", CallOf(r.Context()).Service, "err", err)
				}
				cancel()
			}
			next.ServeHTTP(w, r)
		})
	}
}

package logs

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Path is nubo's own log endpoint, which `nubo logs` reads.
const Path = "/_nubo/logs"

// Handler serves GET /_nubo/logs?group=G[&since=10m|RFC3339][&follow=true]
// as text, one event a line: its time (RFC 3339, milliseconds), the stream
// name, and the message, tab-separated.
func (s *Store) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		group := q.Get("group")
		since, err := parseSince(q.Get("since"), time.Now())
		if group == "" || err != nil {
			http.Error(w, "want ?group=NAME[&since=10m|2006-01-02T15:04:05Z][&follow=true]", http.StatusBadRequest)
			return
		}
		follow, _ := strconv.ParseBool(q.Get("follow"))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		flusher, _ := w.(http.Flusher)
		err = s.Read(r.Context(), group, since, follow, func(e Event) bool {
			t := time.UnixMilli(e.Timestamp).UTC().Format("2006-01-02T15:04:05.000Z")
			if _, err := fmt.Fprintf(w, "%s\t%s\t%s\n", t, e.Stream, e.Message); err != nil {
				return false
			}
			if follow && flusher != nil {
				flusher.Flush()
			}
			return true
		})
		if err != nil && r.Context().Err() == nil {
			s.log.Warn("read logs", "group", group, "err", err)
		}
	})
}

// parseSince reads a duration back from now ("10m") or a time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Parse(time.RFC3339, s)
}

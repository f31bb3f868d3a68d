package logs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/logs"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

// clock is a time that tests move.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	st     *natsstore.Store
	stream store.Stream
	kv     store.KV
}

func openStore(t *testing.T, dir string) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	stream, err := st.Stream(ctx, "LOGS", logs.Prefix, natsstore.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := st.KV(ctx, "logs")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st, stream, kv}
}

func (f *fixture) open(t *testing.T, c *clock) *logs.Store {
	t.Helper()
	s, err := logs.Open(context.Background(), f.stream, f.kv, logs.Options{Now: c.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func events(ts int64, msgs ...string) []lambda.LogEvent {
	out := make([]lambda.LogEvent, len(msgs))
	for i, m := range msgs {
		out[i] = lambda.LogEvent{Timestamp: ts + int64(i), Message: m}
	}
	return out
}

func flush(t *testing.T, s *logs.Store) {
	t.Helper()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// waitStored waits until the store has handed subject's appended events to
// the stream (within storeEvery), and the stream has stored them.
func waitStored(t *testing.T, st store.Stream, subject string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		subjects, err := st.Subjects(context.Background(), subject)
		if err != nil {
			t.Fatal(err)
		}
		if subjects[subject] > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was never stored", subject)
		}
	}
}

func scan(t *testing.T, s *logs.Store, q logs.Query) []logs.StoredEvent {
	t.Helper()
	var got []logs.StoredEvent
	if err := s.Scan(context.Background(), q, func(e logs.StoredEvent) bool {
		got = append(got, e)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestMetadataSurvivesRestartAndCrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := &clock{now: time.Now()}
	f := openStore(t, dir)
	s := f.open(t, c)
	now := c.Now().UnixMilli()
	s.Append("/aws/lambda/fn", "2024/01/01/[$LATEST]a", events(now, "one", "two"))
	if err := s.CreateGroup(ctx, "/app"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGroup(ctx, "/app"); !errors.Is(err, logs.ErrGroupExists) {
		t.Fatalf("create twice: got %v", err)
	}
	if err := s.SetRetention(ctx, "/app", 7); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// Events stored after the last metadata sync: a crash loses their
	// metadata, which the next Open rebuilds from the events.
	s.Append("/aws/lambda/other", "s1", events(now+10, "three"))
	waitStored(t, f.stream, logs.Subject("/aws/lambda/other", "s1"))

	s2 := f.open(t, c)
	groups := s2.Groups("")
	if len(groups) != 3 {
		t.Fatalf("groups after reopening: %+v", groups)
	}
	if g, _ := s2.Group("/app"); g.RetentionDays != 7 {
		t.Errorf("retention after reopening: got %d, want 7", g.RetentionDays)
	}
	streams, err := s2.Streams("/aws/lambda/other")
	if err != nil || len(streams) != 1 || streams[0].FirstEvent != now+10 || streams[0].StoredBytes != 5 {
		t.Fatalf("recovered stream: %+v %v", streams, err)
	}
	streams, _ = s2.Streams("/aws/lambda/fn")
	if st := streams[0]; st.FirstEvent != now || st.LastEvent != now+1 || st.StoredBytes != 6 {
		t.Errorf("stream metadata: %+v", st)
	}
}

func TestScanPositionsAndRanges(t *testing.T) {
	c := &clock{now: time.Now()}
	s := openStore(t, t.TempDir()).open(t, c)
	now := c.Now().UnixMilli()
	s.Append("g", "a", events(now, "a0", "a1"))
	s.Append("g", "b", events(now+5, "b0"))
	flush(t, s) // or a2 would be stored with a0 and a1
	s.Append("g", "a", events(now+10, "a2"))
	all := scan(t, s, logs.Query{Group: "g"})
	if len(all) != 4 || all[0].Message != "a0" || all[2].Message != "b0" || all[3].Message != "a2" {
		t.Fatalf("scan all: %+v", all)
	}
	for i := 1; i < len(all); i++ {
		if !all[i-1].Pos.Less(all[i].Pos) || all[i-1].ID() >= all[i].ID() {
			t.Errorf("positions and ids must grow: %v then %v", all[i-1].Pos, all[i].Pos)
		}
	}
	if got := scan(t, s, logs.Query{Group: "g", After: all[1].Pos}); len(got) != 2 || got[0].Message != "b0" {
		t.Errorf("after %v: %+v", all[1].Pos, got)
	}
	if got := scan(t, s, logs.Query{Group: "g", Streams: []string{"a"}, Start: now + 1, End: now + 10}); len(got) != 1 || got[0].Message != "a1" {
		t.Errorf("stream a in [now+1, now+10): %+v", got)
	}
	if got := scan(t, s, logs.Query{Group: "g", Prefix: "b"}); len(got) != 1 || got[0].Stream != "b" {
		t.Errorf("prefix b: %+v", got)
	}
	p, err := logs.ParsePosition(all[2].Pos.String())
	if err != nil || p != all[2].Pos {
		t.Errorf("position round trip: %v %v", p, err)
	}
	if err := s.Scan(context.Background(), logs.Query{Group: "nope"}, nil); !errors.Is(err, logs.ErrGroupNotFound) {
		t.Errorf("scan of a missing group: %v", err)
	}
}

func TestRetentionRemovesExpiredEvents(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: time.Now()}
	f := openStore(t, t.TempDir())
	s := f.open(t, c)
	now := c.Now().UnixMilli()
	s.Append("kept", "s", events(now, "forever"))
	s.Append("short", "s", events(now, "old"))
	if err := s.SetRetention(ctx, "short", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	c.add(25 * time.Hour) // the event is now more than a day old
	// Scan hides expired events even before they are purged.
	if got := scan(t, s, logs.Query{Group: "short"}); len(got) != 0 {
		t.Fatalf("scan of short before enforcing: %+v", got)
	}
	if err := s.Enforce(ctx); err != nil {
		t.Fatal(err)
	}
	subjects, err := f.stream.Subjects(ctx, logs.Prefix+".>")
	if err != nil {
		t.Fatal(err)
	}
	var short, kept uint64
	for subject, n := range subjects {
		switch store.SplitKey(subject)[1] {
		case "short":
			short += n
		case "kept":
			kept += n
		}
	}
	if kept != 1 {
		t.Errorf("the group without retention lost events: %d batches left", kept)
	}
	if short != 0 {
		t.Errorf("expired batches left on disk: %d", short)
	}
	if groups := s.Groups("short"); groups[0].StoredBytes != 0 {
		t.Errorf("stored bytes after expiry: %d", groups[0].StoredBytes)
	}
	// The expired stream itself is forgotten; the other group's, which
	// the store keeps 30 days, is not yet.
	if streams, _ := s.Streams("short"); len(streams) != 0 {
		t.Errorf("streams of short: %+v", streams)
	}
	if streams, _ := s.Streams("kept"); len(streams) != 1 {
		t.Errorf("streams of kept: %+v", streams)
	}
	c.add(30 * 24 * time.Hour)
	if err := s.Enforce(ctx); err != nil {
		t.Fatal(err)
	}
	if streams, _ := s.Streams("kept"); len(streams) != 0 {
		t.Errorf("streams of kept after 31 days: %+v", streams)
	}
}

package natsstore

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A log table's generations: their names, and finding and cleaning them
// up when it opens.

func (t *logTable) subject(gen int) string { return t.prefix + "." + strconv.Itoa(gen) }

func (t *logTable) stream(gen int) string { return t.name + "_" + strconv.Itoa(gen) }

// completeSubject takes the message that marks generation gen complete.
func (t *logTable) completeSubject(gen int) string { return t.subject(gen) + ".complete" }

// openListed opens the log. In a cluster a generation another node has
// just created is listed a moment before its stream answers (as not
// found), and one a rewrite has just deleted is listed after: open is
// done again (it only deletes what a complete generation replaced, and
// creates generation 0 only where there is none) until it sees a
// settled list, for up to 10 s. Three nodes starting at once met the
// first case.
func (t *logTable) openListed(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := t.open(ctx)
		if err == nil || t.st.replicas <= 1 || !errors.Is(err, jetstream.ErrStreamNotFound) || time.Now().After(deadline) {
			return err
		}
		t.gens, t.genBytes, t.base = nil, map[int]int64{}, 0
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// open finds the live generations and deletes the others.
func (t *logTable) open(ctx context.Context) error {
	existing, err := t.generations(ctx)
	if err != nil {
		return err
	}
	complete := -1
	for g := range existing {
		if g <= complete {
			continue
		}
		done, err := t.completed(ctx, g)
		if err != nil {
			return err
		}
		if done {
			complete = g
		}
	}
	if complete < 0 && len(existing) > 0 {
		// Generation 0 is created complete; without it, keep all.
		t.log.Warn("store: no complete generation of a log table; replaying all", "table", t.name)
		complete = len(existing)
		for g := range existing {
			complete = min(complete, g)
		}
	}
	for g := range existing {
		if g < complete {
			if err := t.js.DeleteStream(ctx, t.stream(g)); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
				return err
			}
			delete(existing, g)
		}
	}
	if len(existing) == 0 {
		complete = 0
		if _, err := placed(ctx, t.st, t.stream(0), func(ctx context.Context) (jetstream.Stream, error) {
			return t.js.CreateStream(ctx, t.config(0, true))
		}); err != nil {
			return err
		}
		existing[0] = true
	}
	for g := complete; len(existing) > 0; g++ {
		if !existing[g] {
			continue
		}
		delete(existing, g)
		st, err := t.streamInfo(ctx, g)
		if err != nil {
			return err
		}
		t.gens = append(t.gens, g)
		t.genBytes[g] = int64(st.State.Bytes)
		t.base += t.genBytes[g]
	}
	// The rows of an existing log are not read at open: the index knows
	// them only after the first rewrite.
	t.stale = t.base > 0
	return nil
}

// generations lists the log's streams: its generations, live or not.
func (t *logTable) generations(ctx context.Context) (map[int]bool, error) {
	existing := map[int]bool{}
	l := t.js.StreamNames(ctx)
	for n := range l.Name() {
		if g, ok := strings.CutPrefix(n, t.name+"_"); ok {
			if i, err := strconv.Atoi(g); err == nil && i >= 0 && strconv.Itoa(i) == g {
				existing[i] = true
			}
		}
	}
	return existing, l.Err()
}

// completed reports whether generation gen is marked complete: by a
// message on its completion subject, or in its stream metadata, as
// generation 0 is created and as earlier versions' rewrites marked theirs.
func (t *logTable) completed(ctx context.Context, gen int) (bool, error) {
	return again(ctx, t.st, true, func() (bool, error) { return t.markedComplete(ctx, gen) })
}

func (t *logTable) markedComplete(ctx context.Context, gen int) (bool, error) {
	st, err := t.js.Stream(ctx, t.stream(gen))
	if err != nil {
		return false, err
	}
	cfg := st.CachedInfo().Config
	if cfg.Metadata[completeKey] == "true" {
		return true, nil
	}
	if !slices.Contains(cfg.Subjects, t.completeSubject(gen)) {
		return false, nil
	}
	if _, err := st.GetLastMsgForSubject(ctx, t.completeSubject(gen)); err != nil {
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// config is generation gen's stream. Metadata is written only with it at
// its creation, when the stream holds nothing: JetStream rewrites a
// stream's config file and then its checksum file, and a kill between the
// two hides the stream at start, so a stream that holds the only copy of
// rows must never have its config updated.
func (t *logTable) config(gen int, complete bool) jetstream.StreamConfig {
	cfg := jetstream.StreamConfig{
		Name:     t.stream(gen),
		Subjects: []string{t.subject(gen), t.completeSubject(gen)},
		Storage:  jetstream.FileStorage,
		MaxBytes: -1,
		Replicas: t.st.replicas,
	}
	if complete {
		cfg.Metadata = map[string]string{completeKey: "true"}
	}
	return cfg
}

// streamInfo is generation gen's stream's, from its leader (again while a
// clustered stream elects one).
func (t *logTable) streamInfo(ctx context.Context, gen int) (*jetstream.StreamInfo, error) {
	return again(ctx, t.st, true, func() (*jetstream.StreamInfo, error) {
		st, err := t.js.Stream(ctx, t.stream(gen))
		if err != nil {
			return nil, err
		}
		return st.CachedInfo(), nil
	})
}

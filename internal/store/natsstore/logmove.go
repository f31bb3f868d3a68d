package natsstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// movedKey is the stream metadata that marks a table's shard as moved into
// another table.
const movedKey = "nubo_table_moved"

// MoveTable moves the rows of the table name (as Table keeps it, with
// prefix) into to and deletes its streams, if it has any: nubo kept SQS's
// messages that way before it kept them in a log. A shard is marked moved
// once its rows are stored in to, before it is deleted, so that a crash
// leaving it behind does not copy its rows again over newer ones.
func (s *Store) MoveTable(ctx context.Context, name, prefix string, to store.Table) error {
	existing, err := s.streamNames(ctx)
	if err != nil {
		return fmt.Errorf("move table %s: %w", name, err)
	}
	for i := 0; i < tableShards; i++ {
		sh := &shard{js: s.js, base: name + "_" + strconv.Itoa(i), basePrefix: prefix + "." + strconv.Itoa(i)}
		if err := s.moveShard(ctx, sh, existing, to); err != nil {
			return fmt.Errorf("move table %s: %w", name, err)
		}
	}
	return nil
}

// moveShard copies the rows of a shard's newest complete generation into
// to, unless it is marked moved, and deletes all its generations.
func (s *Store) moveShard(ctx context.Context, sh *shard, existing map[string]bool, to store.Table) error {
	var gens []int
	current, found := -1, false
	for n := range existing {
		g := -1
		if n == sh.base {
			g = 0
		} else if rest, ok := strings.CutPrefix(n, sh.base+"_g"); ok {
			if i, err := strconv.Atoi(rest); err == nil && i > 0 {
				g = i
			}
		}
		if g < 0 {
			continue
		}
		gens = append(gens, g)
		name, _ := sh.names(g)
		st, err := s.js.Stream(ctx, name)
		if err != nil {
			return err
		}
		if meta := st.CachedInfo().Config.Metadata; (g == 0 || meta[completeKey] == "true") && g > current {
			current, found = g, meta[movedKey] != "true"
			sh.st = st
		}
	}
	if found {
		if err := s.copyShard(ctx, sh, current, to); err != nil {
			return err
		}
		cfg := sh.st.CachedInfo().Config
		cfg.Metadata = map[string]string{movedKey: "true", completeKey: "true"}
		if _, err := s.js.UpdateStream(ctx, cfg); err != nil {
			return err
		}
	}
	for _, g := range gens {
		name, _ := sh.names(g)
		if err := s.js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return err
		}
	}
	return nil
}

// copyShard writes the live rows of generation gen of a shard into to,
// with what is left of their TTLs, and waits until they are stored.
func (s *Store) copyShard(ctx context.Context, sh *shard, gen int, to store.Table) error {
	name, prefix := sh.names(gen)
	var pending []store.Pending
	var rows []store.Row
	now := time.Now()
	flush := func() {
		if len(rows) > 0 {
			pending = append(pending, to.Write(rows...))
			rows = nil
		}
	}
	var perr error
	_, _, err := scanStream(ctx, s.js, name, prefix, "", "", func(r store.Row, msg jetstream.Msg) bool {
		if ttl := msgTTL(msg.Headers().Get(jetstream.MsgTTLHeader)); ttl > 0 {
			meta, err := msg.Metadata()
			if err != nil {
				perr = err
				return false
			}
			if r.TTL = meta.Timestamp.Add(ttl).Sub(now); r.TTL <= 0 {
				return true
			}
		}
		rows = append(rows, r)
		if len(rows) == 1000 {
			flush()
		}
		return true
	})
	flush()
	if err == nil {
		err = perr
	}
	for _, p := range pending {
		if werr := p.Wait(ctx); err == nil {
			err = werr
		}
	}
	return err
}

package natsstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// In a cluster every node appends to a log table, so a rewrite cannot
// switch generations under one lock as a single node does (compact).
// Instead:
//
//   - A node claims the rewrite by creating the next generation with its
//     name in the stream's description: JetStream's meta group creates a
//     stream once, and a second node's creation of it with another
//     description fails. A claim is a lease: while the newest generation
//     is incomplete and younger than logLease, no other node starts a
//     rewrite (its own node may redo it at once). Safety never rests on
//     the lease, only the work saved does: two rewriters at once leave
//     the same rows.
//   - It seals the older generations (a stream update): JetStream refuses
//     every later append to them, and a node whose group is refused so
//     learns the newest generation and publishes the group there again,
//     before any later one of its own (flush, acknowledge, republish).
//     A group that JetStream took before the seal but stores after it is
//     acknowledged within WriteTimeout of its publish or reported failed
//     to its writer, so the rewriter reads the sealed generations once
//     WriteTimeout (and a second) has passed since their leaders showed
//     them sealed: what it reads is every acknowledged row of theirs.
//   - It copies the rows still current into the new generation as groups
//     of copies (logCopies), which a replay never lets override a row a
//     node wrote, deleted or purged there (current): the nodes' own writes
//     there are newer than every row of a sealed generation, except a
//     row a node writes without having replayed the generation holding
//     it, which SQS never does (a queue's holder replays it first, and a
//     replay makes the node append to the newest generation).
//   - It marks the new generation complete and deletes the older ones. A
//     replay on any node lists the generations afresh and replays the
//     newest complete one and the later ones, again if one is deleted
//     under it, so a rewrite interrupted anywhere (kill -9, partition)
//     loses nothing and revives nothing; the next one seals and reads
//     the interrupted rewrite's generation too.
//
// Sealing updates the older generations' stream config, which a single
// node never does to a stream holding the only copy of rows (see config):
// in a cluster each is replicated, and JetStream recreates a stream a
// node skipped at start (its config file torn) from the meta group's
// assignment.
const (
	// logLease is how long a claimed rewrite keeps other nodes from
	// starting one: far longer than a rewrite of a log twice logCompactAt.
	logLease = 5 * time.Minute
	// baseHeader, on a generation's completion mark, is how many bytes
	// its rewrite copied into it: the log's size after the rewrite, which
	// a node needs to know when the log has doubled since.
	baseHeader = "Nubo-Log-Base"
	// errCodeSealed is JetStream's "invalid operation on sealed stream".
	errCodeSealed = 10109
)

func (t *logTable) clustered() bool { return t.st.replicas > 1 }

// moved reports whether a publish was refused because its generation is
// sealed or gone (or, with no responders, may be).
func moved(err error) bool {
	return sealedErr(err) || errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, jetstream.ErrStreamNotFound)
}

func sealedErr(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeSealed
}

// gone reports whether generation gen's stream is no more, asking for a
// second at most: no responders also answer a publish while a stream
// elects a leader, and that failure is to be reported at once.
func (t *logTable) gone(ctx context.Context, gen int) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := t.js.Stream(ctx, t.stream(gen))
	return errors.Is(err, jetstream.ErrStreamNotFound)
}

// drain waits until every group in flight but the caller's is stored.
func (t *logTable) drain(ctx context.Context) bool {
	n := 0
	defer func() {
		for range n {
			<-t.slots
		}
	}()
	for n < logInflight-1 {
		select {
		case t.slots <- struct{}{}:
			n++
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// live lists the live generations of a clustered log, the newest complete
// one and those after it, and makes the newest take this node's appends.
func (t *logTable) live(ctx context.Context) ([]int, error) {
	existing, err := again(ctx, t.st, true, func() (map[int]bool, error) { return t.generations(ctx) })
	if err != nil {
		return nil, err
	}
	gens := slices.Sorted(maps.Keys(existing))
	if len(gens) == 0 {
		return nil, fmt.Errorf("%s has no generation: %w", t.name, jetstream.ErrStreamNotFound)
	}
	for i := len(gens) - 1; i >= 0; i-- {
		done, err := t.completed(ctx, gens[i])
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			continue // deleted by a rewrite since the listing
		}
		if err != nil {
			return nil, err
		}
		if done {
			gens = gens[i:]
			break
		}
	}
	t.adopt(gens)
	return gens, nil
}

// adopt makes gens this node's live generations, unless it knows of a
// newer one.
func (t *logTable) adopt(gens []int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if gens[len(gens)-1] >= t.gens[len(t.gens)-1] {
		t.gens = slices.Clone(gens)
	}
}

// currentLive is current over the live generations, listed again when a
// rewrite deletes one during the replay.
func (t *logTable) currentLive(ctx context.Context, prefix string) ([]scanned, error) {
	for tries := 1; ; tries++ {
		gens, err := t.live(ctx)
		if err != nil {
			return nil, err
		}
		rows, err := t.current(ctx, gens, prefix)
		if err == nil || !errors.Is(err, jetstream.ErrStreamNotFound) || tries == 5 {
			return rows, err
		}
	}
}

// republish publishes g into the newest generation, after its own refused
// it (err) because a rewrite sealed or deleted it. acknowledge calls it in
// the groups' order, and flush publishes no group of the newer generation
// while older ones are in flight, so a node's groups stay in order.
func (t *logTable) republish(ctx context.Context, g *group, err error) error {
	if !sealedErr(err) && !errors.Is(err, jetstream.ErrStreamNotFound) && !t.gone(ctx, g.gen) {
		return err
	}
	for range 3 {
		gens, lerr := t.live(ctx)
		if lerr != nil {
			return lerr
		}
		newest := gens[len(gens)-1]
		if newest <= g.gen {
			return err
		}
		g.gen = newest
		_, err = t.js.PublishMsg(ctx, &nats.Msg{Subject: t.subject(newest), Data: g.buf})
		if err == nil || !moved(err) {
			return err
		}
	}
	return err
}

// compactCluster rewrites a clustered log if it is due and no other node
// is rewriting it.
func (t *logTable) compactCluster(ctx context.Context) error {
	gens, err := t.live(ctx)
	if err != nil {
		return err
	}
	due, err := t.dueCluster(ctx, gens)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil // another node's rewrite deleted it
	}
	if err != nil || !due {
		return err
	}
	return t.rewrite(ctx, gens)
}

// rewrite claims the generation after gens, seals gens, copies their
// current rows into the new one once every append they took is there,
// marks it complete and deletes them. t.step, when set (tests), is told
// of each step done and may stop the rewrite there.
func (t *logTable) rewrite(ctx context.Context, gens []int) error {
	next := gens[len(gens)-1] + 1
	if claimed, err := t.claim(ctx, next); err != nil || !claimed {
		return err
	}
	t.adopt(append(slices.Clip(gens), next))
	if err := t.stepped("claimed"); err != nil {
		return err
	}
	sealed, err := t.seal(ctx, gens)
	if err != nil {
		return err
	}
	if err := t.stepped("sealed"); err != nil {
		return err
	}
	select {
	case <-time.After(time.Until(sealed.Add(t.st.writeTimeout + time.Second))):
	case <-ctx.Done():
		return ctx.Err()
	}
	rows, err := t.current(ctx, gens, "")
	if err != nil {
		return err
	}
	copied, size, err := t.copyInto(ctx, rows, next)
	if err != nil {
		return err
	}
	if err := t.stepped("copied"); err != nil {
		return err
	}
	if err := t.markComplete(ctx, next, size); err != nil {
		return err
	}
	if err := t.stepped("marked"); err != nil {
		return err
	}
	return t.dropSealed(ctx, gens, next, copied)
}

func (t *logTable) stepped(step string) error {
	t.mu.Lock()
	fn := t.step
	t.mu.Unlock()
	if fn == nil {
		return nil
	}
	return fn(step)
}

// dueCluster reports whether the live generations gens are to be
// rewritten: they are past compactAt and twice the log's size after its
// last rewrite, and no rewrite of another node's claim is under way.
func (t *logTable) dueCluster(ctx context.Context, gens []int) (bool, error) {
	var total int64
	var newest *jetstream.StreamInfo
	for _, g := range gens {
		info, err := t.streamInfo(ctx, g)
		if err != nil {
			return false, err
		}
		total += int64(info.State.Bytes)
		newest = info
	}
	if len(gens) > 1 && newest.Config.Description != t.claimant() && time.Since(newest.Created) < t.lease {
		return false, nil
	}
	if total < t.compactAt {
		return false, nil
	}
	base, err := t.markedBase(ctx, gens[0])
	return total >= 2*base, err
}

// markedBase is the size generation gen's completion mark recorded (0 without).
func (t *logTable) markedBase(ctx context.Context, gen int) (int64, error) {
	m, err := again(ctx, t.st, true, func() (*jetstream.RawStreamMsg, error) {
		st, err := t.js.Stream(ctx, t.stream(gen))
		if err != nil {
			return nil, err
		}
		return st.GetLastMsgForSubject(ctx, t.completeSubject(gen))
	})
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, _ := strconv.ParseInt(m.Header.Get(baseHeader), 10, 64)
	return n, nil
}

func (t *logTable) claimant() string { return "rewrite claimed by " + t.st.node }

// claim creates generation next in this node's name; it reports false
// when another node did first.
func (t *logTable) claim(ctx context.Context, next int) (bool, error) {
	cfg := t.config(next, false)
	cfg.Description = t.claimant()
	// Creating it again after a timeout is safe: the same configuration
	// is this node's claim whether the first attempt made it or not.
	_, err := again(ctx, t.st, true, func() (jetstream.Stream, error) { return t.js.CreateStream(ctx, cfg) })
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeStreamNameInUse {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create %s: %w", t.stream(next), err)
	}
	return true, nil
}

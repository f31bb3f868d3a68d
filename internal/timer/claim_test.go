package timer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/timer"
)

// rec is a record that fires: its current job (Gen, Due) and its claim.
type rec struct {
	Gen   int64
	Due   time.Time
	Claim *timer.Claim
}

// stored is one stored rec with its revision, and what Fire did to it.
type stored struct {
	r       *rec
	rev     uint64
	queued  []uint64 // revisions whose claims were queued
	raceOne func()   // runs before the next Update, as another node's write
}

func (st *stored) firing(now time.Time) timer.Firing[rec] {
	return timer.Firing[rec]{
		Load: func(context.Context) (*rec, uint64, error) {
			if st.r == nil {
				return nil, 0, nil
			}
			c := *st.r
			return &c, st.rev, nil
		},
		Claim:   func(r *rec) *timer.Claim { return r.Claim },
		Expects: func(r *rec) bool { return r.Claim == nil },
		Advance: func(r *rec) (*rec, error) {
			return &rec{Gen: r.Gen, Due: r.Due.Add(time.Minute), Claim: &timer.Claim{Gen: r.Gen, Due: r.Due, At: now}}, nil
		},
		Update: func(_ context.Context, next *rec, rev uint64) (uint64, error) {
			if st.raceOne != nil {
				st.raceOne()
				st.raceOne = nil
			}
			if rev != st.rev {
				return 0, store.ErrRevision
			}
			st.r, st.rev = next, st.rev+1
			return st.rev, nil
		},
		Queue: func(_ context.Context, r *rec, rev uint64) error {
			st.queued = append(st.queued, rev)
			st.r.Claim = nil
			return nil
		},
	}
}

// Fire fires the job the record expects once, leaves a held claim to its
// handler, queues a claim whose handler died, and gives up to a node
// that claimed the job first.
func TestFire(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	due := now.Add(-time.Second)
	t.Run("the expected job", func(t *testing.T) {
		st := &stored{r: &rec{Gen: 1, Due: due}, rev: 5}
		if err := timer.Fire(ctx, st.firing(now), 1, due, now); err != nil || len(st.queued) != 1 || st.queued[0] != 6 || st.r.Claim != nil {
			t.Fatalf("%v, queued %v, claim %+v", err, st.queued, st.r.Claim)
		}
	})
	t.Run("a record gone", func(t *testing.T) {
		st := &stored{}
		if err := timer.Fire(ctx, st.firing(now), 1, due, now); err != nil || len(st.queued) != 0 {
			t.Fatalf("%v, queued %v", err, st.queued)
		}
	})
	t.Run("a claim held by its handler", func(t *testing.T) {
		st := &stored{r: &rec{Gen: 1, Due: due.Add(time.Minute), Claim: &timer.Claim{Gen: 1, Due: due, At: now.Add(-time.Second)}}, rev: 5}
		if err := timer.Fire(ctx, st.firing(now), 1, due, now); !errors.Is(err, timer.ErrClaimed) || len(st.queued) != 0 {
			t.Fatalf("%v, queued %v", err, st.queued)
		}
	})
	t.Run("a claim whose handler died", func(t *testing.T) {
		st := &stored{r: &rec{Gen: 1, Due: due.Add(time.Minute), Claim: &timer.Claim{Gen: 1, Due: due, At: now.Add(-timer.ClaimGrace)}}, rev: 5}
		if err := timer.Fire(ctx, st.firing(now), 1, due, now); err != nil || len(st.queued) != 1 || st.queued[0] != 5 {
			t.Fatalf("%v, queued %v", err, st.queued)
		}
	})
	t.Run("another node claims it first", func(t *testing.T) {
		st := &stored{r: &rec{Gen: 1, Due: due}, rev: 5}
		st.raceOne = func() {
			st.r, st.rev = &rec{Gen: 1, Due: due.Add(time.Minute), Claim: &timer.Claim{Gen: 1, Due: due, At: now}}, 6
		}
		if err := timer.Fire(ctx, st.firing(now), 1, due, now); err != nil || len(st.queued) != 0 {
			t.Fatalf("%v, queued %v", err, st.queued)
		}
	})
	t.Run("another write first, then this fire", func(t *testing.T) {
		st := &stored{r: &rec{Gen: 1, Due: due}, rev: 5}
		st.raceOne = func() { st.rev = 6 } // a change that leaves the job expected
		if err := timer.Fire(ctx, st.firing(now), 1, due, now); err != nil || len(st.queued) != 1 || st.queued[0] != 7 {
			t.Fatalf("%v, queued %v", err, st.queued)
		}
	})
}

package timer

import (
	"context"
	"errors"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// Claim is how a job's handler that advances a record (a schedule past
// its fire) does its work once among nodes handed the same job (a lease
// that ran out) and at least once across a crash: it stores the record
// advanced, with the claim, by a compare-and-set on the record's
// revision, then queues the work the claim describes, then clears the
// claim. A second delivery of the job that finds the claim leaves it to
// its handler while the claim is younger than ClaimGrace (ErrClaimed
// brings it back later), and queues the work itself once it is older:
// the handler died.
type Claim struct {
	Gen int64     `json:"gen"`
	Due time.Time `json:"due"`
	At  time.Time `json:"at"`
}

// ClaimGrace is how long a claim is left to the handler that made it (it
// clears it within milliseconds). A job comes back only once its lease
// ran out, and every lease is longer, so a claim its handler died with is
// older by then.
const ClaimGrace = 10 * time.Second

// ErrClaimed fails a job whose claim is another handler's (see Claim).
var ErrClaimed = errors.New("timer: the job's work is being queued by another handler")

// Of reports whether c claims the job of generation gen due at due.
func (c *Claim) Of(gen int64, due time.Time) bool {
	return c != nil && c.Gen == gen && c.Due.Equal(due)
}

// Held reports whether c's handler may still be queuing its work at now.
func (c *Claim) Held(now time.Time) bool { return now.Sub(c.At) < ClaimGrace }

// Firing is what Fire needs of a record whose jobs fire with a Claim: R is
// the record's type, read and written by the job's handler under its lock.
type Firing[R any] struct {
	// Load reads the stored record and its revision (nil: it is gone).
	Load func(ctx context.Context) (*R, uint64, error)
	// Claim is the record's claim (nil for none).
	Claim func(r *R) *Claim
	// Expects reports whether the record still expects the job to fire
	// (the job is of its current generation and due time, and whatever
	// else firing requires).
	Expects func(r *R) bool
	// Advance is the record past the job's fire, with its claim.
	Advance func(r *R) (*R, error)
	// Update stores next over revision rev (store.ErrRevision when the
	// record changed since) and returns the new revision.
	Update func(ctx context.Context, next *R, rev uint64) (uint64, error)
	// Queue queues the work a claimed record's claim describes, then
	// clears the claim.
	Queue func(ctx context.Context, r *R, rev uint64) error
}

// Fire handles the job of generation gen due at due, as Claim describes:
// only the job the stored record expects fires; a claim of the job is left
// to its handler while it is held and queued here once it is not (the
// handler died); otherwise the record is advanced with its claim by a
// compare-and-set, read again while another writer changes it, and the
// claim's work is queued.
func Fire[R any](ctx context.Context, f Firing[R], gen int64, due, now time.Time) error {
	r, rev, err := f.Load(ctx)
	if err != nil || r == nil {
		return err
	}
	if c := f.Claim(r); c.Of(gen, due) {
		if c.Held(now) {
			return ErrClaimed
		}
		return f.Queue(ctx, r, rev)
	}
	for f.Expects(r) {
		next, err := f.Advance(r)
		if err != nil {
			return err
		}
		nrev, err := f.Update(ctx, next, rev)
		if errors.Is(err, store.ErrRevision) {
			if r, rev, err = f.Load(ctx); err != nil || r == nil || f.Claim(r).Of(gen, due) {
				return err // another node has it
			}
			continue
		}
		if err != nil {
			return err
		}
		return f.Queue(ctx, next, nrev)
	}
	return nil
}

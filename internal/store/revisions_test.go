package store

import "testing"

// A watched change is applied only when it is newer than what the index
// holds: the node's own writes and deletions come back late and are
// skipped, other writers' changes after them are applied.
func TestRevisions(t *testing.T) {
	var r Revisions
	steps := []struct {
		do   func()
		ch   Change
		want bool
	}{
		{ch: Change{Key: "a", Revision: 1}, want: true},                                  // another node's write
		{do: func() { r.Wrote("a", 3) }, ch: Change{Key: "a", Revision: 2}, want: false}, // older than our own
		{ch: Change{Key: "a", Revision: 3}, want: false},                                 // our own, back
		{ch: Change{Key: "a", Revision: 4}, want: true},                                  // after it
		{do: func() { r.Deleted("a") }, ch: Change{Key: "a", Revision: 5}, want: false},  // before our deletion
		{ch: Change{Key: "a", Revision: 6, Deleted: true}, want: false},                  // our deletion, back
		{ch: Change{Key: "a", Revision: 7}, want: true},                                  // created again elsewhere
		{do: func() { r.Deleted("b"); r.Wrote("b", 9) }, ch: Change{Key: "b", Revision: 8, Deleted: true}, want: false},
		{ch: Change{Key: "b", Revision: 10, Deleted: true}, want: true}, // deleted elsewhere
	}
	for i, s := range steps {
		if s.do != nil {
			s.do()
		}
		if got := r.Fresh(s.ch); got != s.want {
			t.Errorf("step %d: Fresh(%+v) = %v, want %v", i, s.ch, got, s.want)
		}
	}
}

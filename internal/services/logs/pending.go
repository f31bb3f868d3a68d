package logs

import (
	"cmp"
	"encoding/json"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// storeEvery bounds how often appended events are stored (store.WriteBehind):
// a crash loses at most this much of the logs, and a busy log stream costs
// the store one message per storeEvery rather than one per append.
const storeEvery = 50 * time.Millisecond

// maxPendingBytes stores pending events at once when they reach this size.
const maxPendingBytes = 1 << 20

// pending holds appended events not yet stored, by subject. Its fields
// other than storeMu are guarded by the Store's mu.
type pending struct {
	storeMu  sync.Mutex // held while pending events are stored, to keep their order
	events   map[string][]event
	subjects []string // in the order of their first pending events
	bytes    int64
	writer   *store.WriteBehind
}

// addPendingLocked adds a batch of subject's events; it reports whether the
// pending events should be stored now rather than when writer says.
func (s *Store) addPendingLocked(subject string, batch []event, bytes int64) (full bool) {
	p := &s.batch
	if _, ok := p.events[subject]; !ok {
		p.subjects = append(p.subjects, subject)
	}
	p.events[subject] = append(p.events[subject], batch...)
	p.bytes += bytes
	if p.bytes >= maxPendingBytes {
		return true
	}
	p.writer.Pending()
	return false
}

// storePending stores the pending events, one message per log stream. It
// logs every failure and returns the first.
func (s *Store) storePending() (first error) {
	p := &s.batch
	p.storeMu.Lock()
	defer p.storeMu.Unlock()
	s.mu.Lock()
	events, subjects := p.events, p.subjects
	p.events, p.subjects, p.bytes = map[string][]event{}, nil, 0
	s.mu.Unlock()
	for _, subject := range subjects {
		data, err := json.Marshal(events[subject])
		if err == nil {
			err = s.stream.Append(subject, data)
		}
		if err != nil {
			s.log.Error("store log events", "subject", subject, "err", err)
			s.unnote(subject, events[subject])
			first = cmp.Or(first, err)
		}
	}
	return first
}

// unnote takes events that were refused out of their stream's counters.
func (s *Store) unnote(subject string, events []event) {
	tokens := store.SplitKey(subject)
	if len(tokens) != 3 {
		return
	}
	var bytes int64
	for _, e := range events {
		bytes += eventBytes(e.M)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.groups[tokens[1]]; g != nil {
		if st := g.streams[tokens[2]]; st != nil {
			st.StoredBytes = max(0, st.StoredBytes-bytes)
			s.markLocked(streamKey(tokens[1], tokens[2]))
		}
	}
}

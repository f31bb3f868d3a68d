package meter

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// The other services' bills (DynamoDB, EventBridge, API Gateway, S3, Step
// Functions) share one shape, which a ledger owns: a usage value per
// month, region and resource (a table, a bucket, an API, a state machine)
// kept in memory and written as a snapshot on
// meter.<month>.<region>.<service>.<resource>, rolling up the one before,
// every SnapshotEvery. A crash loses at most that much of it, and metering
// a request costs the store no write of its own. Each service's file says
// what its usage counts and how it is priced.

// ledger is one service's usage.
type ledger[T any] struct {
	service string
	mu      *sync.Mutex        // the Meter's
	rows    map[string]*row[T] // by subject; mu guards them
}

// row is one resource's usage in a month; dirty marks a usage its last
// snapshot lacks.
type row[T any] struct {
	month, region, name string
	usage               T
	dirty               bool
}

// snapshotter is what the Meter asks of every ledger, whatever its usage.
type snapshotter interface {
	serviceName() string
	snapshot(s store.Stream) error
	load(t []string, data []byte)
}

// addLedger gives m a ledger of service, snapshotted after those added
// before it.
func addLedger[T any](m *Meter, service string) *ledger[T] {
	l := &ledger[T]{service: service, mu: &m.mu, rows: map[string]*row[T]{}}
	m.ledgers = append(m.ledgers, l)
	return l
}

func (l *ledger[T]) serviceName() string { return l.service }

// add meters usage of name in region at t: f adds it to the month's
// usage and says whether that changed anything.
func (l *ledger[T]) add(t time.Time, region, name string, f func(*T) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.at(Month(t), region, name)
	if f(&r.usage) {
		r.dirty = true
	}
}

// at returns the row of name in region and month, new if there is none.
func (l *ledger[T]) at(month, region, name string) *row[T] {
	subject := store.Key(Prefix, month, region, l.service, name)
	r := l.rows[subject]
	if r == nil {
		r = &row[T]{month: month, region: region, name: name}
		l.rows[subject] = r
	}
	return r
}

// snapshot writes the rows that changed.
func (l *ledger[T]) snapshot(s store.Stream) error {
	for subject, r := range l.rows {
		if !r.dirty {
			continue
		}
		data, _ := json.Marshal(r.usage)
		if err := s.Replace(subject, data); err != nil {
			return fmt.Errorf("snapshot %s: %w", subject, err)
		}
		r.dirty = false
	}
	return nil
}

// load reads a row's snapshot (t are its subject's tokens).
func (l *ledger[T]) load(t []string, data []byte) {
	var u T
	if json.Unmarshal(data, &u) != nil {
		return
	}
	l.at(t[1], t[2], t[4]).usage = u
}

// costs prices a ledger's rows of month in region (all if ""), by name
// then region, and adds what each costs (price's second result) to r's
// gross and due costs.
func costs[T, C any](r *Report, l *ledger[T], month, region string, price func(row[T]) (C, float64)) []C {
	var rows []row[T]
	l.mu.Lock()
	for _, u := range l.rows {
		if u.month == month && (region == "" || u.region == region) {
			rows = append(rows, *u)
		}
	}
	l.mu.Unlock()
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		return a.name < b.name || a.name == b.name && a.region < b.region
	})
	out := make([]C, 0, len(rows))
	for _, u := range rows {
		c, cost := price(u)
		r.GrossCost += cost
		r.Cost += cost
		out = append(out, c)
	}
	return out
}

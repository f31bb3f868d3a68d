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
// meter.<month>.<region>.<service>.<resource> (in a cluster, under its
// node: cluster.go), rolling up the one before,
// every SnapshotEvery. A crash loses at most that much of it, and metering
// a request costs the store no write of its own. Each service's file says
// what its usage counts and how it is priced.

// ledger is one service's usage.
type ledger[T usage[T]] struct {
	service string
	node    string             // the Meter's Options.Node
	mu      *sync.Mutex        // the Meter's
	rows    map[string]*row[T] // by subject; mu guards them
}

// usage is what a ledger's usage can do: plus is the sum of two nodes'
// usage of one resource (every usage is a sum: requests, units,
// transitions, MB·ms, byte-seconds).
type usage[T any] interface{ plus(T) T }

// row is one resource's usage in a month; dirty marks a usage its last
// snapshot lacks.
type row[T usage[T]] struct {
	month, region, name string
	usage               T
	dirty               bool
}

// snapshotter is what the Meter asks of every ledger, whatever its usage.
type snapshotter interface {
	serviceName() string
	snapshot(s store.Stream) error
	load(subject string, t []string, data []byte)
	// absorb adds from's rows (a ledger of the same service) to this
	// one's, by month, region and resource.
	absorb(from snapshotter)
}

// addLedger gives m a ledger of service, snapshotted after those added
// before it.
func addLedger[T usage[T]](m *Meter, service string) *ledger[T] {
	l := &ledger[T]{service: service, node: m.opts.Node, mu: &m.mu, rows: map[string]*row[T]{}}
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
	subject := subject(l.node, month, region, l.service, name)
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

// load reads a row's snapshot (t are its subject's tokens, without a
// node), keeping it under subject: a view of the cluster's usage holds
// the rows of every node apart until it absorbs them.
func (l *ledger[T]) load(subject string, t []string, data []byte) {
	var u T
	if json.Unmarshal(data, &u) != nil {
		return
	}
	l.rows[subject] = &row[T]{month: t[1], region: t[2], name: t[4], usage: u}
}

func (l *ledger[T]) absorb(from snapshotter) {
	for _, r := range from.(*ledger[T]).rows {
		to := l.at(r.month, r.region, r.name)
		to.usage = to.usage.plus(r.usage)
	}
}

// costs prices a ledger's rows of month in region (all if ""), by name
// then region, and adds what each costs (price's second result) to r's
// gross and due costs.
func costs[T usage[T], C any](r *Report, l *ledger[T], month, region string, price func(row[T]) (C, float64)) []C {
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

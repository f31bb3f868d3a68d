// Package meter keeps the bill of Lambda, DynamoDB (dynamodb.go),
// EventBridge (events.go), API Gateway's HTTP APIs (apigateway.go), S3
// (s3.go) and Step Functions (states.go), the last five in ledgers
// (ledger.go). Lambda's: for every invocation, a request and
// its billed duration times its memory, per month, function, architecture
// and memory size, in integer MB·milliseconds so that GB-seconds are the
// exact sum of what the REPORT lines say. It prices them with Lambda's
// public prices and monthly free tier (configurable), and serves the
// result to `nubo cost`.
//
// Invocations are appended to a store.Stream as they are metered, without
// waiting: those of the same function, architecture and memory size within
// storeEvery go as one record (store.WriteBehind), so that a busy function
// costs the store a message every storeEvery rather than one per
// invocation. Every few
// seconds each function's running totals replace its earlier messages (a
// rollup), so the stream stays small and a restart reads one snapshot per
// function and month plus the invocations since. In a cluster each node
// writes only its own subjects and the bill is every node's summed
// (cluster.go).
package meter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// Prefix is the first token of the meter's subjects.
const Prefix = "meter"

// storeEvery bounds how often metered invocations are appended; a crash
// loses at most this much of the bill.
const storeEvery = 50 * time.Millisecond

// Retention is how long a month's totals are kept after its last
// invocation.
const Retention = 400 * 24 * time.Hour

// Usage is one metered invocation.
type Usage struct {
	Time         time.Time
	Region       string
	Function     string
	Architecture string // "x86_64" or "arm64"
	MemoryMB     int
	// BilledMs is the REPORT line's Billed Duration.
	BilledMs int64
}

// Line is the usage of one function, architecture and memory size in a
// month.
type Line struct {
	Architecture string `json:"architecture"`
	MemoryMB     int    `json:"memoryMB"`
	Requests     int64  `json:"requests"`
	// BilledMs is the sum of billed durations; MBMs of billed duration
	// times memory, the exact base of GB-seconds.
	BilledMs int64 `json:"billedMs"`
	MBMs     int64 `json:"mbMs"`
}

type lineKey struct {
	arch   string
	memory int
}

// account is one function's usage in one month, and how much of it the
// stream's last snapshot lacks.
type account struct {
	month, region, function string
	lines                   map[lineKey]*Line
	unsnapped               int
}

// Options configures a Meter.
type Options struct {
	// SnapshotEvery is how often running totals replace the invocations
	// stored since the last snapshot (default 10 s).
	SnapshotEvery time.Duration
	// Node is this node's name in a cluster, "" on a single node: in a
	// cluster every subject the Meter writes names its node (cluster.go).
	Node   string
	Logger *slog.Logger
}

// Meter meters invocations.
type Meter struct {
	stream store.Stream
	opts   Options
	log    *slog.Logger

	mu       sync.Mutex
	accounts map[string]*account // by subject

	// The other services' usage (ledger.go), and all of them in the order
	// they are snapshotted.
	tables  *ledger[tableUsage]  // DynamoDB's (dynamodb.go)
	events  *ledger[eventsUsage] // EventBridge's custom events (events.go)
	apis    *ledger[apiUsage]    // HTTP APIs' (apigateway.go)
	buckets *ledger[bucketUsage] // S3's (s3.go)
	states  *ledger[StatesUsage] // Step Functions' (states.go)
	ledgers []snapshotter
	// pending is what was metered since the last append, by subject.
	pending map[string]map[lineKey]*stored
	writer  *store.WriteBehind
}

// Open returns a Meter on stream (which holds the subjects "meter.>" and
// allows rollups), with the usage it stored before.
func Open(ctx context.Context, stream store.Stream, opts Options) (*Meter, error) {
	if opts.SnapshotEvery == 0 {
		opts.SnapshotEvery = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m := newMeter(stream, opts)
	m.writer = store.NewWriteBehind(storeEvery, m.appendPending)
	if err := m.load(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// newMeter returns a Meter with no usage: Open's, or a view of the
// cluster's (cluster.go), which writes nothing.
func newMeter(stream store.Stream, opts Options) *Meter {
	m := &Meter{stream: stream, opts: opts, log: opts.Logger, accounts: map[string]*account{}, pending: map[string]map[lineKey]*stored{}}
	m.tables = addLedger[tableUsage](m, "dynamodb")
	m.events = addLedger[eventsUsage](m, "events")
	m.apis = addLedger[apiUsage](m, "apigateway")
	m.buckets = addLedger[bucketUsage](m, "s3")
	m.states = addLedger[StatesUsage](m, "states")
	return m
}

// stored is a message of the stream: invocations of one architecture and
// memory size (Requests of them, 1 when absent, as nubo once wrote one
// message per invocation), or a snapshot of an account's lines.
type stored struct {
	Arch     string  `json:"a,omitempty"`
	MemoryMB int     `json:"m,omitempty"`
	BilledMs int64   `json:"b,omitempty"`
	Requests int64   `json:"n,omitempty"`
	Snapshot []*Line `json:"snapshot,omitempty"`
}

// subject is the subject of tokens (a month, a region and a function, or
// a ledger's month, region, service and resource) that node writes:
// meter.<tokens> on a single node, meter.node.<node>.<tokens> in a
// cluster.
func subject(node string, tokens ...string) string {
	if node == "" {
		return store.Key(append([]string{Prefix}, tokens...)...)
	}
	return store.Key(append([]string{Prefix, nodeToken, node}, tokens...)...)
}

// Month is the billing month of t: "2006-01", in UTC.
func Month(t time.Time) string { return t.UTC().Format("2006-01") }

// Add meters one invocation. It does not wait for the store; a failure is
// logged.
func (m *Meter) Add(u Usage) {
	month := Month(u.Time)
	subject := subject(m.opts.Node, month, u.Region, u.Function)
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.accountLocked(subject, month, u.Region, u.Function)
	a.add(u.Architecture, u.MemoryMB, 1, u.BilledMs)
	a.unsnapped++
	k := lineKey{u.Architecture, u.MemoryMB}
	p := m.pending[subject][k]
	if p == nil {
		if m.pending[subject] == nil {
			m.pending[subject] = map[lineKey]*stored{}
		}
		p = &stored{Arch: u.Architecture, MemoryMB: u.MemoryMB}
		m.pending[subject][k] = p
	}
	p.Requests++
	p.BilledMs += u.BilledMs
	m.writer.Pending()
}

// appendPending appends what was metered since the last time.
func (m *Meter) appendPending() {
	m.mu.Lock()
	defer m.mu.Unlock() // held while appending, so that snapshots follow what they count
	m.appendPendingLocked()
}

func (m *Meter) appendPendingLocked() {
	for subject, lines := range m.pending {
		for _, p := range lines {
			data, _ := json.Marshal(p)
			if err := m.stream.Append(subject, data); err != nil {
				m.log.Error("store metered invocations", "subject", subject, "err", err)
			}
		}
	}
	clear(m.pending)
}

func (m *Meter) accountLocked(subject, month, region, function string) *account {
	a := m.accounts[subject]
	if a == nil {
		a = &account{month: month, region: region, function: function, lines: map[lineKey]*Line{}}
		m.accounts[subject] = a
	}
	return a
}

func (a *account) add(arch string, memory int, requests, billedMs int64) {
	k := lineKey{arch, memory}
	l := a.lines[k]
	if l == nil {
		l = &Line{Architecture: arch, MemoryMB: memory}
		a.lines[k] = l
	}
	l.Requests += requests
	l.BilledMs += billedMs
	l.MBMs += billedMs * int64(memory)
}

func (a *account) sortedLines() []*Line {
	out := make([]*Line, 0, len(a.lines))
	for _, l := range a.lines {
		c := *l
		out = append(out, &c)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Architecture < out[j].Architecture || out[i].Architecture == out[j].Architecture && out[i].MemoryMB < out[j].MemoryMB
	})
	return out
}

// Run snapshots running totals until ctx ends; Flush does once more.
func (m *Meter) Run(ctx context.Context) error {
	t := time.NewTicker(m.opts.SnapshotEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := m.snapshot(); err != nil {
				m.log.Warn("snapshot the meter", "err", err)
			}
		}
	}
}

// Flush snapshots and waits until everything metered is stored.
func (m *Meter) Flush(ctx context.Context) error {
	if err := m.snapshot(); err != nil { // which stores what is pending first
		return err
	}
	return m.stream.Flush(ctx)
}

// snapshot replaces the stored invocations of every account that has new
// ones with its totals.
func (m *Meter) snapshot() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	// A snapshot rolls up every earlier message of its subject, so what it
	// counts must be stored before it, not after.
	m.appendPendingLocked()
	for subject, a := range m.accounts {
		if a.unsnapped == 0 {
			continue
		}
		data, err := json.Marshal(stored{Snapshot: a.sortedLines()})
		if err != nil {
			return err
		}
		if err := m.stream.Replace(subject, data); err != nil {
			return fmt.Errorf("snapshot %s: %w", subject, err)
		}
		a.unsnapped = 0
	}
	var errs []error
	for _, l := range m.ledgers {
		errs = append(errs, l.snapshot(m.stream))
	}
	return errors.Join(errs...)
}

// load replays this node's part of the stream: each account's last
// snapshot and the invocations after it. In a cluster it reads only the
// subjects of this node, which no other node writes; on a single node,
// the unprefixed ones.
func (m *Meter) load(ctx context.Context) error {
	filter := Prefix + ".>"
	if m.opts.Node != "" {
		filter = store.Key(Prefix, nodeToken, m.opts.Node) + ".>"
	}
	err := m.stream.Read(ctx, filter, time.Time{}, false, func(msg store.Message) bool {
		if node, t := splitSubject(msg.Subject); node == m.opts.Node {
			m.loadLocked(msg.Subject, t, msg.Data)
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("read the meter: %w", err)
	}
	return nil
}

// loadLocked adds a message of subject (its tokens t without a node) to
// the usage under subject.
func (m *Meter) loadLocked(subject string, t []string, data []byte) {
	if len(t) == 5 {
		for _, l := range m.ledgers {
			if l.serviceName() == t[3] {
				l.load(subject, t, data)
			}
		}
		return
	}
	if len(t) != 4 {
		return
	}
	var s stored
	if err := json.Unmarshal(data, &s); err != nil {
		m.log.Warn("skip unreadable meter record", "subject", subject, "err", err)
		return
	}
	a := m.accountLocked(subject, t[1], t[2], t[3])
	if s.Snapshot != nil {
		clear(a.lines)
		for _, l := range s.Snapshot {
			k := lineKey{l.Architecture, l.MemoryMB}
			c := *l
			a.lines[k] = &c
		}
		return
	}
	requests := max(s.Requests, 1)
	a.add(s.Arch, s.MemoryMB, requests, s.BilledMs)
	a.unsnapped += int(requests)
}

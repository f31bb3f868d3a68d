package sfn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// An execution is stored in the table as rows under its key
// (<region>.<machine>.<name>):
//
//	s.KEY    its summary, which the in-memory index is loaded from
//	m.KEY.m  what does not change: its input and the definition it runs
//	m.KEY.r  how it stands: status, output, error, redrives
//	h.KEY.N  its Nth history record: the events of one commit
//
// Express executions started asynchronously keep q.KEY, their start
// request, until they end, so that a restart runs them again.

// execMeta is the metadata of an execution (row m.KEY.m).
type execMeta struct {
	Arn          string    `json:"arn"`
	Name         string    `json:"name"`
	Region       string    `json:"region"`
	Account      string    `json:"account"`
	MachineArn   string    `json:"machine"`
	MachineName  string    `json:"machineName"`
	VersionArn   string    `json:"version,omitempty"`
	AliasArn     string    `json:"alias,omitempty"`
	Spec         spec      `json:"spec"`
	SpecUpdated  time.Time `json:"specUpdated"`
	Status       string    `json:"status"`
	Start        time.Time `json:"start"`
	Stop         time.Time `json:"stop,omitempty"`
	Input        string    `json:"input"`
	Output       *string   `json:"output,omitempty"`
	Error        string    `json:"error,omitempty"`
	Cause        string    `json:"cause,omitempty"`
	TraceHeader  string    `json:"trace,omitempty"`
	RedriveCount int       `json:"redrives,omitempty"`
	RedriveDate  time.Time `json:"redriveDate,omitempty"`
	// Nonce makes the execution's task tokens unguessable; tokens are
	// derived from it so that they survive a restart.
	Nonce    string `json:"nonce"`
	TestCase string `json:"testCase,omitempty"`
}

// execEntry is an execution in the in-memory index (row s.KEY).
type execEntry struct {
	Key          string    `json:"key"`
	Arn          string    `json:"arn"`
	Name         string    `json:"name"`
	MachineArn   string    `json:"machine"`
	VersionArn   string    `json:"version,omitempty"`
	AliasArn     string    `json:"alias,omitempty"`
	Status       string    `json:"status"`
	Start        time.Time `json:"start"`
	Stop         time.Time `json:"stop,omitempty"`
	InputHash    string    `json:"inputHash"` // for StartExecution's idempotency
	RedriveCount int       `json:"redrives,omitempty"`
	RedriveDate  time.Time `json:"redriveDate,omitempty"`
}

func (m *execMeta) entry(key string) *execEntry {
	return &execEntry{Key: key, Arn: m.Arn, Name: m.Name, MachineArn: m.MachineArn, VersionArn: m.VersionArn, AliasArn: m.AliasArn,
		Status: m.Status, Start: m.Start, Stop: m.Stop, InputHash: hashOf(m.Input), RedriveCount: m.RedriveCount, RedriveDate: m.RedriveDate}
}

func execKey(region, machineName, name string) string { return store.Key(region, machineName, name) }

// recEvent is a history event as stored: the event and what replaying
// needs beyond it.
type recEvent struct {
	E *HistoryEvent `json:"e"`
	// T is the thread the event belongs to: "" for the execution's own
	// states, "<eventId>.<n>" for branch or iteration n of the Parallel or
	// Map state entered at eventId.
	T string `json:"t,omitempty"`
	// Due is when a wait or a retry's delay ends (unix ms).
	Due int64 `json:"d,omitempty"`
}

// record is the events of one commit.
type record struct {
	Events []recEvent `json:"ev"`
}

// outcome is the part of execMeta in row m.KEY.r.
type execOutcome struct {
	Status       string    `json:"status"`
	Stop         time.Time `json:"stop,omitempty"`
	Output       *string   `json:"output,omitempty"`
	Error        string    `json:"error,omitempty"`
	Cause        string    `json:"cause,omitempty"`
	RedriveCount int       `json:"redrives,omitempty"`
	RedriveDate  time.Time `json:"redriveDate,omitempty"`
}

// metaRows are the rows of an execution's metadata: with static, the row
// written once at its start (which holds its definition and input); else
// only how it stands, and its summary.
func metaRows(key string, m *execMeta, static bool) ([]store.Row, error) {
	var rows []store.Row
	if static {
		mb, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		rows = append(rows, store.Row{Key: "m." + key + ".m", Value: mb})
	} else {
		ob, err := json.Marshal(&execOutcome{Status: m.Status, Stop: m.Stop, Output: m.Output, Error: m.Error, Cause: m.Cause,
			RedriveCount: m.RedriveCount, RedriveDate: m.RedriveDate})
		if err != nil {
			return nil, err
		}
		rows = append(rows, store.Row{Key: "m." + key + ".r", Value: ob})
	}
	sb, err := json.Marshal(m.entry(key))
	if err != nil {
		return nil, err
	}
	return append(rows, store.Row{Key: "s." + key, Value: sb}), nil
}

func historyRow(key string, seq int, rec *record) (store.Row, error) {
	b, err := json.Marshal(rec)
	return store.Row{Key: "h." + key + "." + strconv.Itoa(seq), Value: b}, err
}

// loadMeta reads an execution's metadata.
func (s *Service) loadMeta(ctx context.Context, key string) (*execMeta, error) {
	var meta *execMeta
	var outcome *execOutcome
	err := s.table.Scan(ctx, "m."+key, func(r store.Row) bool {
		if strings.HasSuffix(r.Key, ".r") {
			o := &execOutcome{}
			if json.Unmarshal(r.Value, o) == nil {
				outcome = o
			}
			return true
		}
		m := &execMeta{}
		if json.Unmarshal(r.Value, m) == nil {
			meta = m
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("load execution %s: %w", key, err)
	}
	if meta == nil {
		return nil, fmt.Errorf("load execution %s: %w", key, errNoExecution)
	}
	if o := outcome; o != nil {
		meta.Status, meta.Stop, meta.Output, meta.Error, meta.Cause = o.Status, o.Stop, o.Output, o.Error, o.Cause
		meta.RedriveCount, meta.RedriveDate = o.RedriveCount, o.RedriveDate
	}
	return meta, nil
}

// errNoExecution is loadMeta's error for an execution that is not stored.
var errNoExecution = errors.New("no such execution")

// loadHistory reads an execution's records, in order, and counts them,
// for the node that runs it: records after a missing one are dropped.
func (s *Service) loadHistory(ctx context.Context, key string) ([]recEvent, int, error) {
	return s.readHistory(ctx, key, true)
}

// readHistory reads an execution's records; with drop, it deletes the
// records after a missing one. Only the node that runs the execution may:
// elsewhere they may be a commit that is landing.
func (s *Service) readHistory(ctx context.Context, key string, drop bool) ([]recEvent, int, error) {
	type numbered struct {
		n   int
		rec record
	}
	var recs []numbered
	err := s.table.Scan(ctx, "h."+key, func(r store.Row) bool {
		n, err := strconv.Atoi(r.Key[strings.LastIndexByte(r.Key, '.')+1:])
		var rec record
		if err == nil && json.Unmarshal(r.Value, &rec) == nil {
			recs = append(recs, numbered{n, rec})
		}
		return true
	})
	if err != nil {
		return nil, 0, fmt.Errorf("load history of %s: %w", key, err)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].n < recs[j].n })
	var events []recEvent
	next := 0
	for _, r := range recs {
		if r.n != next {
			break
		}
		events = append(events, r.rec.Events...)
		next++
	}
	if strays := len(recs) - next; strays > 0 && drop {
		// Records after a missing one belong to a commit cut short, never
		// acknowledged: they go, so that the next commits take their
		// numbers afresh.
		var rows []store.Row
		for _, r := range recs[next:] {
			rows = append(rows, store.Row{Key: "h." + key + "." + strconv.Itoa(r.n)})
		}
		if err := s.table.Write(rows...).Wait(ctx); err != nil {
			return nil, 0, fmt.Errorf("drop records of %s: %w", key, err)
		}
	}
	return events, next, nil
}

// loadExecutions builds the index of executions from their summaries.
func (s *Service) loadExecutions(ctx context.Context) error {
	return s.table.Scan(ctx, "s", func(r store.Row) bool {
		e := &execEntry{}
		if err := json.Unmarshal(r.Value, e); err != nil {
			s.log.Error("load execution summary", "key", r.Key, "err", err)
			return true
		}
		s.execs[e.Arn] = e
		if e.Status == StatusRunning {
			s.unfinished = append(s.unfinished, e)
		}
		return true
	})
}

// resume restarts the executions that were running and the Express
// executions that were queued.
func (s *Service) resume(ctx context.Context) error {
	s.mu.Lock()
	running := s.unfinished
	s.unfinished = nil
	s.mu.Unlock()
	if s.cl != nil {
		running = nil // held, and resumed, through the cluster (hold)
	}
	// Every run is registered before any goes on, so that a parent
	// waiting for a child execution finds it running.
	type resumed struct {
		r    *run
		root *thread
	}
	var all []resumed
	for _, e := range running {
		r, root, err := s.reload(ctx, e)
		if err != nil {
			s.log.Error("resume execution", "execution", e.Arn, "err", err)
			continue
		}
		s.mu.Lock()
		s.runs[e.Arn] = r
		s.mu.Unlock()
		all = append(all, resumed{r, root})
	}
	for _, x := range all {
		s.launch(x.r, x.root)
	}
	return s.resumeExpress(ctx)
}

// reload rebuilds a running execution from its records.
func (s *Service) reload(ctx context.Context, e *execEntry) (*run, *thread, error) {
	meta, err := s.loadMeta(ctx, e.Key)
	if err != nil {
		return nil, nil, err
	}
	events, seq, err := s.loadHistory(ctx, e.Key)
	if err != nil {
		return nil, nil, err
	}
	r, root, err := s.newRun(meta, e.Key, events, replayOf(events), seq, false)
	if err != nil {
		return nil, nil, err
	}
	if len(events) == 0 {
		return nil, nil, fmt.Errorf("execution %s has no history", e.Arn)
	}
	return r, root, nil
}

// purgeExpired removes closed executions older than the retention.
func (s *Service) purgeExpired(ctx context.Context) error {
	cutoff := s.clock.Now().Add(-s.opts.Retention)
	s.mu.Lock()
	var old []*execEntry
	for _, e := range s.execs {
		if e.Status != StatusRunning && !e.Stop.IsZero() && e.Stop.Before(cutoff) {
			old = append(old, e)
		}
	}
	s.mu.Unlock()
	for _, e := range old {
		for _, prefix := range []string{"m.", "h."} {
			if err := s.table.Purge(ctx, prefix+e.Key); err != nil {
				return err
			}
		}
		if err := s.table.Write(store.Row{Key: "s." + e.Key}).Wait(ctx); err != nil {
			return err
		}
		if s.cl != nil {
			if err := s.cl.kv.Delete(ctx, indexKey(e.Key)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		s.mu.Lock()
		delete(s.execs, e.Arn)
		s.mu.Unlock()
	}
	return nil
}

func hashOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

package cloudwatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// Prefix is the first token of the history's subjects.
const Prefix = "metrics"

// subject is where closed minutes are stored.
var subject = store.Key(Prefix, "minutes")

// Retention is how long the history keeps minutes: CloudWatch's 15 days
// of 1-minute data, and a day more.
const Retention = 16 * 24 * time.Hour

// reindexEvery is how often a series still in use is marked in the index,
// so that ListMetrics, which shows the series of the last two weeks,
// keeps showing it.
const reindexEvery = 60 // minutes

// record is one stored minute: every series that had values in it. A
// minute may be stored in more than one record (values that came late);
// readers merge them.
type record struct {
	Minute int64        `json:"t"` // Unix minute
	Series []seriesStat `json:"s"`
}

type seriesStat struct {
	series
	Stat
}

// persist stores the minutes before the minute before and forgets them.
func (m *Metrics) persist(ctx context.Context, before int64) error {
	m.flushMu.Lock()
	defer m.flushMu.Unlock()
	m.mu.Lock()
	var closed []record
	var indexed []series
	for minute, open := range m.minutes {
		if minute >= before {
			continue
		}
		rec := record{Minute: minute}
		for s, st := range open {
			rec.Series = append(rec.Series, seriesStat{s, *st})
			if last, ok := m.known[s]; !ok || minute-last >= reindexEvery {
				m.known[s] = minute
				indexed = append(indexed, s)
			}
		}
		closed = append(closed, rec)
		delete(m.minutes, minute)
	}
	m.mu.Unlock()
	for _, rec := range closed {
		data, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := m.history.Append(subject, data); err != nil {
			return fmt.Errorf("store minute %d: %w", rec.Minute, err)
		}
	}
	for _, s := range indexed {
		if _, err := m.index.Put(ctx, indexKey(s), []byte(strconv.FormatInt(m.known[s], 10))); err != nil {
			return fmt.Errorf("index series %s: %w", s.Name, err)
		}
	}
	return nil
}

// indexKey is a series' key in the index: its region, name, dimensions'
// values and, for other namespaces than Lambda's, its namespace.
func indexKey(s series) string {
	if s.NS != "" {
		return store.Key(s.Region, s.Name, s.Function, s.Resource, s.NS)
	}
	return store.Key(s.Region, s.Name, s.Function, s.Resource)
}

// loadIndex reads the series seen before.
func (m *Metrics) loadIndex(ctx context.Context) error {
	keys, err := m.index.Keys(ctx, "")
	if err != nil {
		return fmt.Errorf("list metric series: %w", err)
	}
	for _, key := range keys {
		e, err := m.index.Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read metric series %s: %w", key, err)
		}
		t := store.SplitKey(key)
		minute, err := strconv.ParseInt(string(e.Value), 10, 64)
		if len(t) < 4 || len(t) > 5 || err != nil {
			continue
		}
		s := series{Region: t[0], Name: t[1], Function: t[2], Resource: t[3]}
		if len(t) == 5 {
			s.NS = t[4]
		}
		m.known[s] = minute
	}
	return nil
}

// minutesOf calls fn with the stored and open minutes from start (a Unix
// minute) to before end, series by series; a minute may come more than
// once.
func (m *Metrics) minutesOf(ctx context.Context, start, end int64, fn func(minute int64, s series, st *Stat)) error {
	// Hold off persisting, so that no minute is between memory and the
	// stream while this reads both.
	m.flushMu.Lock()
	defer m.flushMu.Unlock()
	fctx, cancel := context.WithTimeout(ctx, 2*time.Second) // the store may never be idle
	err := m.history.Flush(fctx)
	cancel()
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("read metrics history: %w", ctx.Err())
	}
	// A minute is stored once closed, so after its end; values may come
	// late, but not much.
	since := time.Unix(start*60, 0)
	stopAfter := time.Unix((end+5)*60, 0)
	err = m.history.Read(ctx, subject, since, false, func(msg store.Message) bool {
		if msg.Time.After(stopAfter) {
			return false
		}
		var rec record
		if err := json.Unmarshal(msg.Data, &rec); err != nil {
			m.log.Warn("skip unreadable metrics minute", "err", err)
			return true
		}
		if rec.Minute < start || rec.Minute >= end {
			return true
		}
		for i := range rec.Series {
			fn(rec.Minute, rec.Series[i].series, &rec.Series[i].Stat)
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("read metrics history: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for minute, open := range m.minutes {
		if minute < start || minute >= end {
			continue
		}
		for s, st := range open {
			fn(minute, s, st)
		}
	}
	return nil
}

package esm

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/targets"
)

// shardWorker processes one shard's records.
type shardWorker struct {
	p  *streamPoller
	sh Shard
	mu sync.Mutex // guards cp's windows, which lanes change
	cp *checkpoint
}

// process handles a chunk of records: those too old go to the OnFailure
// destination, those no filter matches are dropped, the rest go to the
// function in batches, in order per key, ParallelizationFactor lanes at a
// time. It tells whether every record was handled (false when ctx ended).
func (w *shardWorker) process(ctx context.Context, recs []StreamRecord) bool {
	set := w.p.set
	var at time.Time
	if ts := w.p.m.Config.StartingPositionTimestamp; ts != nil && w.p.m.Config.StartingPosition == "AT_TIMESTAMP" {
		at = time.Time(*ts)
	}
	lanes := make([][]StreamRecord, set.parallel)
	var old []StreamRecord
	for _, r := range recs {
		switch {
		case r.Time.Before(at):
		case set.maxAge >= 0 && time.Since(r.Time) > time.Duration(set.maxAge)*time.Second:
			old = append(old, r)
		case w.matches(r):
			h := fnv.New32a()
			h.Write([]byte(r.Key))
			i := int(h.Sum32() % uint32(set.parallel))
			lanes[i] = append(lanes[i], r)
		}
	}
	if len(old) > 0 {
		w.fail(ctx, old, "RecordAgeExceeded", 0, nil)
	}
	var wg sync.WaitGroup
	for i, lane := range lanes {
		if len(lane) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.lane(ctx, i, lane)
		}()
	}
	wg.Wait()
	return ctx.Err() == nil
}

// matches applies the mapping's filters to a record.
func (w *shardWorker) matches(r StreamRecord) bool {
	if len(w.p.filters) == 0 {
		return true
	}
	var event map[string]any
	if json.Unmarshal(r.Data, &event) != nil {
		return false
	}
	for _, f := range w.p.filters {
		if f.Match(event) {
			return true
		}
	}
	return false
}

// lane invokes the function with one lane's records, a batch at a time; a
// batch never spans two tumbling windows.
func (w *shardWorker) lane(ctx context.Context, lane int, recs []StreamRecord) {
	for len(recs) > 0 && ctx.Err() == nil {
		n := min(w.p.set.batch, len(recs))
		if win := w.p.set.window; win > 0 {
			start := windowStart(recs[0].Time, win)
			w.closeLane(ctx, lane, start)
			for i := 1; i < n; i++ {
				if windowStart(recs[i].Time, win) != start {
					n = i
					break
				}
			}
		}
		w.batch(ctx, lane, recs[:n])
		recs = recs[n:]
	}
}

func windowStart(t time.Time, seconds int) int64 {
	return t.Unix() / int64(seconds) * int64(seconds)
}

// attempt is a batch and how many times it failed.
type attempt struct {
	recs  []StreamRecord
	tries int
}

// batch invokes the function with recs until it takes them: partial
// failures retry from the first failed record, errors retry the batch (or
// its halves with BisectBatchOnFunctionError) until MaximumRetryAttempts
// or MaximumRecordAgeInSeconds, after which the batch goes to the
// OnFailure destination.
func (w *shardWorker) batch(ctx context.Context, lane int, recs []StreamRecord) {
	set := w.p.set
	queue := []attempt{{recs: recs}}
	for len(queue) > 0 && ctx.Err() == nil {
		cur := &queue[0]
		res, err := w.invoke(ctx, lane, cur.recs, false)
		if err != nil { // the function could not be run: retried, not counted
			w.p.s.setResult(w.p.m.Config.UUID, "PROBLEM: Function call failed")
			sleep(ctx, backoff(cur.tries+1))
			continue
		}
		failed := -1 // the first record to retry
		if res.FunctionError != "" {
			failed = 0
		} else if set.reportFailures {
			failed = firstFailure(res.Payload, cur.recs)
		}
		if failed < 0 {
			w.p.s.setResult(w.p.m.Config.UUID, "OK")
			w.p.recordAge(cur.recs)
			queue = queue[1:]
			continue
		}
		w.p.s.setResult(w.p.m.Config.UUID, "PROBLEM: Function call failed")
		cur.recs, cur.tries = cur.recs[failed:], cur.tries+1
		oldest := cur.recs[0].Time
		switch {
		case set.maxAge >= 0 && time.Since(oldest) > time.Duration(set.maxAge)*time.Second:
			w.fail(ctx, cur.recs, "RecordAgeExceeded", cur.tries, res)
			queue = queue[1:]
		case set.bisect && res.FunctionError != "" && len(cur.recs) > 1:
			// Halves are retried on their own, down to single records,
			// before the retry quota applies.
			half := len(cur.recs) / 2
			a, b := attempt{cur.recs[:half], cur.tries}, attempt{cur.recs[half:], cur.tries}
			queue = append([]attempt{a, b}, queue[1:]...)
		case set.retries >= 0 && cur.tries > set.retries:
			w.fail(ctx, cur.recs, "RetryAttemptsExhausted", cur.tries, res)
			queue = queue[1:]
		default:
			sleep(ctx, backoff(cur.tries))
		}
	}
}

// backoff is the wait before a retry: 50 ms doubling to 5 s.
func backoff(tries int) time.Duration {
	return min(50*time.Millisecond<<min(tries, 10), 5*time.Second)
}

// firstFailure is the index of the first record a partial batch response
// names (-1 for none); a response that cannot be read, or names an
// unknown or empty identifier, fails the whole batch.
func firstFailure(payload []byte, recs []StreamRecord) int {
	var resp struct {
		BatchItemFailures []map[string]any `json:"batchItemFailures"`
	}
	if len(payload) == 0 || string(payload) == "null" || json.Unmarshal(payload, &resp) != nil {
		return -1
	}
	first := -1
	for _, f := range resp.BatchItemFailures {
		id, _ := f["itemIdentifier"].(string)
		i := -1
		for j, r := range recs {
			if r.SeqText == id {
				i = j
				break
			}
		}
		if i < 0 {
			return 0
		}
		if first < 0 || i < first {
			first = i
		}
	}
	return first
}

// recordAge records IteratorAge: how old the batch's last record was when
// the function took it.
func (p *streamPoller) recordAge(recs []StreamRecord) {
	if p.s.metrics == nil || len(recs) == 0 {
		return
	}
	age := float64(time.Since(recs[len(recs)-1].Time).Milliseconds())
	p.s.metrics.Record(cloudwatch.IteratorAge, cloudwatch.Dims{Region: p.m.Scope.Region, Function: p.m.Function.Name, Qualifier: p.m.Function.Qualifier}, max(age, 0))
}

// streamEvent is the event of a stream batch; the window members are set
// for tumbling windows only.
type streamEvent struct {
	Records                 []json.RawMessage `json:"Records"`
	Window                  *eventWindow      `json:"window,omitempty"`
	State                   json.RawMessage   `json:"state,omitempty"`
	ShardID                 string            `json:"shardId,omitempty"`
	EventSourceARN          string            `json:"eventSourceARN,omitempty"`
	IsFinalInvokeForWindow  *bool             `json:"isFinalInvokeForWindow,omitempty"`
	IsWindowTerminatedEarly *bool             `json:"isWindowTerminatedEarly,omitempty"`
}

type eventWindow struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// invoke runs the function with recs (with the lane's window state for a
// tumbling window) and keeps the state it returns.
func (w *shardWorker) invoke(ctx context.Context, lane int, recs []StreamRecord, final bool) (*lambda.Result, error) {
	ev := streamEvent{Records: make([]json.RawMessage, len(recs))}
	for i, r := range recs {
		ev.Records[i] = r.Data
	}
	win := w.p.set.window
	var ws *windowState
	if win > 0 {
		w.mu.Lock()
		if w.cp.Windows == nil {
			w.cp.Windows = map[int]*windowState{}
		}
		ws = w.cp.Windows[lane]
		if ws == nil {
			ws = &windowState{Start: windowStart(recs[0].Time, win)}
			w.cp.Windows[lane] = ws
		}
		start := time.Unix(ws.Start, 0).UTC()
		ev.Window = &eventWindow{Start: start.Format(time.RFC3339), End: start.Add(time.Duration(win) * time.Second).Format(time.RFC3339)}
		ev.State, ev.ShardID, ev.EventSourceARN = ws.State, w.sh.ID, w.p.arn
		ev.IsFinalInvokeForWindow, ev.IsWindowTerminatedEarly = ptr(final), ptr(false)
		if ev.State == nil {
			ev.State = json.RawMessage("{}")
		}
		w.mu.Unlock()
	}
	payload, _ := json.Marshal(ev)
	res, err := w.p.s.invoker.Invoke(ctx, &lambda.Invocation{Scope: w.p.m.Scope, Function: w.p.m.Function, Payload: payload})
	if err == nil && ws != nil && res.FunctionError == "" {
		var out struct {
			State json.RawMessage `json:"state"`
		}
		if json.Unmarshal(res.Payload, &out) == nil && len(out.State) > 0 {
			w.mu.Lock()
			ws.State = out.State
			w.mu.Unlock()
		}
	}
	return res, err
}

// closeLane ends the lane's window when a record of a later one comes:
// the function gets its final invocation, with the state and no records.
func (w *shardWorker) closeLane(ctx context.Context, lane int, start int64) {
	w.mu.Lock()
	ws := w.cp.Windows[lane]
	w.mu.Unlock()
	if ws == nil || ws.Start == start {
		return
	}
	for tries := 0; ctx.Err() == nil; tries++ {
		res, err := w.invoke(ctx, lane, nil, true)
		if err == nil && res.FunctionError == "" || tries >= 3 {
			break
		}
		sleep(ctx, backoff(tries+1))
	}
	w.mu.Lock()
	delete(w.cp.Windows, lane)
	w.mu.Unlock()
}

// closeWindows ends the windows that ended before now (all of them when
// now is zero: the shard ended) and saves the checkpoint.
func (w *shardWorker) closeWindows(ctx context.Context, now time.Time) {
	w.mu.Lock()
	var lanes []int
	for lane, ws := range w.cp.Windows {
		if now.IsZero() || now.Unix() >= ws.Start+int64(w.p.set.window) {
			lanes = append(lanes, lane)
		}
	}
	w.mu.Unlock()
	for _, lane := range lanes {
		w.closeLane(ctx, lane, -1)
	}
	if len(lanes) > 0 {
		w.save(ctx)
	}
}

// fail sends a batch the mapping gives up on to the OnFailure destination
// (the records themselves are not sent: the destination gets where they
// are in the stream, as Lambda does).
func (w *shardWorker) fail(ctx context.Context, recs []StreamRecord, condition string, tries int, res *lambda.Result) {
	dest := w.p.set.onFailure
	w.p.s.log.Warn("esm: discarding stream records", "uuid", w.p.m.Config.UUID, "condition", condition, "records", len(recs), "destination", dest)
	if dest == "" || w.p.s.dests == nil {
		return
	}
	info := map[string]any{
		"shardId": w.sh.ID, "startSequenceNumber": recs[0].SeqText, "endSequenceNumber": recs[len(recs)-1].SeqText,
		"approximateArrivalOfFirstRecord": recs[0].Time.UTC().Format(time.RFC3339Nano),
		"approximateArrivalOfLastRecord":  recs[len(recs)-1].Time.UTC().Format(time.RFC3339Nano),
		"batchSize":                       len(recs), "streamArn": w.p.arn,
	}
	record := map[string]any{
		"requestContext": map[string]any{"requestId": uuid.NewString(), "functionArn": w.p.m.Config.FunctionArn,
			"condition": condition, "approximateInvokeCount": tries},
		"version": "1.0", "timestamp": time.Now().UTC().Format(time.RFC3339Nano), "DDBStreamBatchInfo": info,
	}
	if res != nil {
		rc := map[string]any{"statusCode": 200, "executedVersion": res.ExecutedVersion}
		if res.FunctionError != "" {
			rc["functionError"] = res.FunctionError
		}
		record["responseContext"] = rc
	}
	body, _ := json.Marshal(record)
	src, err := w.p.source(ctx)
	if err == nil {
		err = w.p.s.dests.Deliver(ctx, dest, targets.Message{Body: body, Source: src})
	}
	if err != nil {
		w.p.s.log.Error("esm: send to the OnFailure destination", "uuid", w.p.m.Config.UUID, "destination", dest, "err", err)
	}
}

// source is who sends a mapping's OnFailure records: Lambda, as the
// function's execution role (whose policies must allow it), as for a
// function's own destinations.
func (p *streamPoller) source(ctx context.Context) (targets.Source, error) {
	inv := &lambda.Invocation{Scope: p.m.Scope, Function: p.m.Function}
	if err := p.s.invoker.Resolve(ctx, inv); err != nil {
		return targets.Source{}, err
	}
	return targets.Source{Role: inv.Target.Config.Role, Session: inv.Target.Config.FunctionName}, nil
}

package sfn

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/services/sfn/asl"
)

// branch is one child thread's outcome.
type branch struct {
	output any
	f      *asl.Failure
}

// childThread starts the nth child thread of a Parallel or Map state.
func (th *thread) childThread(ctx context.Context, entered *recEvent, n int, prev int64, isolated bool) *thread {
	v := th.vars.child()
	if isolated {
		v = &vars{m: map[string]any{}}
	}
	return &thread{r: th.r, id: strconv.FormatInt(entered.E.ID, 10) + "." + strconv.Itoa(n), last: prev, vars: v, ctx: ctx}
}

func (th *thread) parallel(st *asl.State, sc *asl.Scope, entered *recEvent) (*step, *asl.Failure) {
	attempts := make([]int, len(st.Retry))
	for {
		eff, err := st.Prepare(sc)
		if err != nil {
			return th.caught(st, sc, entered, th.evalFailure(st, entered, err))
		}
		startedEv, err := th.emit("ParallelStateStarted", nil, time.Time{})
		if err != nil {
			return nil, asl.AsFailure(err)
		}
		results, f := th.runBranches(st, entered, startedEv.E.ID, eff)
		if f == nil {
			succeeded, err := th.emit("ParallelStateSucceeded", nil, time.Time{})
			if err != nil {
				return nil, asl.AsFailure(err)
			}
			return th.finishContainer(st, sc, entered, results, succeeded)
		}
		if f == errCancelled {
			return nil, f
		}
		if retry, res, failed := th.containerFailed(st, sc, entered, "ParallelStateFailed", f, attempts); !retry {
			return res, failed
		}
	}
}

// runBranches runs every branch of a Parallel state concurrently; the
// first failure cancels the others.
func (th *thread) runBranches(st *asl.State, entered *recEvent, prev int64, input any) ([]any, *asl.Failure) {
	ctx, cancel := context.WithCancel(th.ctx)
	defer cancel()
	out := make([]branch, len(st.Branches))
	var wg sync.WaitGroup
	for i, b := range st.Branches {
		child := th.childThread(ctx, entered, i, prev, false)
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].output, out[i].f = child.runMachine(b, input)
			if out[i].f != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	results := make([]any, len(out))
	var first *asl.Failure
	for i, b := range out {
		if b.f != nil && (first == nil || first == errCancelled) {
			first = b.f
		}
		results[i] = b.output
	}
	if first != nil && th.ctx.Err() != nil {
		return nil, errCancelled
	}
	return results, first
}

// finishContainer exits a Parallel or Map state with its results; its
// Exited event follows the same event as its Succeeded event.
func (th *thread) finishContainer(st *asl.State, sc *asl.Scope, entered *recEvent, results any, succeeded *recEvent) (*step, *asl.Failure) {
	th.last = succeeded.E.PreviousEventID
	return th.finish(st, sc, entered, results)
}

// containerFailed records a Parallel or Map state's failure and decides
// between a retry (after its delay) and the state's Catch.
func (th *thread) containerFailed(st *asl.State, sc *asl.Scope, entered *recEvent, typ string, f *asl.Failure, attempts []int) (bool, *step, *asl.Failure) {
	delay, retry := st.RetryDelay(f, attempts, th.r.s.opts.Jitter)
	due := th.r.s.clock.Now().Add(delay)
	rec, err := th.emit(typ, nil, dueIf(retry, due))
	if err != nil {
		return false, nil, asl.AsFailure(err)
	}
	if !retry {
		res, failed := th.caught(st, sc, entered, f)
		return false, res, failed
	}
	if rec.Due != 0 {
		due = time.UnixMilli(rec.Due)
	}
	if err := th.durable(); err != nil {
		return false, nil, asl.AsFailure(err)
	}
	if !th.replaying() {
		if err := th.sleep(due); err != nil {
			return false, nil, errCancelled
		}
	}
	return true, nil, nil
}

func (th *thread) mapState(st *asl.State, sc *asl.Scope, entered *recEvent) (*step, *asl.Failure) {
	attempts := make([]int, len(st.Retry))
	for {
		eff, err := st.Prepare(sc)
		if err != nil {
			return th.caught(st, sc, entered, th.evalFailure(st, entered, err))
		}
		esc := *sc
		esc.Input = eff
		cfg, err := st.EvalMap(&esc)
		if err != nil {
			return th.mapEvalFailed(st, sc, entered, err)
		}
		startedEv, err := th.emit("MapStateStarted", func(e *HistoryEvent) {
			e.MapStateStartedEventDetails = &MapStateStartedDetails{Length: len(cfg.Items)}
		}, time.Time{})
		if err != nil {
			return nil, asl.AsFailure(err)
		}
		if st.Distributed {
			if f := th.mapRunStarted(st, entered); f != nil {
				return nil, f
			}
		}
		results, f := th.runIterations(st, &esc, entered, startedEv.E.ID, cfg)
		if f == nil {
			if st.Distributed {
				if _, err := th.emit("MapRunSucceeded", nil, time.Time{}); err != nil {
					return nil, asl.AsFailure(err)
				}
			}
			succeeded, err := th.emit("MapStateSucceeded", nil, time.Time{})
			if err != nil {
				return nil, asl.AsFailure(err)
			}
			return th.finishContainer(st, sc, entered, results, succeeded)
		}
		if f == errCancelled {
			return nil, f
		}
		if st.Distributed {
			if _, err := th.emit("MapRunFailed", func(e *HistoryEvent) {
				e.MapRunFailedEventDetails = &ErrorDetails{Error: f.Name, Cause: f.Cause}
			}, time.Time{}); err != nil {
				return nil, asl.AsFailure(err)
			}
		}
		if retry, res, failed := th.containerFailed(st, sc, entered, "MapStateFailed", f, attempts); !retry {
			return res, failed
		}
	}
}

// mapEvalFailed fails a Map state whose items or limits do not evaluate.
func (th *thread) mapEvalFailed(st *asl.State, sc *asl.Scope, entered *recEvent, err error) (*step, *asl.Failure) {
	f := th.evalFailure(st, entered, err)
	if f == errCancelled {
		return nil, f
	}
	if _, err := th.emit("MapStateFailed", nil, time.Time{}); err != nil {
		return nil, asl.AsFailure(err)
	}
	return th.caught(st, sc, entered, f)
}

func (th *thread) mapRunStarted(st *asl.State, entered *recEvent) *asl.Failure {
	th.r.mu.Lock()
	label := st.Label
	if label == "" {
		label = st.Name
	}
	runArn := "arn:aws:states:" + th.r.meta.Region + ":" + th.r.meta.Account + ":mapRun:" + th.r.meta.MachineName + "/" + label + ":" + strconv.FormatInt(entered.E.ID, 10)
	th.r.mu.Unlock()
	_, err := th.emit("MapRunStarted", func(e *HistoryEvent) {
		e.MapRunStartedEventDetails = &MapRunStartedDetails{MapRunArn: runArn}
	}, time.Time{})
	if err != nil {
		return asl.AsFailure(err)
	}
	return nil
}

// maxInlineConcurrency caps the iterations an inline Map runs at once
// when MaxConcurrency does not (AWS: 40).
const maxInlineConcurrency = 40

// runIterations runs a Map state's items, at most MaxConcurrency at a
// time, and decides the state's outcome with its tolerated failures.
func (th *thread) runIterations(st *asl.State, sc *asl.Scope, entered *recEvent, prev int64, cfg *asl.MapConfig) ([]any, *asl.Failure) {
	ctx, cancel := context.WithCancel(th.ctx)
	defer cancel()
	limit := cfg.MaxConcurrency
	if limit <= 0 || limit > maxInlineConcurrency {
		limit = maxInlineConcurrency
	}
	slots := make(chan struct{}, limit)
	out := make([]branch, len(cfg.Items))
	var mu sync.Mutex
	failed := 0
	var wg sync.WaitGroup
	for i, item := range cfg.Items {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		child := th.childThread(ctx, entered, i, prev, st.Distributed)
		child.item = asl.MapItemContext(i, item)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			out[i] = child.iteration(st, sc, i, item)
			if out[i].f != nil && out[i].f != errCancelled {
				mu.Lock()
				failed++
				if !cfg.Tolerated(failed, len(cfg.Items)) {
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return mapResults(th, out, cfg)
}

// mapResults gathers the iterations' outputs; failed ones within the
// tolerance hand on their error output.
func mapResults(th *thread, out []branch, cfg *asl.MapConfig) ([]any, *asl.Failure) {
	if th.ctx.Err() != nil {
		return nil, errCancelled
	}
	results := make([]any, len(out))
	failed := 0
	var first *asl.Failure
	for i, b := range out {
		results[i] = b.output
		if b.f != nil && b.f != errCancelled {
			failed++
			results[i] = asl.ErrorOutput(b.f)
			if first == nil {
				first = b.f
			}
		}
	}
	if failed == 0 || cfg.Tolerated(failed, len(out)) {
		return results, nil
	}
	if cfg.TolCount >= 0 || cfg.HasTolPercent {
		return nil, asl.Failf(asl.ErrExceedToleratedFailure, "The specified tolerated failure threshold was exceeded")
	}
	return nil, first
}

// iteration runs one item of a Map state on its own thread.
func (th *thread) iteration(st *asl.State, sc *asl.Scope, index int, item any) branch {
	details := func(e *HistoryEvent, set func(*HistoryEvent, *MapIterationDetails)) {
		set(e, &MapIterationDetails{Name: st.Name, Index: index})
	}
	if _, err := th.emit("MapIterationStarted", func(e *HistoryEvent) {
		details(e, func(e *HistoryEvent, d *MapIterationDetails) { e.MapIterationStartedEventDetails = d })
	}, time.Time{}); err != nil {
		return branch{f: asl.AsFailure(err)}
	}
	input := item
	if st.ItemSelector != nil {
		isc := *sc
		isc.Context = th.contextObjectFor(sc)
		v, err := st.ItemSelector.Eval(&isc)
		if err != nil {
			return th.iterationFailed(st, index, asl.AsFailure(err))
		}
		input = v
	}
	output, f := th.runMachine(st.Processor, input)
	if f == errCancelled {
		if th.r.ctx.Err() == nil {
			th.emit("MapIterationAborted", func(e *HistoryEvent) {
				details(e, func(e *HistoryEvent, d *MapIterationDetails) { e.MapIterationAbortedEventDetails = d })
			}, time.Time{})
		}
		return branch{f: f}
	}
	if f != nil {
		return th.iterationFailed(st, index, f)
	}
	if _, err := th.emit("MapIterationSucceeded", func(e *HistoryEvent) {
		details(e, func(e *HistoryEvent, d *MapIterationDetails) { e.MapIterationSucceededEventDetails = d })
	}, time.Time{}); err != nil {
		return branch{f: asl.AsFailure(err)}
	}
	return branch{output: output}
}

func (th *thread) iterationFailed(st *asl.State, index int, f *asl.Failure) branch {
	if _, err := th.emit("MapIterationFailed", func(e *HistoryEvent) {
		e.MapIterationFailedEventDetails = &MapIterationDetails{Name: st.Name, Index: index}
	}, time.Time{}); err != nil {
		return branch{f: asl.AsFailure(err)}
	}
	return branch{f: f}
}

// contextObjectFor is the Map state's context object with this thread's
// $$.Map.Item, for its ItemSelector.
func (th *thread) contextObjectFor(sc *asl.Scope) any {
	ctx, ok := sc.Context.(map[string]any)
	if !ok {
		return sc.Context
	}
	out := make(map[string]any, len(ctx)+1)
	for k, v := range ctx {
		out[k] = v
	}
	out["Map"] = map[string]any{"Item": th.item}
	return out
}

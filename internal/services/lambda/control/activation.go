package control

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"syscall"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// activationQueue is a set of functions with a change to finish; adding a
// function that is already queued does nothing.
type activationQueue struct {
	mu      sync.Mutex
	pending map[activation]bool
	signal  chan struct{}
}

func newActivationQueue() *activationQueue {
	return &activationQueue{pending: map[activation]bool{}, signal: make(chan struct{}, 1)}
}

func (q *activationQueue) add(a activation) {
	q.mu.Lock()
	q.pending[a] = true
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (q *activationQueue) take() []activation {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []activation
	for a := range q.pending {
		out = append(out, a)
	}
	clear(q.pending)
	return out
}

func (s *Service) activate(scope lambda.Scope, name string) {
	s.queue.add(activation{scope: scope, name: name})
}

// Run finishes pending creations and updates until ctx ends. It first
// requeues whatever a previous run left Pending or InProgress.
func (s *Service) Run(ctx context.Context) error {
	keys, err := s.kv.Keys(ctx, store.Key("fn"))
	if err != nil {
		return err
	}
	for _, k := range keys {
		parts := store.SplitKey(k)
		s.activate(lambda.Scope{Account: s.opts.Account, Region: parts[1]}, parts[2])
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.queue.signal:
		}
		for _, a := range s.queue.take() {
			s.finish(ctx, a)
		}
	}
}

// errStale ends a modification whose record changed since it was prepared;
// the newer change has queued its own activation.
var errStale = errors.New("stale activation")

// finish prepares the code of a function's $LATEST and of any pending
// versions, then records the outcome.
func (s *Service) finish(ctx context.Context, a activation) {
	rec, _, err := s.loadFunction(ctx, a.scope, a.name)
	if err != nil {
		return
	}
	cfg := rec.Latest
	if cfg.State == lambda.StatePending || cfg.LastUpdateStatus == lambda.UpdateProgress {
		reasonCode, reason := s.prepare(ctx, &cfg)
		_, err := s.modifyFunction(ctx, a.scope, a.name, func(r *functionRecord) error {
			if r.Latest.RevisionId != cfg.RevisionId {
				return errStale
			}
			settle(&r.Latest, reasonCode, reason)
			return nil
		})
		if err != nil && !errors.Is(err, errStale) {
			s.log.Error("activate function", "function", a.name, "err", err)
		}
	}
	versions, err := s.versions(ctx, a.scope, a.name)
	if err != nil {
		return
	}
	for _, v := range versions {
		if v.State != lambda.StatePending {
			continue
		}
		reasonCode, reason := s.prepare(ctx, v)
		settle(v, reasonCode, reason)
		v.LastUpdateStatus = ""
		if err := s.putJSON(ctx, versionKey(a.scope, a.name, v.Version), v); err != nil {
			s.log.Error("activate version", "function", a.name, "version", v.Version, "err", err)
		}
	}
}

// prepare does the work that stands between a configuration and its first
// invoke: the runtime must exist here and the package must extract. It
// returns AWS's reason code and message when that fails.
func (s *Service) prepare(ctx context.Context, cfg *lambda.FunctionConfiguration) (reasonCode, reason string) {
	if s.opts.CheckRuntime != nil {
		if err := s.opts.CheckRuntime(cfg.Runtime); err != nil {
			return "InvalidRuntime", err.Error()
		}
	}
	key, err := code.KeyOf(cfg.CodeSha256)
	if err == nil {
		_, err = s.packages.Extract(ctx, key)
	}
	if err != nil {
		s.log.Warn("extract code", "function", cfg.FunctionName, "err", err)
		if errors.Is(err, store.ErrUnavailable) || errors.Is(err, syscall.ENOSPC) {
			return "InternalError", "Could not extract the function's code: " + err.Error()
		}
		return "InvalidZipFileException", "Could not unzip uploaded file. Please check your file, then try to upload again."
	}
	return "", ""
}

// settle records the outcome of a creation or update.
func settle(cfg *lambda.FunctionConfiguration, reasonCode, reason string) {
	creating := cfg.State == lambda.StatePending
	cfg.StateReason, cfg.StateReasonCode = "", ""
	cfg.LastUpdateStatusReason, cfg.LastUpdateStatusReasonCode = "", ""
	switch {
	case reasonCode == "":
		cfg.State, cfg.LastUpdateStatus = lambda.StateActive, lambda.UpdateSuccess
	case creating:
		cfg.State, cfg.StateReason, cfg.StateReasonCode = lambda.StateFailed, reason, reasonCode
		cfg.LastUpdateStatus, cfg.LastUpdateStatusReason, cfg.LastUpdateStatusReasonCode = lambda.UpdateFailed, reason, reasonCode
	default:
		cfg.LastUpdateStatus, cfg.LastUpdateStatusReason, cfg.LastUpdateStatusReasonCode = lambda.UpdateFailed, reason, reasonCode
	}
}

// collectPackage removes a code package that no function or version of any
// region uses any more.
func (s *Service) collectPackage(ctx context.Context, codeSha256 string) {
	for _, prefix := range []string{"fn", "ver"} {
		keys, err := s.kv.Keys(ctx, store.Key(prefix))
		if err != nil {
			return
		}
		for _, k := range keys {
			e, err := s.kv.Get(ctx, k)
			if err != nil {
				continue
			}
			var probe struct {
				CodeSha256 string
				Latest     struct{ CodeSha256 string } `json:"latest"`
			}
			if json.Unmarshal(e.Value, &probe) == nil && (probe.CodeSha256 == codeSha256 || probe.Latest.CodeSha256 == codeSha256) {
				return
			}
		}
	}
	key, err := code.KeyOf(codeSha256)
	if err != nil {
		return
	}
	if err := s.packages.Remove(ctx, key); err != nil {
		s.log.Warn("remove unused code package", "key", key, "err", err)
		return
	}
	if err := s.kv.Delete(ctx, codeSizeKey(key)); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("remove unused code package", "key", key, "err", err)
	}
}

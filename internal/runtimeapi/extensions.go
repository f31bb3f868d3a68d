package runtimeapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/google/uuid"
)

// maxExtensions is Lambda's limit on extensions per function.
const maxExtensions = 10

// extension is an internal extension: one registered from inside the
// runtime's own processes. (External extensions are executables under
// /opt/extensions, which come with layers.)
type extension struct {
	id, name     string
	invoke       bool // subscribed to INVOKE
	calledNext   bool
	parked       bool
	events       chan []byte
	parkedSignal chan struct{}
}

// extensions is guarded by Server.mu.
type extensions struct {
	byID map[string]*extension
}

func (x *extensions) allCalledNext() bool {
	for _, e := range x.byID {
		if !e.calledNext {
			return false
		}
	}
	return true
}

func (s *Server) registerExtension(w http.ResponseWriter, r *http.Request) {
	name := r.Header.Get("Lambda-Extension-Name")
	if name == "" {
		writeError(w, &apiError{http.StatusForbidden, "Extension.InvalidExtensionName", "Empty extension name"})
		return
	}
	var req struct {
		Events            []string        `json:"events"`
		ConfigurationKeys json.RawMessage `json:"configurationKeys"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if len(body) > 0 && json.Unmarshal(body, &req) != nil || req.ConfigurationKeys != nil {
		writeError(w, &apiError{http.StatusForbidden, "InvalidRequestFormat", "Invalid register request body"})
		return
	}
	ext := &extension{id: uuid.NewString(), name: name, events: make(chan []byte, 4), parkedSignal: make(chan struct{}, 1)}
	for _, ev := range req.Events {
		switch ev {
		case "INVOKE":
			ext.invoke = true
		case "SHUTDOWN":
			writeError(w, &apiError{http.StatusForbidden, "Extension.InvalidEventType", "Internal extensions cannot subscribe to SHUTDOWN"})
			return
		default:
			writeError(w, &apiError{http.StatusForbidden, "Extension.InvalidEventType", "Unknown event type: " + ev})
			return
		}
	}
	s.mu.Lock()
	switch {
	case s.state != stateInit || s.runtimeNext:
		s.mu.Unlock()
		writeError(w, &apiError{http.StatusForbidden, "Extension.RegistrationClosed", "Extension registration closed already"})
		return
	case len(s.exts.byID) >= maxExtensions:
		s.mu.Unlock()
		writeError(w, &apiError{http.StatusForbidden, "Extension.TooManyExtensions", "Too many extensions"})
		return
	}
	s.exts.byID[ext.id] = ext
	s.mu.Unlock()

	out := map[string]string{"functionName": s.info.FunctionName, "functionVersion": s.info.FunctionVersion, "handler": s.info.Handler}
	if r.Header.Get("Lambda-Extension-Accept-Feature") == "accountId" {
		out["accountId"] = s.info.AccountID
	}
	w.Header().Set("Lambda-Extension-Identifier", ext.id)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// extensionOf finds the extension a request names.
func (s *Server) extensionOf(r *http.Request) (*extension, error) {
	id := r.Header.Get("Lambda-Extension-Identifier")
	if id == "" {
		return nil, &apiError{http.StatusForbidden, "Extension.MissingExtensionIdentifier", "Missing Lambda-Extension-Identifier header"}
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, &apiError{http.StatusForbidden, "Extension.InvalidExtensionIdentifier", "Invalid Lambda-Extension-Identifier"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ext, ok := s.exts.byID[id]
	if !ok {
		return nil, &apiError{http.StatusForbidden, "Extension.UnknownExtensionIdentifier", "Unknown extension " + id}
	}
	return ext, nil
}

// extensionNext parks an extension until it has an event. The first call
// counts towards the end of Init.
func (s *Server) extensionNext(w http.ResponseWriter, r *http.Request) {
	ext, err := s.extensionOf(r)
	if err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	ext.calledNext, ext.parked = true, true
	s.checkInitLocked()
	s.mu.Unlock()
	select {
	case ext.parkedSignal <- struct{}{}:
	default:
	}
	select {
	case ev := <-ext.events:
		w.Header().Set("Lambda-Extension-Event-Identifier", uuid.NewString())
		w.Header().Set("Content-Type", "application/json")
		w.Write(ev)
	case <-r.Context().Done():
	case <-s.closed:
		writeError(w, errInternal)
	}
}

func (s *Server) extensionError(w http.ResponseWriter, r *http.Request) {
	if _, err := s.extensionOf(r); err != nil {
		writeError(w, err)
		return
	}
	if r.Header.Get("Lambda-Extension-Function-Error-Type") == "" {
		writeError(w, &apiError{http.StatusForbidden, "Extension.MissingHeader", "Missing Lambda-Extension-Function-Error-Type header"})
		return
	}
	writeAccepted(w)
}

// deliverInvoke sends the INVOKE event to every subscribed extension, which
// is busy until it calls /next again.
func (s *Server) deliverInvoke(inv *Invocation) {
	var subscribed []*extension
	s.mu.Lock()
	for _, e := range s.exts.byID {
		if e.invoke {
			e.parked = false
			subscribed = append(subscribed, e)
		}
	}
	s.mu.Unlock()
	if len(subscribed) == 0 {
		return
	}
	m := map[string]any{"eventType": "INVOKE", "deadlineMs": inv.Deadline.UnixMilli(),
		"requestId": inv.RequestID, "invokedFunctionArn": inv.Target.InvokedARN}
	if inv.TraceID != "" {
		m["tracing"] = map[string]string{"type": "X-Amzn-Trace-Id", "value": inv.TraceID}
	}
	ev, _ := json.Marshal(m)
	for _, e := range subscribed {
		e.events <- ev
	}
}

// waitExtensionsParked waits until every INVOKE-subscribed extension has
// called /next again: only then is the environment free for an event.
func (s *Server) waitExtensionsParked(ctx context.Context) error {
	for {
		s.mu.Lock()
		var busy *extension
		for _, e := range s.exts.byID {
			if e.invoke && !e.parked {
				busy = e
				break
			}
		}
		s.mu.Unlock()
		if busy == nil {
			return nil
		}
		select {
		case <-busy.parkedSignal:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return ErrClosed
		}
	}
}

package runtimes

import (
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// fakeAPI is a Runtime API 2018-06-01 server for one environment, as
// strict as the real one where runtime clients depend on it: GET /next
// blocks until an invocation is queued and returns every header; /response,
// /error and /init/error answer 202 {"status":"OK"}.
type fakeAPI struct {
	srv     *httptest.Server
	queue   chan *invocation
	initErr chan apiResult
	nexts   chan time.Time // arrival of every GET /next
	done    chan struct{}

	mu      sync.Mutex
	pending map[string]*invocation
	conns   int
	closed  bool
}

// invocation is one event handed to the runtime.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	arn      string
	headers  map[string]string // optional Lambda-Runtime-* headers
	result   chan apiResult
}

// apiResult is what the runtime posted.
type apiResult struct {
	kind   string // "response", "error" or "init"
	body   []byte
	header http.Header
}

func newFakeAPI() *fakeAPI {
	a := &fakeAPI{
		queue:   make(chan *invocation, 16),
		initErr: make(chan apiResult, 4),
		nexts:   make(chan time.Time, 64),
		done:    make(chan struct{}),
		pending: map[string]*invocation{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", a.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", a.post("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", a.post("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", a.initError)
	a.srv = httptest.NewUnstartedServer(mux)
	a.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			a.mu.Lock()
			a.conns++
			a.mu.Unlock()
		}
	}
	a.srv.Start()
	return a
}

// addr is the value of AWS_LAMBDA_RUNTIME_API: host:port, no scheme.
func (a *fakeAPI) addr() string { return a.srv.Listener.Addr().String() }

// connections counts the TCP connections the runtime opened.
func (a *fakeAPI) connections() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.conns
}

func (a *fakeAPI) close() {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.done)
	}
	a.mu.Unlock()
	a.srv.Close()
}

func (a *fakeAPI) enqueue(inv *invocation) {
	a.mu.Lock()
	a.pending[inv.id] = inv
	a.mu.Unlock()
	a.queue <- inv
}

func (a *fakeAPI) next(w http.ResponseWriter, r *http.Request) {
	select {
	case a.nexts <- time.Now():
	default:
	}
	var inv *invocation
	select {
	case inv = <-a.queue:
	case <-r.Context().Done():
		return
	case <-a.done:
		http.Error(w, `{"errorMessage":"shutting down","errorType":"InternalServerError"}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.arn)
	h.Set("Content-Type", "application/json")
	for k, v := range inv.headers {
		h.Set(k, v)
	}
	w.WriteHeader(http.StatusOK)
	w.Write(inv.payload)
}

func (a *fakeAPI) post(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		inv := a.pending[r.PathValue("id")]
		delete(a.pending, r.PathValue("id"))
		a.mu.Unlock()
		if inv == nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`)
			return
		}
		accepted(w)
		inv.result <- apiResult{kind: kind, body: body, header: r.Header.Clone()}
	}
}

func (a *fakeAPI) initError(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	accepted(w)
	a.initErr <- apiResult{kind: "init", body: body, header: r.Header.Clone()}
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

// newRequestID makes a UUID v4, as Lambda request ids are.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

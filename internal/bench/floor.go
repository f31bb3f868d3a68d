package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// floor is the least any platform can do for a warm invoke on this
// machine: an HTTP endpoint that hands the payload to a parked /next of
// the same no-op aws-lambda-go function, run as plain processes, and
// returns what it posts to /response. It has no store, logs, meter, limits
// or isolation. nubo's warm latency minus the floor's is what nubo adds.
type floor struct {
	ln    net.Listener
	srv   *http.Server
	jobs  chan *floorJob
	ids   atomic.Int64
	mu    sync.Mutex
	taken map[string]*floorJob // delivered, not yet answered
	procs []*exec.Cmd          // the warm copies, ended by stop
}

type floorJob struct {
	payload []byte
	answer  chan []byte
}

// startFloor serves the floor on loopback with n copies of the function
// at bin, each parked on /next.
func startFloor(bin string, n int) (*floor, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &floor{ln: ln, jobs: make(chan *floorJob), taken: map[string]*floorJob{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", f.invoke)
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", f.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", f.response)
	f.srv = &http.Server{Handler: mux}
	go f.srv.Serve(ln)
	for range n {
		cmd, err := f.spawn(bin)
		if err != nil {
			f.stop()
			return nil, err
		}
		f.procs = append(f.procs, cmd)
	}
	return f, nil
}

// spawn starts a copy of the function; the caller ends it.
func (f *floor) spawn(bin string) (*exec.Cmd, error) {
	cmd := exec.Command(bin)
	cmd.Env = []string{"AWS_LAMBDA_RUNTIME_API=" + f.ln.Addr().String(), "_HANDLER=bootstrap", "PATH=/usr/bin:/bin"}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd, nil
}

func (f *floor) base() string { return "http://" + f.ln.Addr().String() }

func (f *floor) stop() {
	for _, p := range f.procs {
		p.Process.Kill()
		p.Wait()
	}
	f.srv.Close()
}

func (f *floor) invoke(w http.ResponseWriter, r *http.Request) {
	payload, _ := io.ReadAll(r.Body)
	if out, ok := f.call(r.Context(), payload); ok {
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	}
}

// call hands payload to a parked copy of the function and waits for its
// answer; false when ctx ended first.
func (f *floor) call(ctx context.Context, payload []byte) ([]byte, bool) {
	job := &floorJob{payload: payload, answer: make(chan []byte, 1)}
	select {
	case f.jobs <- job:
	case <-ctx.Done():
		return nil, false
	}
	select {
	case out := <-job.answer:
		return out, true
	case <-ctx.Done():
		return nil, false
	}
}

func (f *floor) next(w http.ResponseWriter, r *http.Request) {
	select {
	case job := <-f.jobs:
		id := strconv.FormatInt(f.ids.Add(1), 10)
		f.mu.Lock()
		f.taken[id] = job
		f.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:noop")
		w.Write(job.payload)
	case <-r.Context().Done():
	}
}

func (f *floor) response(w http.ResponseWriter, r *http.Request) {
	out, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	job := f.taken[r.PathValue("id")]
	delete(f.taken, r.PathValue("id"))
	f.mu.Unlock()
	if job == nil {
		http.Error(w, "unknown request id", http.StatusBadRequest)
		return
	}
	job.answer <- out
	w.WriteHeader(http.StatusAccepted)
}

// measureFloor runs the same warm load against the floor, with as many
// function processes as callers.
func measureFloor(ctx context.Context, bin string, n int, d time.Duration) (Stats, error) {
	f, err := startFloor(bin, n)
	if err != nil {
		return Stats{}, fmt.Errorf("start the floor: %w", err)
	}
	defer f.stop()
	c := newClient(f.base(), n)
	c.load(ctx, "noop", n, min(time.Second, d)) // warm-up, as for nubo
	return c.load(ctx, "noop", n, d), nil
}

// measureFloorColdStarts times n invokes that each start a new copy of the
// function: the process's start, the runtime client's and the exchange.
func measureFloorColdStarts(ctx context.Context, bin string, n int) (Stats, error) {
	var lat []time.Duration
	errors := 0
	for range n {
		d, err := floorColdStart(ctx, bin)
		if err != nil {
			errors++
			continue
		}
		lat = append(lat, d)
	}
	return summarise(lat, errors, 0), nil
}

// floorColdStart times one invoke that starts a new copy of the function, on
// a floor of its own: on a shared one, the last copy's call of /next, still
// waiting when the copy was killed, could take the job and lose it.
func floorColdStart(ctx context.Context, bin string) (time.Duration, error) {
	f, err := startFloor(bin, 0)
	if err != nil {
		return 0, fmt.Errorf("start the floor: %w", err)
	}
	defer f.stop()
	c := newClient(f.base(), 1)
	if err := c.connect(ctx); err != nil {
		return 0, err
	}
	start := time.Now()
	cmd, err := f.spawn(bin)
	if err != nil {
		return 0, err
	}
	f.procs = append(f.procs, cmd) // ended by stop
	if err := c.invoke(ctx, "noop"); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

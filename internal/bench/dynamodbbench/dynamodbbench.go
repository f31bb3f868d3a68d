// Package dynamodbbench measures nubo's DynamoDB end to end beside a peer,
// dynalite 4.0.0 (installed with npm and started on a free loopback port
// by the run): PutItem, GetItem, a Query of 100 items and a 10-item
// TransactWriteItems, each at several concurrencies, with rates, medians
// and 99th percentiles; and the latency from a write to the invocation of
// a function mapped to the table's stream. `nubo bench-dynamodb` prints
// its report.
package dynamodbbench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
	"github.com/nubo-dev/nubo/internal/loadavg"
)

// Options configures a run.
type Options struct {
	Concurrency []int
	Duration    time.Duration
	// Repeat is how many times each row is measured, nubo, the floor and
	// the peer in turn (so that a change in the machine's load touches
	// them alike); the report gives the medians.
	Repeat int
	// DynaliteDir is where dynalite is installed (and found by later
	// runs); "" skips the peer.
	DynaliteDir string
	// Function is the stream scenario's function (sinkfn, zipped); none
	// skips it. Events is how many writes it times.
	Function []byte
	Events   int
	Sandbox  string
	Logf     func(format string, args ...any)
}

// Stats are one scenario's numbers on one server.
type Stats struct {
	Requests, Errors int
	P50, P99         time.Duration
	PerSec           float64
}

// Row is one operation at one concurrency on nubo, its floors and the
// peer.
type Row struct {
	Name        string
	Concurrency int
	Nubo        *Stats
	// Floor is the server floor, Engine its engine part alone (floor.go).
	Floor, Engine *Stats
	Peer          *Stats // nil: not measured (or not supported)
}

// Report is a run's rows, the floor of HTTP alone at each concurrency,
// the machine's load and the stream latency.
type Report struct {
	Rows []Row
	HTTP map[int]*Stats
	// Load is the one-minute load average when each row started and
	// when the run ended (none where /proc/loadavg is missing).
	Load            []float64
	StreamLatencies []time.Duration // sorted
}

var payload = strings.Repeat("x", 100)

// scenario is one operation: op does one request as worker w's n-th.
type scenario struct {
	name       string
	op         func(ctx context.Context, c *client, w, n int) error
	peerDoesIt bool
}

// The scenarios write their requests' JSON by hand and check the answers
// by a look at their bytes: the client shares the machine with the
// servers, and encoding/json's reflection would take CPU from them.
var scenarios = []scenario{
	{"PutItem", func(ctx context.Context, c *client, w, n int) error {
		_, err := c.post(ctx, "PutItem", fmt.Appendf(nil, `{"Item":%s,"TableName":"bench"}`, itemJSON(fmt.Sprintf("p%d-%d", w, n), 0)))
		return err
	}, true},
	{"GetItem", func(ctx context.Context, c *client, w, n int) error {
		out, err := c.post(ctx, "GetItem", fmt.Appendf(nil, `{"Key":{"pk":{"S":"g%d"},"sk":{"N":"0"}},"TableName":"bench"}`, rand.IntN(getItems)))
		if err == nil && !bytes.Contains(out, []byte(payload)) {
			err = fmt.Errorf("GetItem found no item: %s", out)
		}
		return err
	}, true},
	{"Query (100 items)", func(ctx context.Context, c *client, w, n int) error {
		out, err := c.post(ctx, "Query", []byte(`{"ExpressionAttributeValues":{":p":{"S":"q"}},"KeyConditionExpression":"pk = :p","TableName":"bench"}`))
		if err == nil && (!bytes.Contains(out, []byte(`"Count":100`)) || bytes.Count(out, []byte(payload)) != 100) {
			err = fmt.Errorf("Query did not find 100 items: %.200s", out)
		}
		return err
	}, true},
	{"TransactWriteItems (10 puts)", func(ctx context.Context, c *client, w, n int) error {
		body := []byte(`{"TransactItems":[`)
		for i := range 10 {
			if i > 0 {
				body = append(body, ',')
			}
			body = fmt.Appendf(body, `{"Put":{"Item":%s,"TableName":"bench"}}`, itemJSON(fmt.Sprintf("t%d-%d", w, n), i))
		}
		_, err := c.post(ctx, "TransactWriteItems", append(body, "]}"...))
		return err
	}, false},
}

// itemJSON is a benchmark item: its key and a 100-byte payload.
func itemJSON(pk string, sk int) []byte {
	return fmt.Appendf(nil, `{"pk":{"S":%q},"sk":{"N":"%d"},"v":{"S":"%s"}}`, pk, sk, payload)
}

// targets are the servers of a run.
type targets struct {
	nubo, floor, http, peer *client
	engine                  map[string]func(ctx context.Context, w, n int) error
}

// Run starts nubo, the floors (and dynalite) and measures them.
func Run(ctx context.Context, opts Options) (*Report, error) {
	dir, err := os.MkdirTemp("", "nubo-bench-dynamodb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srv, stop, err := bench.StartServer(ctx, dir, bench.ServerOptions{Sandbox: opts.Sandbox})
	if err != nil {
		return nil, err
	}
	defer stop()
	conns := 1
	for _, c := range opts.Concurrency {
		conns = max(conns, c)
	}
	floor, stopFloor, err := startFloor(filepath.Join(dir, "floor"))
	if err != nil {
		return nil, err
	}
	defer stopFloor()
	empty, stopEmpty, err := startFloor("")
	if err != nil {
		return nil, err
	}
	defer stopEmpty()
	t := targets{nubo: newClient(srv.Addr(), conns), floor: newClient(floor.addr, conns), http: newClient(empty.addr, conns), engine: engineScenarios(floor.db)}
	if opts.DynaliteDir != "" {
		cli, err := installDynalite(ctx, opts.DynaliteDir, opts.Logf)
		if err != nil {
			return nil, err
		}
		addr, stopPeer, err := startDynalite(ctx, cli)
		if err != nil {
			return nil, err
		}
		defer stopPeer()
		t.peer = newClient(addr, conns)
	}
	for _, c := range []*client{t.nubo, t.floor, t.peer} {
		if c != nil {
			if err := c.setup(ctx, payload); err != nil {
				return nil, err
			}
		}
	}
	rep := &Report{HTTP: map[int]*Stats{}}
	for _, n := range opts.Concurrency {
		var runs []*Stats
		for range max(opts.Repeat, 1) {
			runs = append(runs, measure(ctx, n, opts.Duration, func(ctx context.Context, _, _ int) error {
				return t.http.call(ctx, "Empty", struct{}{}, nil)
			}))
		}
		rep.HTTP[n] = median(runs)
		opts.Logf("HTTP alone c=%-3d %v", n, rep.HTTP[n])
	}
	for _, sc := range scenarios {
		for _, n := range opts.Concurrency {
			rep.Load = appendLoad(rep.Load)
			row := t.row(ctx, sc, n, opts)
			opts.Logf("%s", FormatRow(row))
			rep.Rows = append(rep.Rows, row)
		}
	}
	rep.Load = appendLoad(rep.Load)
	if len(opts.Function) > 0 && opts.Events > 0 {
		if rep.StreamLatencies, err = streamLatency(ctx, t.nubo, opts.Function, opts.Events); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// row measures sc at concurrency n on every target, opts.Repeat times in
// turn, and keeps the medians.
func (t targets) row(ctx context.Context, sc scenario, n int, opts Options) Row {
	var nubo, floor, engine, peer []*Stats
	on := func(c *client) func(ctx context.Context, w, i int) error {
		return func(ctx context.Context, w, i int) error { return sc.op(ctx, c, w, i) }
	}
	for range max(opts.Repeat, 1) {
		nubo = append(nubo, measure(ctx, n, opts.Duration, on(t.nubo)))
		floor = append(floor, measure(ctx, n, opts.Duration, on(t.floor)))
		engine = append(engine, measure(ctx, n, opts.Duration, t.engine[sc.name]))
		if t.peer != nil && sc.peerDoesIt {
			peer = append(peer, measure(ctx, n, opts.Duration, on(t.peer)))
		}
	}
	return Row{Name: sc.name, Concurrency: n, Nubo: median(nubo), Floor: median(floor), Engine: median(engine), Peer: median(peer)}
}

// measure runs op from n workers for d.
func measure(ctx context.Context, n int, d time.Duration, op func(ctx context.Context, w, i int) error) *Stats {
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				t := time.Now()
				if err := op(ctx, w, i); err != nil {
					if errs.Add(1) == 1 {
						fmt.Fprintln(os.Stderr, "bench-dynamodb:", err)
					}
					continue
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	s := &Stats{Requests: len(lat), Errors: int(errs.Load()), PerSec: float64(len(lat)) / elapsed.Seconds()}
	if len(lat) > 0 {
		s.P50, s.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return s
}

// median is the median of each number of runs (nil for none).
func median(runs []*Stats) *Stats {
	if len(runs) == 0 {
		return nil
	}
	mid := func(f func(*Stats) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		sort.Float64s(v)
		if len(v)%2 == 0 {
			return (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		return v[len(v)/2]
	}
	s := &Stats{PerSec: mid(func(s *Stats) float64 { return s.PerSec }),
		P50: time.Duration(mid(func(s *Stats) float64 { return float64(s.P50) })),
		P99: time.Duration(mid(func(s *Stats) float64 { return float64(s.P99) }))}
	for _, r := range runs {
		s.Requests += r.Requests
		s.Errors += r.Errors
	}
	return s
}

// appendLoad appends the one-minute load average, if the system tells.
func appendLoad(load []float64) []float64 {
	if l, ok := loadavg.Minute(); ok {
		return append(load, l)
	}
	return load
}

// newSink is a local HTTP server the stream function posts its events to.
func newSink() (*httptest.Server, chan struct{}) {
	got := make(chan struct{}, 1024)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- struct{}{}
	})), got
}

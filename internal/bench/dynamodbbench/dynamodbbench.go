// Package dynamodbbench measures nubo's DynamoDB end to end beside a peer,
// dynalite 4.0.0 (installed with npm and started on a free loopback port
// by the run): PutItem, GetItem, a Query of 100 items and a 10-item
// TransactWriteItems, each at several concurrencies, with rates, medians
// and 99th percentiles; and the latency from a write to the invocation of
// a function mapped to the table's stream. `nubo bench-dynamodb` prints
// its report.
package dynamodbbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nubo-dev/nubo/internal/bench"
)

// Options configures a run.
type Options struct {
	Concurrency []int
	Duration    time.Duration
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

// Row is one operation at one concurrency on nubo and the peer.
type Row struct {
	Name        string
	Concurrency int
	Nubo, Peer  *Stats // Peer nil: not measured (or not supported)
}

func (r Row) String() string {
	s := fmt.Sprintf("%-28s c=%-3d nubo %8.0f/s p50 %-9v p99 %-9v", r.Name, r.Concurrency, r.Nubo.PerSec, round(r.Nubo.P50), round(r.Nubo.P99))
	if r.Peer == nil {
		return s + "   dynalite: not supported"
	}
	return s + fmt.Sprintf("   dynalite %7.0f/s p50 %-9v p99 %-9v   %5.1fx", r.Peer.PerSec, round(r.Peer.P50), round(r.Peer.P99), r.Nubo.PerSec/r.Peer.PerSec)
}

func round(d time.Duration) time.Duration {
	if d > time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// Report is a run's rows and the stream latency.
type Report struct {
	Rows            []Row
	StreamLatencies []time.Duration // sorted
}

var payload = strings.Repeat("x", 100)

// scenario is one operation: op does one request as worker w's n-th.
type scenario struct {
	name       string
	op         func(ctx context.Context, c *client, w, n int) error
	peerDoesIt bool
}

var scenarios = []scenario{
	{"PutItem", func(ctx context.Context, c *client, w, n int) error {
		return c.call(ctx, "PutItem", map[string]any{"TableName": "bench", "Item": item(fmt.Sprintf("p%d-%d", w, n), 0, payload)}, nil)
	}, true},
	{"GetItem", func(ctx context.Context, c *client, w, n int) error {
		var out struct{ Item map[string]any }
		err := c.call(ctx, "GetItem", map[string]any{"TableName": "bench", "Key": map[string]av{"pk": {"S": fmt.Sprint("g", rand.IntN(getItems))}, "sk": {"N": "0"}}}, &out)
		if err == nil && out.Item == nil {
			err = fmt.Errorf("GetItem found no item")
		}
		return err
	}, true},
	{"Query (100 items)", func(ctx context.Context, c *client, w, n int) error {
		var out struct{ Count int }
		err := c.call(ctx, "Query", map[string]any{"TableName": "bench", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": map[string]av{":p": {"S": "q"}}}, &out)
		if err == nil && out.Count != 100 {
			err = fmt.Errorf("Query found %d items", out.Count)
		}
		return err
	}, true},
	{"TransactWriteItems (10 puts)", func(ctx context.Context, c *client, w, n int) error {
		items := make([]any, 10)
		for i := range items {
			items[i] = map[string]any{"Put": map[string]any{"TableName": "bench", "Item": item(fmt.Sprintf("t%d-%d", w, n), i, payload)}}
		}
		return c.call(ctx, "TransactWriteItems", map[string]any{"TransactItems": items}, nil)
	}, false},
}

// Run starts nubo (and dynalite) and measures them.
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
	nubo := newClient(srv.Addr(), conns)
	var peer *client
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
		peer = newClient(addr, conns)
	}
	for _, c := range []*client{nubo, peer} {
		if c != nil {
			if err := c.setup(ctx, payload); err != nil {
				return nil, err
			}
		}
	}
	rep := &Report{}
	for _, sc := range scenarios {
		for _, n := range opts.Concurrency {
			row := Row{Name: sc.name, Concurrency: n, Nubo: measure(ctx, nubo, sc, n, opts.Duration)}
			if peer != nil && sc.peerDoesIt {
				row.Peer = measure(ctx, peer, sc, n, opts.Duration)
			}
			opts.Logf("%v", row)
			rep.Rows = append(rep.Rows, row)
		}
	}
	if len(opts.Function) > 0 && opts.Events > 0 {
		if rep.StreamLatencies, err = streamLatency(ctx, nubo, opts.Function, opts.Events); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// measure runs sc from n workers for d.
func measure(ctx context.Context, c *client, sc scenario, n int, d time.Duration) *Stats {
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
				if err := sc.op(ctx, c, w, i); err != nil {
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

// newSink is a local HTTP server the stream function posts its events to.
func newSink() (*httptest.Server, chan struct{}) {
	got := make(chan struct{}, 1024)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- struct{}{}
	})), got
}

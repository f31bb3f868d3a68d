// Package sqsbench measures nubo's SQS and SNS end to end beside a peer and
// a floor, in one run: nubo (nubo serve on loopback, durable: every
// message on disk before it answers), goaws (an emulator that keeps
// messages in memory, built and started by the run) and a bare JetStream
// stream behind an HTTP endpoint storing the same messages (the floor),
// each a process of its own beside the benchmark's client. Each scenario —
// SendMessage, SendMessageBatch, ReceiveMessage with DeleteMessage(Batch),
// FIFO sends and receives, SNS fan-out beside the same sends made directly
// — is measured on each in turn, in AWS JSON 1.0 and the query protocol,
// round after round in a rotating order, so that a machine busy with
// other work weighs on all columns alike; the report gives medians over
// the rounds and the latencies of all. A queue drained by an event source
// mapping into a no-op function is measured last. `nubo bench-sqs` prints
// the report.
package sqsbench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options configures a run.
type Options struct {
	// Concurrency is the number of client connections.
	Concurrency int
	// Duration of each measurement, and Rounds how many times each is
	// made.
	Duration time.Duration
	Rounds   int
	// Backlog is how many messages a receive scenario's queue holds when
	// it starts.
	Backlog int
	// GoawsDir is where goaws is built (and found by later runs); ""
	// skips the peer. NoFloor skips the floor.
	GoawsDir string
	NoFloor  bool
	// Only, when set, measures only the scenario of that name, or if there
	// is none, those whose names contain it (to profile one).
	Only string
	// Events is how many messages the SQS-to-Lambda scenario drains.
	// Function is a zip (custom runtime bootstrap) for that scenario; none
	// skips it.
	Events   int
	Function []byte
	Sandbox  string
	// Binary is the nubo executable: it runs nubo serve and the floor
	// (nubo bench-sqs --serve-floor). Profile, when set, is where nubo
	// serve writes its CPU profile.
	Binary  string
	Profile string
	Logf    func(format string, args ...any)
}

// Report is a run's rows, and the SQS-to-Lambda scenario's result.
type Report struct {
	Rows []Row
	// FanOut and RawFanOut are the median ratios of SNS deliveries (signed
	// envelopes, raw messages) to the same sends made directly, on nubo;
	// PeerFanOut and PeerRawFanOut on goaws.
	FanOut, RawFanOut, PeerFanOut, PeerRawFanOut float64
	Drain                                        *Drain
}

// Run starts nubo, goaws and the floor and measures them.
func Run(ctx context.Context, opts Options) (*Report, error) {
	dir, err := os.MkdirTemp("", "nubo-bench-sqs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	base, nubo, err := startNubo(ctx, opts.Binary, filepath.Join(dir, "data"), opts)
	if err != nil {
		return nil, err
	}
	defer nubo.stop()
	nuboConn := newConn(base, opts.Concurrency)
	targets := []*target{
		{name: "nubo", proto: "JSON", api: newJSONAPI(nuboConn), prefix: "j-", pid: nubo.pid},
		{name: "nubo", proto: "query", api: queryAPI{nuboConn}, prefix: "q-", pid: nubo.pid},
	}
	for _, t := range targets {
		if err := t.setup(ctx, t.proto == "query"); err != nil {
			return nil, err
		}
	}
	if opts.GoawsDir != "" {
		bin, err := installGoaws(ctx, opts.GoawsDir, opts.Logf)
		if err != nil {
			return nil, err
		}
		base, goaws, err := startGoaws(ctx, bin, dir, "g-")
		if err != nil {
			return nil, err
		}
		defer goaws.stop()
		peer := &target{name: "goaws", proto: "query", api: queryAPI{newConn(base, opts.Concurrency)}, prefix: "g-", pid: goaws.pid}
		if err := peer.setup(ctx, false); err != nil {
			return nil, err
		}
		targets = append(targets, peer)
	}
	if !opts.NoFloor {
		base, floor, err := startFloor(ctx, opts.Binary)
		if err != nil {
			return nil, err
		}
		defer floor.stop()
		targets = append(targets, &target{name: "floor", floor: &floorClient{newConn(base, opts.Concurrency)}, pid: floor.pid})
	}
	for _, t := range targets {
		t.conns = opts.Concurrency
	}
	rep, err := runRounds(ctx, targets, opts)
	if err != nil {
		return nil, err
	}
	if len(opts.Function) > 0 && opts.Events > 0 {
		d, err := drain(ctx, nuboConn, opts.Function, opts.Events, opts.Concurrency)
		if err != nil {
			return nil, err
		}
		rep.Drain = &d
	}
	return rep, nil
}

// runRounds measures every scenario on every target, round after round,
// the targets in a different order each round.
func runRounds(ctx context.Context, targets []*target, opts Options) (*Report, error) {
	cells := map[*target][]cell{}
	for _, t := range targets {
		cells[t] = make([]cell, len(scenarios))
	}
	for r := 0; r < opts.Rounds; r++ {
		order := append(append([]*target{}, targets[r%len(targets):]...), targets[:r%len(targets)]...)
		for si, sc := range scenarios {
			if !selected(sc.name, opts.Only) {
				continue
			}
			for _, t := range order {
				t.round = r
				s, ok, err := run(ctx, t, sc, opts)
				if err != nil {
					return nil, err
				}
				if ok {
					cells[t][si].add(s)
					opts.Logf("round %d %-38s %-5s %-6s %8.0f %s", r+1, sc.name, t.proto, t.name, s.perSec(), sc.unit)
				}
			}
		}
	}
	return report(targets, cells), nil
}

// selected reports whether the scenario name is one only asks for.
func selected(name, only string) bool {
	for _, sc := range scenarios {
		if sc.name == only {
			return name == only
		}
	}
	return strings.Contains(name, only)
}

// run measures sc on t once; ok is false when t does not do sc.
func run(ctx context.Context, t *target, sc scenario, opts Options) (s sample, ok bool, err error) {
	logf := func(f string, a ...any) { opts.Logf("%s %s %s: "+f, append([]any{sc.name, t.name, t.proto}, a...)...) }
	if t.floor != nil {
		cpu := cpuTime(t.pid)
		s = measure(ctx, opts.Concurrency, opts.Duration, func(w, i int) (int, error) { return sc.floor(ctx, t.floor, w, i) }, logf)
		s.cpu = cpuTime(t.pid) - cpu
		return s, true, t.floor.reset(ctx)
	}
	if sc.queryOnly && t.proto != "query" {
		return s, false, nil
	}
	if sc.drain {
		if err := t.fill(ctx, sc.queues[0], opts.Backlog); err != nil {
			return s, false, err
		}
	}
	cpu := cpuTime(t.pid)
	s = measure(ctx, opts.Concurrency, opts.Duration, func(w, i int) (int, error) { return sc.op(ctx, t, w, i) }, logf)
	s.cpu = cpuTime(t.pid) - cpu
	if sc.drain {
		t.held[sc.queues[0]] -= s.messages
		return s, true, nil
	}
	return s, true, t.recreate(ctx, sc.queues)
}

// report arranges the cells into rows: a scenario per protocol, nubo
// beside goaws (whose only protocol is query) and the floor.
func report(targets []*target, cells map[*target][]cell) *Report {
	var nubo []*target
	var peer, floor *target
	for _, t := range targets {
		switch t.name {
		case "nubo":
			nubo = append(nubo, t)
		case "goaws":
			peer = t
		case "floor":
			floor = t
		}
	}
	pick := func(t *target, i int) *cell {
		if t == nil || len(cells[t][i].samples) == 0 {
			return nil
		}
		return &cells[t][i]
	}
	rep := &Report{}
	for i, sc := range scenarios {
		for _, t := range nubo {
			if c := pick(t, i); c != nil {
				rep.Rows = append(rep.Rows, Row{Scenario: sc.name, Protocol: t.proto, Unit: sc.unit, Nubo: c, Peer: pick(peer, i), Floor: pick(floor, i)})
			}
		}
	}
	fan, raw, direct := len(scenarios)-3, len(scenarios)-2, len(scenarios)-1
	for _, t := range nubo {
		if t.proto == "query" {
			rep.FanOut, rep.RawFanOut = ratio(pick(t, fan), pick(t, direct)), ratio(pick(t, raw), pick(t, direct))
		}
	}
	rep.PeerFanOut, rep.PeerRawFanOut = ratio(pick(peer, fan), pick(peer, direct)), ratio(pick(peer, raw), pick(peer, direct))
	return rep
}

// Print writes the report as a table.
func (r *Report) Print(opts Options) {
	fmt.Printf("nubo bench-sqs: %d connections, 100-byte messages, %d rounds of %v per measurement (nubo, goaws and the floor in turn), receives from a backlog of %d\n",
		opts.Concurrency, opts.Rounds, opts.Duration, opts.Backlog)
	fmt.Println("rates are medians of the rounds (min-max); latencies p50/p99 of every request; ratios are medians of the rounds' ratios")
	fmt.Println(header())
	for _, row := range r.Rows {
		fmt.Println(row)
	}
	fmt.Printf("SNS fan-out, deliveries/s over the same sends made directly: signed envelopes nubo %s, goaws %s; raw delivery nubo %s, goaws %s\n",
		ratioText(r.FanOut), ratioText(r.PeerFanOut), ratioText(r.RawFanOut), ratioText(r.PeerRawFanOut))
	if r.Drain != nil {
		fmt.Println(r.Drain)
	}
}

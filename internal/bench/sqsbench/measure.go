package sqsbench

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// sample is one measurement: a scenario on a target for one round.
type sample struct {
	requests, messages, errors int
	elapsed                    time.Duration
	latencies                  []time.Duration
	// cpu is the CPU time the server's process used meanwhile.
	cpu time.Duration
}

// cpuPerMessage is the server's CPU time per message.
func (s sample) cpuPerMessage() time.Duration {
	if s.messages == 0 {
		return 0
	}
	return s.cpu / time.Duration(s.messages)
}

func (s sample) perSec() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.messages) / s.elapsed.Seconds()
}

// measure runs op from n workers for d (or until it finds nothing left)
// and records every request's latency. The first error is logged.
func measure(ctx context.Context, n int, d time.Duration, op func(w, i int) (int, error), logf func(string, ...any)) sample {
	var mu sync.Mutex
	var out sample
	var once sync.Once
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			msgs, errs := 0, 0
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				t := time.Now()
				k, err := op(w, i)
				lat = append(lat, time.Since(t))
				if err != nil {
					errs++
					once.Do(func() { logf("error: %v", err) })
					continue
				}
				if k == 0 {
					break // nothing left to receive
				}
				msgs += k
			}
			mu.Lock()
			out.latencies = append(out.latencies, lat...)
			out.messages += msgs
			out.errors += errs
			out.requests += len(lat)
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	return out
}

// cell is a scenario's numbers on one target over every round.
type cell struct {
	samples []sample
}

func (c *cell) add(s sample) { c.samples = append(c.samples, s) }

// rate is the median rate of the rounds, and the lowest and highest.
func (c *cell) rate() (median, lo, hi float64) {
	if len(c.samples) == 0 {
		return 0, 0, 0
	}
	rates := make([]float64, len(c.samples))
	for i, s := range c.samples {
		rates[i] = s.perSec()
	}
	sort.Float64s(rates)
	return medianOf(rates), rates[0], rates[len(rates)-1]
}

// latency is the p50 and p99 of every request of every round.
func (c *cell) latency() (p50, p99 time.Duration) {
	var all []time.Duration
	for _, s := range c.samples {
		all = append(all, s.latencies...)
	}
	if len(all) == 0 {
		return 0, 0
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all[len(all)/2], all[len(all)*99/100]
}

// cpu is the median over the rounds of the server's CPU time per message.
func (c *cell) cpu() time.Duration {
	var ds []float64
	for _, s := range c.samples {
		ds = append(ds, float64(s.cpuPerMessage()))
	}
	sort.Float64s(ds)
	if len(ds) == 0 {
		return 0
	}
	return time.Duration(medianOf(ds))
}

func (c *cell) errors() int {
	n := 0
	for _, s := range c.samples {
		n += s.errors
	}
	return n
}

// ratio is the median over the rounds of c's rate over d's in the same
// round, 0 when either was not measured.
func ratio(c, d *cell) float64 {
	if c == nil || d == nil {
		return 0
	}
	var rs []float64
	for i := 0; i < len(c.samples) && i < len(d.samples); i++ {
		if r := d.samples[i].perSec(); r > 0 {
			rs = append(rs, c.samples[i].perSec()/r)
		}
	}
	if len(rs) == 0 {
		return 0
	}
	sort.Float64s(rs)
	return medianOf(rs)
}

func medianOf(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// describe formats a cell: median rate (range), p50 and p99.
func (c *cell) describe() string {
	if c == nil || len(c.samples) == 0 {
		return fmt.Sprintf("%-58s", "-")
	}
	m, lo, hi := c.rate()
	p50, p99 := c.latency()
	s := fmt.Sprintf("%7.0f (%.0f-%.0f) p50 %v p99 %v cpu %v", m, lo, hi, round(p50), round(p99), c.cpu().Round(100*time.Nanosecond))
	if e := c.errors(); e > 0 {
		s += fmt.Sprintf(" errors %d", e)
	}
	return fmt.Sprintf("%-58s", s)
}

func ratioText(r float64) string {
	if r == 0 {
		return "    -"
	}
	return fmt.Sprintf("%5.2fx", r)
}

// Row is one scenario in one protocol on nubo, the peer and the floor.
type Row struct {
	Scenario, Protocol, Unit string
	Nubo, Peer, Floor        *cell
}

func (r Row) String() string {
	return fmt.Sprintf("%-38s %-5s %-12s | %s | %s | %s | %s | %s", r.Scenario, r.Protocol, r.Unit,
		r.Nubo.describe(), r.Peer.describe(), r.Floor.describe(), ratioText(ratio(r.Nubo, r.Peer)), ratioText(ratio(r.Nubo, r.Floor)))
}

// header is the table's heading, its columns aligned with Row.String.
func header() string {
	return fmt.Sprintf("%-38s %-5s %-12s | %-58s | %-58s | %-58s | %-6s | %-6s", "scenario", "proto", "unit",
		"nubo (durable): median (min-max) latency", "goaws "+goawsVersion+" (in memory)", "JetStream floor (bare stream)", "/goaws", "/floor") +
		"\n" + strings.Repeat("-", 38+1+5+1+12+3*61+2*9+3)
}

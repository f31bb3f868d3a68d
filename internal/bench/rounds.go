package bench

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/nubo-dev/nubo/internal/server"
)

// measurements holds every round's measurements.
type measurements struct {
	warm, floor, second map[int][]Stats
	cold, coldFloor     []Stats
}

// measureRounds takes opts.Rounds of the warm and cold measurements: at
// each concurrency the floor's first, then c's and u's in turn (see
// compare); then the floor's cold starts and c's.
func measureRounds(ctx context.Context, opts Options, c, u *client, bin string, zipped []byte) (*measurements, error) {
	r := &measurements{warm: map[int][]Stats{}, floor: map[int][]Stats{}, second: map[int][]Stats{}}
	for round := range max(opts.Rounds, 1) {
		for _, n := range opts.Concurrencies {
			f, err := measureFloor(ctx, bin, n, opts.Duration)
			if err != nil {
				return nil, err
			}
			opts.Logf("floor c=%-3d   %v", n, f)
			w, un := compare(ctx, c, u, n, opts.Duration)
			opts.Logf("warm c=%-3d    %v", n, w)
			opts.Logf("%s c=%-3d %v", cmp.Or(opts.Versus, "no-auth"), n, un)
			r.floor[n] = append(r.floor[n], f)
			r.warm[n] = append(r.warm[n], w)
			r.second[n] = append(r.second[n], un)
		}
		if opts.ColdStarts == 0 {
			continue
		}
		f, err := measureFloorColdStarts(ctx, bin, opts.ColdStarts)
		if err != nil {
			return nil, err
		}
		opts.Logf("floor cold    %v", f)
		cold, err := c.coldStarts(ctx, zipped, fmt.Sprintf("cold-%d-", round), opts.ColdStarts)
		if err != nil {
			return nil, err
		}
		opts.Logf("cold          %v", cold)
		r.coldFloor, r.cold = append(r.coldFloor, f), append(r.cold, cold)
	}
	return r, nil
}

// second starts the second server and deploys the same function on it,
// for compare: one on the driver opts.Versus names, or else one that
// verifies no signature (--auth none; it authorises every request as the
// root).
func second(ctx context.Context, dir string, zipped []byte, opts Options) (*client, func(), error) {
	so := ServerOptions{Sandbox: opts.Versus}
	if opts.Versus == "" {
		so = ServerOptions{Sandbox: opts.Sandbox, Auth: server.AuthNone}
	}
	srv, stop, err := StartServer(ctx, filepath.Join(dir, "second"), so)
	if err != nil {
		return nil, nil, err
	}
	u := newClient("http://"+srv.Addr(), 64)
	u.memoryMB = opts.MemoryMB
	if err := u.deploy(ctx, "noop", zipped); err != nil {
		stop()
		return nil, nil, err
	}
	return u, stop, nil
}

// compare measures warm invokes at concurrency n on the server c calls
// and on the second one u calls (see Options.Versus), alternately in short rounds (A B B A A B ...) so that the
// machine's drift and noise weigh on both alike. The client signs for both.
func compare(ctx context.Context, c, u *client, n int, d time.Duration) (warm, unverified Stats) {
	warmUp := min(time.Second, d) // starts n environments
	c.load(ctx, "noop", n, warmUp)
	u.load(ctx, "noop", n, warmUp)
	var a, b run
	round := d / compareRounds
	invokeOn := func(cl *client) func(context.Context) error {
		return func(ctx context.Context) error { return cl.invoke(ctx, "noop") }
	}
	for i := range compareRounds {
		if i%2 == 0 {
			a.add(ctx, n, round, invokeOn(c))
			b.add(ctx, n, round, invokeOn(u))
		} else {
			b.add(ctx, n, round, invokeOn(u))
			a.add(ctx, n, round, invokeOn(c))
		}
	}
	return a.stats(), b.stats()
}

// compareRounds is how many rounds each server gets at a concurrency.
const compareRounds = 8

// medians is the report of the n rounds' medians.
func (r *measurements) medians(n int) *Report {
	rep := &Report{Warm: map[int]Stats{}, Floor: map[int]Stats{}, Second: map[int]Stats{}, Rounds: n}
	for c, s := range r.warm {
		rep.Warm[c], rep.Floor[c], rep.Second[c] = median(s), median(r.floor[c]), median(r.second[c])
	}
	rep.Cold, rep.ColdFloor = median(r.cold), median(r.coldFloor)
	return rep
}

// median is the median of each figure of ss (the lower of the middle two
// for an even count); errors are summed.
func median(ss []Stats) Stats {
	var out Stats
	if len(ss) == 0 {
		return out
	}
	mid := func(f func(Stats) float64) float64 {
		v := make([]float64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		sort.Float64s(v)
		return v[(len(v)-1)/2]
	}
	out.N = int(mid(func(s Stats) float64 { return float64(s.N) }))
	out.P50 = time.Duration(mid(func(s Stats) float64 { return float64(s.P50) }))
	out.P99 = time.Duration(mid(func(s Stats) float64 { return float64(s.P99) }))
	out.PerSec = mid(func(s Stats) float64 { return s.PerSec })
	out.CPU = time.Duration(mid(func(s Stats) float64 { return float64(s.CPU) }))
	for _, s := range ss {
		out.Errors += s.Errors
	}
	return out
}

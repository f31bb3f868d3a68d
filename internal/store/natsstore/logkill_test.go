package natsstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/store/natsstore/natstest"
	"github.com/nubo-dev/nubo/internal/testnet"
)

// logKillEnv, set, makes TestClusterLogKillChild node 1 of the cluster
// TestClusterLogRewriteKill9 runs: "dir routes listen seed from".
const logKillEnv = "NUBO_LOGKILL_CHILD"

// logKillOp is the i-th operation of node 1 in TestClusterLogRewriteKill9.
func logKillOp(seed uint64, i int) store.Row {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	key := fmt.Sprintf("n0.0.%d", rng.IntN(60))
	if rng.IntN(4) == 0 {
		return store.Row{Key: key}
	}
	return store.Row{Key: key, Value: fmt.Appendf(nil, "%d %0200d", i, i)}
}

// TestClusterLogKillChild is node 1: it applies its operations from
// "from" on, printing each once stored, rewriting the log often, until
// it is killed.
func TestClusterLogKillChild(t *testing.T) {
	args := strings.Fields(os.Getenv(logKillEnv))
	if len(args) != 5 {
		t.Skip("run by TestClusterLogRewriteKill9")
	}
	seed, _ := strconv.ParseUint(args[3], 10, 64)
	from, _ := strconv.Atoi(args[4])
	opts := natstest.Options(args[0], strings.Split(args[1], ","), 0)
	opts.Listen, opts.WriteTimeout = args[2], 3*time.Second
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := natstest.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	natsstore.SetLogRewrite(s, 16<<10, 5*time.Second)
	ctx := context.Background()
	tb, err := s.LogTable(ctx, "CKILL9", "ckill9")
	if err != nil {
		t.Fatal(err)
	}
	for i := from; ; i++ {
		if err := tb.Write(logKillOp(seed, i)).Wait(ctx); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("%d\n", i)
	}
}

// TestClusterLogRewriteKill9 kills node 1 of three with SIGKILL at random
// points while all three write to a log table rewritten every few dozen
// kilobytes (so that kills land in rewrites, the killed node's own or
// another's), and checks after each kill, on the two left, and after its
// restart, on all three, that the log holds exactly the stored writes: the
// one node 1 had in flight either way, nothing lost, nothing deleted back.
func TestClusterLogRewriteKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	natstest.SkipRace(t)
	dir := t.TempDir()
	ports := testnet.Ports(t, 6)
	routes := strings.Join(ports[:3], ",")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	tbs := make([]store.Table, 3)
	var wg sync.WaitGroup
	for i := 1; i < 3; i++ {
		opts := natstest.Options(dir, ports[:3], i)
		opts.Listen, opts.WriteTimeout = ports[3+i], 3*time.Second
		wg.Go(func() {
			s, err := natstest.Open(opts)
			if err != nil {
				t.Error(err)
				return
			}
			t.Cleanup(s.Close)
			natsstore.SetLogRewrite(s, 16<<10, 5*time.Second)
			tb, err := s.LogTable(context.Background(), "CKILL9", "ckill9")
			if err != nil {
				t.Error(err)
				return
			}
			tbs[i] = tb
		})
	}
	m := &logModel{rows: map[string]string{}}
	child := map[string]string{}
	next := 0
	for cycle := 0; cycle < 4; cycle++ {
		c := startLogKillChild(t, fmt.Sprintf("%s %s %s %d %d", dir, routes, ports[3], seed, next))
		if cycle == 0 {
			wg.Wait() // nodes 2 and 3 open while node 1 does: each waits for a majority
			if tbs[1] == nil || tbs[2] == nil {
				t.Fatal("nodes 2 and 3 did not start")
			}
		}
		// All three write, and the log is rewritten, until node 1 dies.
		after := time.Duration(2000+rng.IntN(6000)) * time.Millisecond
		m.during(t, tbs, func() error { return c.writing(after) })
		done := c.kill()
		for ; next < done; next++ {
			applyRow(child, logKillOp(seed, next))
		}
		// The next child starts with the operation in flight again.
		inflight := logKillOp(seed, next)
		checkKilled(t, tbs[1:], m, child, inflight, fmt.Sprintf("cycle %d, after op %d", cycle, next))
	}
	t.Logf("%d operations of node 1, %d of the others", next, m.ops)
}

func applyRow(m map[string]string, r store.Row) {
	if len(r.Value) == 0 {
		delete(m, r.Key)
	} else {
		m[r.Key] = string(r.Value)
	}
}

// checkKilled compares each table's rows with the model's (the others')
// and child's, but for inflight's row.
func checkKilled(t *testing.T, tbs []store.Table, m *logModel, child map[string]string, inflight store.Row, when string) {
	t.Helper()
	m.mu.Lock()
	want := make(map[string]string, len(m.rows)+len(child))
	for k, v := range m.rows {
		want[k] = v
	}
	m.mu.Unlock()
	for k, v := range child {
		want[k] = v
	}
	holds := func(key, v string, ok bool) bool {
		if w, wok := want[key]; ok == wok && v == w {
			return true
		}
		m.mu.Lock()
		_, unsure := m.maybe[key]
		allowed := unsure && m.allows(key, v, ok)
		m.mu.Unlock()
		return allowed || key == inflight.Key && ok == (len(inflight.Value) > 0) && v == string(inflight.Value)
	}
	for i, tb := range tbs {
		got := map[string]string{}
		if err := tb.Scan(context.Background(), "", func(r store.Row) bool {
			got[r.Key] = string(r.Value)
			return true
		}); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		for k, w := range want {
			if v, ok := got[k]; !holds(k, v, ok) {
				t.Fatalf("%s: table %d: row %s is %.20q (present %v), want %.20q", when, i, k, v, ok, w)
			}
		}
		for k, v := range got {
			if !holds(k, v, true) {
				t.Fatalf("%s: table %d: row %s is back after its deletion", when, i, k)
			}
		}
	}
}

// logKillChild is node 1 running in a child process.
type logKillChild struct {
	cmd   *exec.Cmd
	first chan struct{} // closed when it reports its first operation
	done  chan int      // how many operations it reported stored in all
}

// startLogKillChild starts node 1 with args.
func startLogKillChild(t *testing.T, args string) *logKillChild {
	t.Helper()
	c := &logKillChild{cmd: exec.Command(os.Args[0], "-test.run=^TestClusterLogKillChild$", "-test.count=1"),
		first: make(chan struct{}), done: make(chan int, 1)}
	c.cmd.Env = append(os.Environ(), logKillEnv+"="+args)
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stderr = os.Stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done, _ := strconv.Atoi(strings.Fields(args)[4])
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if i, err := strconv.Atoi(sc.Text()); err == nil {
				if done == i {
					select {
					case <-c.first:
					default:
						close(c.first)
					}
				}
				done = i + 1
			}
		}
		c.cmd.Wait()
		c.done <- done
	}()
	return c
}

// writing waits until the child writes (a minute at most), then for d.
func (c *logKillChild) writing(d time.Duration) error {
	select {
	case <-c.first:
	case <-time.After(time.Minute):
		return errors.New("node 1 stored nothing in a minute")
	}
	time.Sleep(d)
	return nil
}

// kill kills the child and returns how many operations it reported.
func (c *logKillChild) kill() int {
	c.cmd.Process.Signal(syscall.SIGKILL)
	return <-c.done
}

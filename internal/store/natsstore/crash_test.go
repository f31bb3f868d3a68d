package natsstore

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
	"syscall"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// The crash tests run this test binary as a child process (with
// crashChildEnv set) that writes to a store, and kill it with SIGKILL.
const crashChildEnv = "NUBO_NATSSTORE_CRASH_CHILD"

// tableOp is the i-th operation of a seeded sequence on 1000 keys (100 for
// a log table, which is rewritten when most of it is overwritten, so that
// kills land in rewrites): a write (of a value naming i) or, one time in
// three, a deletion.
func tableOp(seed uint64, i int, log bool) store.Row {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	keys := 1000
	if log {
		keys = 100
	}
	key := store.Key("k", strconv.Itoa(rng.IntN(keys)))
	if rng.IntN(3) == 0 {
		return store.Row{Key: key}
	}
	return store.Row{Key: key, Value: fmt.Appendf(make([]byte, 0, 8<<10), "%d %08000d", i, i)}
}

// TestTableCrashChild is the child: it applies the operations from
// NUBO_CRASH_FROM on, printing the index of each once stored, and idles
// now and then long enough for background work (marker purges) to finish.
// Given NUBO_CRASH_KILL_AT, it kills itself once that operation is in the
// table and before it is in the bucket.
func TestTableCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("run by TestTableDeletesSurviveKill9")
	}
	seed, _ := strconv.ParseUint(os.Getenv("NUBO_CRASH_SEED"), 10, 64)
	from, _ := strconv.Atoi(os.Getenv("NUBO_CRASH_FROM"))
	killAt, err := strconv.Atoi(os.Getenv("NUBO_CRASH_KILL_AT"))
	if err != nil {
		killAt = -1
	}
	ctx := context.Background()
	s, err := Open(ctx, Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite often, so that kills land in rewrites.
	s.compactAt, s.logCompactAt = 50, 256<<10
	log := os.Getenv("NUBO_CRASH_LOG") != ""
	tb, err := crashTable(s, log)
	if err != nil {
		t.Fatal(err)
	}
	scanAll(t, tb, "") // counts the markers, as a user's start does
	kv, err := s.KV(ctx, "crashkv")
	if err != nil {
		t.Fatal(err)
	}
	for i := from; ; i++ {
		op := tableOp(seed, i, log)
		if err := tb.Write(op).Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if i == killAt {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
		// The same operation on a KV bucket, whose deletions must last too.
		if len(op.Value) == 0 {
			err = kv.Delete(ctx, op.Key)
		} else {
			_, err = kv.Put(ctx, op.Key, op.Value)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		fmt.Printf("%d\n", i)
		if i%500 == 499 {
			time.Sleep(1500 * time.Millisecond)
		}
	}
}

// crashTable opens the table of the crash tests, kept per key or as a log.
func crashTable(s *Store, log bool) (store.Table, error) {
	if log {
		return s.LogTable(context.Background(), "CRASHLOG", "crashlog")
	}
	return s.Table(context.Background(), "CRASH", "crash")
}

// TestTableDeletesSurviveKill9 kills a writer of a table and a KV bucket at
// random points (while it writes and while it idles) and checks after each
// kill that both hold exactly what the stored operations left: a deleted
// row or key stays deleted, however many crashes follow. NUBO_CRASH_SEED
// replays a seed's operations and kill delays (not where the kills land).
func TestTableDeletesSurviveKill9(t *testing.T) {
	testDeletesSurviveKill9(t, false)
}

// TestLogTableDeletesSurviveKill9 is the same for a table kept as a log,
// rewritten every megabyte or so, so that kills land in rewrites.
func TestLogTableDeletesSurviveKill9(t *testing.T) {
	testDeletesSurviveKill9(t, true)
}

func testDeletesSurviveKill9(t *testing.T, log bool) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	dir := t.TempDir()
	seed, err := strconv.ParseUint(os.Getenv("NUBO_CRASH_SEED"), 10, 64)
	if err != nil {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	want := map[string]string{}
	next := 0
	for cycle := 0; cycle < 6; cycle++ {
		// The first child dies between a table write and a bucket write,
		// a window the random kills seldom hit; the others at random.
		killAt, after := 10+rng.IntN(200), time.Duration(300+rng.IntN(2500))*time.Millisecond
		if cycle == 0 {
			after = 0
		} else {
			killAt = -1
		}
		done := runCrashChild(t, dir, seed, next, log, killAt, after)
		for ; next < done; next++ {
			apply(want, tableOp(seed, next, log))
		}
		// The child reports an operation once both the table and the
		// bucket stored it, so the one after the last reported may be in
		// neither, in the table only, or in both. The next child starts
		// with it again: a value written or a key deleted twice leaves
		// what it leaves once.
		inflight := tableOp(seed, next, log)
		s := openTest(t, dir)
		err := checkTable(s, log, want, inflight)
		if err == nil {
			err = checkKV(s, want, inflight)
		}
		s.Close()
		if err != nil {
			t.Fatalf("cycle %d, after op %d: %v", cycle, next, err)
		}
	}
	t.Logf("%d operations", next)
}

// holds reports whether a key's stored state (v, or none when !ok) is the
// one the reported operations left (want), or the one the operation in
// flight leaves.
func holds(want map[string]string, inflight store.Row, key, v string, ok bool) bool {
	if w, wok := want[key]; ok == wok && v == w {
		return true
	}
	return key == inflight.Key && ok == (len(inflight.Value) > 0) && v == string(inflight.Value)
}

// checkTable compares the table's rows with want, but for inflight's row.
func checkTable(s *Store, log bool, want map[string]string, inflight store.Row) error {
	ctx := context.Background()
	tb, err := crashTable(s, log)
	if err != nil {
		return err
	}
	got := map[string]string{}
	err = tb.Scan(ctx, "", func(r store.Row) bool {
		got[r.Key] = string(r.Value)
		return true
	})
	if err != nil {
		return err
	}
	for k, w := range want {
		if v, ok := got[k]; !holds(want, inflight, k, v, ok) {
			return fmt.Errorf("row %s is %.20q (present %v), want %.20q", k, v, ok, w)
		}
	}
	for k, v := range got {
		if !holds(want, inflight, k, v, true) {
			return fmt.Errorf("row %s is back after its deletion", k)
		}
	}
	return nil
}

// checkKV compares the KV bucket with want, but for inflight's key.
func checkKV(s *Store, want map[string]string, inflight store.Row) error {
	ctx := context.Background()
	kv, err := s.KV(ctx, "crashkv")
	if err != nil {
		return err
	}
	keys, err := kv.Keys(ctx, "")
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	for _, k := range keys {
		if _, ok := want[k]; ok {
			continue // checked below
		}
		e, err := kv.Get(ctx, k)
		if err != nil {
			return fmt.Errorf("kv key %s is listed, but: %w", k, err)
		}
		if !holds(want, inflight, k, string(e.Value), true) {
			return fmt.Errorf("kv key %s is back after its deletion", k)
		}
	}
	for k, w := range want {
		e, err := kv.Get(ctx, k)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if !holds(want, inflight, k, string(e.Value), err == nil) {
			return fmt.Errorf("kv key %s: %.20q, %v; want %.20q", k, e.Value, err, w)
		}
	}
	return nil
}

func apply(m map[string]string, r store.Row) {
	if len(r.Value) == 0 {
		delete(m, r.Key)
	} else {
		m[r.Key] = string(r.Value)
	}
}

// runCrashChild runs the child from operation from on, kills it after
// after (when not 0) or lets it kill itself at operation killAt, and
// returns how many operations it reported stored in all.
func runCrashChild(t *testing.T, dir string, seed uint64, from int, log bool, killAt int, after time.Duration) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTableCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, "NUBO_CRASH_SEED="+strconv.FormatUint(seed, 10),
		"NUBO_CRASH_FROM="+strconv.Itoa(from), "NUBO_CRASH_KILL_AT="+strconv.Itoa(killAt))
	if log {
		cmd.Env = append(cmd.Env, "NUBO_CRASH_LOG=1")
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if after > 0 {
		timer := time.AfterFunc(after, func() { cmd.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	}
	done := from
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if i, err := strconv.Atoi(sc.Text()); err == nil {
			done = i + 1
		}
	}
	cmd.Wait()
	return done
}

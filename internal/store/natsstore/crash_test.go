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

// tableOp is the i-th operation of a seeded sequence on 300 keys: a write
// (of a value naming i) or, one time in three, a deletion.
func tableOp(seed uint64, i int) store.Row {
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	key := store.Key("k", strconv.Itoa(rng.IntN(1000)))
	if rng.IntN(3) == 0 {
		return store.Row{Key: key}
	}
	return store.Row{Key: key, Value: fmt.Appendf(make([]byte, 0, 8<<10), "%d %08000d", i, i)}
}

// TestTableCrashChild is the child: it applies the operations from
// NUBO_CRASH_FROM on, printing the index of each once stored, and idles
// now and then long enough for background work (marker purges) to finish.
func TestTableCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("run by TestTableDeletesSurviveKill9")
	}
	seed, _ := strconv.ParseUint(os.Getenv("NUBO_CRASH_SEED"), 10, 64)
	from, _ := strconv.Atoi(os.Getenv("NUBO_CRASH_FROM"))
	ctx := context.Background()
	s, err := Open(ctx, Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.compactAt = 50 // rewrite shards often, so that kills land in rewrites
	tb, err := s.Table(ctx, "CRASH", "crash")
	if err != nil {
		t.Fatal(err)
	}
	scanAll(t, tb, "") // counts the markers, as a user's start does
	kv, err := s.KV(ctx, "crashkv")
	if err != nil {
		t.Fatal(err)
	}
	for i := from; ; i++ {
		op := tableOp(seed, i)
		if err := tb.Write(op).Wait(ctx); err != nil {
			t.Fatal(err)
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

// TestTableDeletesSurviveKill9 kills a writer of a table and a KV bucket at
// random points (while it writes and while it idles) and checks after each
// kill that both hold exactly what the stored operations left: a deleted
// row or key stays deleted, however many crashes follow.
func TestTableDeletesSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	want := map[string]string{}
	next := 0
	for cycle := 0; cycle < 6; cycle++ {
		done := runCrashChild(t, dir, seed, next, time.Duration(300+rng.IntN(2500))*time.Millisecond)
		for ; next < done; next++ {
			apply(want, tableOp(seed, next))
		}
		// The operation after the last one reported may have been stored.
		maybe := tableOp(seed, next)
		s := openTest(t, dir)
		tb, err := s.Table(context.Background(), "CRASH", "crash")
		if err != nil {
			t.Fatal(err)
		}
		got := scanAll(t, tb, "")
		before := want[maybe.Key]
		if string(got[maybe.Key]) != want[maybe.Key] {
			apply(want, maybe)
			next++
		}
		checkKV(t, s, want, maybe.Key, before)
		s.Close()
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("cycle %d, after op %d: row %s is %.20q, want %.20q", cycle, next, k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Fatalf("cycle %d, after op %d: row %s is back after its deletion", cycle, next, k)
			}
		}
	}
	t.Logf("%d operations", next)
}

// checkKV compares the KV bucket with want; the key maybe may also hold
// before (its last operation may not have reached the bucket).
func checkKV(t *testing.T, s *Store, want map[string]string, maybe, before string) {
	t.Helper()
	ctx := context.Background()
	kv, err := s.KV(ctx, "crashkv")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.Keys(ctx, "")
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, ok := want[k]; !ok && !(k == maybe && before != "") {
			t.Fatalf("kv key %s is back after its deletion", k)
		}
	}
	for k, v := range want {
		e, err := kv.Get(ctx, k)
		if k == maybe && (err == nil && string(e.Value) == before || errors.Is(err, store.ErrNotFound) && before == "") {
			continue
		}
		if err != nil || string(e.Value) != v {
			t.Fatalf("kv key %s: %.20q, %v; want %.20q", k, e.Value, err, v)
		}
	}
}

func apply(m map[string]string, r store.Row) {
	if len(r.Value) == 0 {
		delete(m, r.Key)
	} else {
		m[r.Key] = string(r.Value)
	}
}

// runCrashChild runs the child from operation from on, kills it after
// after, and returns how many operations it reported stored in all.
func runCrashChild(t *testing.T, dir string, seed uint64, from int, after time.Duration) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTableCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, "NUBO_CRASH_SEED="+strconv.FormatUint(seed, 10), "NUBO_CRASH_FROM="+strconv.Itoa(from))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(after, func() { cmd.Process.Signal(syscall.SIGKILL) })
	defer timer.Stop()
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

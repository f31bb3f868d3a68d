package control_test

import (
	"archive/zip"
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/control"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

var scope = lambda.Scope{Account: "000000000000", Region: "us-east-1"}

// newService runs a control plane on a store of its own.
func newService(t testing.TB) *control.Service {
	t.Helper()
	return newServiceOver(t, func(kv store.KV) store.KV { return kv })
}

// newServiceOver runs a control plane on a store of its own, whose KV
// wrap wraps.
func newServiceOver(t testing.TB, wrap func(store.KV) store.KV) *control.Service {
	t.Helper()
	return newNodes(t, 1, wrap)[0]
}

// newNodes runs n control planes on one store of their own, as the nodes of
// a cluster run them: each extracts code to its own directory and, when
// there are several, follows the others' writes.
func newNodes(t testing.TB, n int, wrap func(store.KV) store.KV) []*control.Service {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: filepath.Join(dir, "store")})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		st.Close()
	})
	kv, err := st.KV(ctx, "functions")
	if err != nil {
		t.Fatal(err)
	}
	objects, err := st.Objects(ctx, "code")
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]*control.Service, n)
	for i := range nodes {
		codeDir := filepath.Join(dir, "code", strconv.Itoa(i))
		s := control.New(wrap(kv), code.NewPackages(objects, codeDir), control.Options{Account: scope.Account})
		wg.Go(func() { s.Run(ctx) })
		if n > 1 {
			if err := s.Follow(ctx, kv.(store.Watchable)); err != nil {
				t.Fatal(err)
			}
		}
		nodes[i] = s
	}
	return nodes
}

// create creates a provided.al2023 function and waits until it is Active.
func create(t testing.TB, s *control.Service, name string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bootstrap")
	w.Write([]byte("#!/bin/sh\n"))
	zw.Close()
	runtime, handler, role := "provided.al2023", "bootstrap", "arn:aws:iam::000000000000:role/r"
	if _, err := s.CreateFunction(context.Background(), scope, &lambda.CreateFunctionInput{FunctionName: name,
		FunctionSettings: lambda.FunctionSettings{Runtime: &runtime, Handler: &handler, Role: &role},
		Code:             &lambda.FunctionCode{ZipFile: buf.Bytes()}}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		if _, err := s.Resolve(context.Background(), scope, lambda.FunctionRef{Name: name}); err == nil {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("%s never became Active: %v", name, err)
		}
	}
}

// TestResolveReservedTotal checks that the sum of reservations Resolve gives
// (cached) follows every write that changes a reservation, and only those
// drop it.
func TestResolveReservedTotal(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	create(t, s, "a")
	create(t, s, "b")
	check := func(step string, want int) {
		t.Helper()
		target, err := s.Resolve(ctx, scope, lambda.FunctionRef{Name: "b"})
		if err != nil {
			t.Fatal(err)
		}
		if target.ReservedTotal != want {
			t.Errorf("%s: ReservedTotal %d; want %d", step, target.ReservedTotal, want)
		}
	}
	reserve := func(name string, n int) {
		t.Helper()
		if _, err := s.PutFunctionConcurrency(ctx, scope, lambda.FunctionRef{Name: name}, &n); err != nil {
			t.Fatal(err)
		}
	}
	check("no reservation", 0)
	reserve("a", 50)
	check("a reserves 50", 50)
	create(t, s, "c")
	check("c created", 50)
	reserve("a", 70)
	check("a reserves 70", 70)
	if err := s.DeleteFunctionConcurrency(ctx, scope, lambda.FunctionRef{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	check("a's reservation deleted", 0)
	reserve("a", 30)
	reserve("c", 5)
	check("a reserves 30, c 5", 35)
	if err := s.DeleteFunction(ctx, scope, lambda.FunctionRef{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	check("a deleted", 5)
}

// TestFollowReservedTotal: a reservation made on one node of a cluster
// changes the sum of reservations the other gives its invokes.
func TestFollowReservedTotal(t *testing.T) {
	ctx := context.Background()
	nodes := newNodes(t, 2, func(kv store.KV) store.KV { return kv })
	a, b := nodes[0], nodes[1]
	create(t, a, "f")
	ref := lambda.FunctionRef{Name: "f"}
	if _, err := b.Resolve(ctx, scope, ref); err != nil { // b caches the sum
		t.Fatal(err)
	}
	n := 40
	if _, err := a.PutFunctionConcurrency(ctx, scope, ref, &n); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		target, err := b.Resolve(ctx, scope, ref)
		if err != nil {
			t.Fatal(err)
		}
		if target.ReservedTotal == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other node's ReservedTotal is %d; want %d", target.ReservedTotal, n)
		}
	}
}

// BenchmarkResolve is the invoke path's read of a warm function: cached.
func BenchmarkResolve(b *testing.B) {
	s := newService(b)
	create(b, s, "f")
	ref := lambda.FunctionRef{Name: "f"}
	for b.Loop() {
		if _, err := s.Resolve(context.Background(), scope, ref); err != nil {
			b.Fatal(err)
		}
	}
}

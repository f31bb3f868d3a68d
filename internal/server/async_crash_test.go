package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// collector counts the events a function reports.
type collector struct {
	mu   sync.Mutex
	seen map[string]int
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.seen[string(body)]++
	c.mu.Unlock()
}

func (c *collector) counts() (unique, total int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.seen {
		total += n
	}
	return len(c.seen), total
}

// nuboProcess is nubo running as its own process, to be killed with -9.
type nuboProcess struct {
	cmd  *exec.Cmd
	addr string
}

func startProcess(t *testing.T, bin, dir, addr string) *nuboProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data-dir", dir, "--sandbox", "process", "--async-retry-delays", "100ms,200ms")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &nuboProcess{cmd: cmd, addr: addr}
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			if err := ensureRole(context.Background(), addr, "nubo-test", allowAll); err != nil {
				t.Fatal(err)
			}
			return p
		}
		if time.Now().After(deadline) {
			t.Fatal("nubo did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *nuboProcess) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
	}
}

// TestAsyncSurvivesKill9 queues 10,000 events, kills nubo with SIGKILL
// while it works through them, restarts it on the same data directory, and
// checks that every event ran at least once.
func TestAsyncSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	const events = 10000
	dir := t.TempDir()
	bin := filepath.Join(dir, "nubo")
	build := exec.Command("go", "build", "-o", bin, "./cmd/nubo")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build nubo: %v\n%s", err, out)
	}
	col := &collector{seen: map[string]int{}}
	srv := httptest.NewServer(col)
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	p := startProcess(t, bin, filepath.Join(dir, "data"), addr)
	client := lambdaClient(addr, region)
	ctx := context.Background()
	in := createInput(t, "durable")
	in.Code.ZipFile = goFunctionZip(t)
	in.Environment = &types.Environment{Variables: map[string]string{"COLLECTOR": srv.URL}}
	if _, err := client.CreateFunction(ctx, in); err != nil {
		t.Fatal(err)
	}
	w := lambda.NewFunctionActiveV2Waiter(client, fastActive)
	if err := w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("durable")}, waitLimit); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("durable"),
		ReservedConcurrentExecutions: aws.Int32(8)}); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, events)
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < events; i += 32 {
				_, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("durable"), InvocationType: types.InvocationTypeEvent,
					Payload: []byte(fmt.Sprintf(`{"op":"report","value":"event-%d"}`, i))})
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("enqueue: %v", err)
	}
	t.Logf("queued %d events in %v", events, time.Since(start))

	waitCount(t, col, 500, time.Minute)
	p.kill()
	before, _ := col.counts()
	t.Logf("killed nubo with -9 after %d events ran", before)
	startProcess(t, bin, filepath.Join(dir, "data"), addr)
	waitCount(t, col, events, 3*time.Minute)
	unique, total := col.counts()
	t.Logf("after restart: %d distinct events ran, %d runs in all: %d duplicates", unique, total, total-unique)
	fmt.Printf("async kill -9 test: %d events, none lost, %d duplicates\n", unique, total-unique)
}

func waitCount(t *testing.T, c *collector, want int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		unique, _ := c.counts()
		if unique >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d events ran within %v", unique, want, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

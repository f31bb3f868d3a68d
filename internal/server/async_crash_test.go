package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/nubo-dev/nubo/internal/testnet"
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

// TestAsyncSurvivesKill9 queues 10,000 events, kills nubo with SIGKILL
// while it works through them, restarts it on the same data directory, and
// checks that every event ran at least once.
func TestAsyncSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	t.Parallel()
	const events = 10000
	dir := t.TempDir()
	bin := nuboBinary(t)
	col := &collector{seen: map[string]int{}}
	srv := httptest.NewServer(col)
	defer srv.Close()
	addr := testnet.Addr(t)

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

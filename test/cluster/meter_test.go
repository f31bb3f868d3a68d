package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/meter"
)

// unstoredSlack bounds the invocations of rec that ran on the killed node
// and that its meter had not stored when it died: those in flight (their
// records written, their REPORT not yet) and those of its last write-behind
// window (50 ms).
const unstoredSlack = 300

// unrecordedRuns bounds the runs of rec that neither the records nor the
// kill step count: the HTTP API's routes' (follow_test.go), a few.
const unrecordedRuns = 50

// billAfterKill checks, after the kill, that nubo cost bills rec the same
// through both survivors: every run the records show (the asynchronous
// events, on every node) and every synchronous invocation of the kill
// step, less at most what the killed node had not stored, and no more
// than those, the synchronous ones that failed and unrecordedRuns.
func (f *fixture) billAfterKill(t *testing.T) {
	if f.killed == 0 {
		t.Skip("no node was killed")
	}
	recorded, onKilled := 0, 0
	for value, runs := range f.read(t) {
		if strings.HasPrefix(value, "ev-") || strings.HasPrefix(value, "hello-rec-") {
			recorded += len(runs)
			for _, r := range runs {
				if r.node == f.killed {
					onKilled++
				}
			}
		}
	}
	ok := 0
	for _, r := range f.syncResults {
		if r.err == nil {
			ok++
		}
	}
	least, most := int64(recorded+ok-unstoredSlack), int64(recorded+len(f.syncResults)+unrecordedRuns)
	survivors := f.h.nodes[:2]
	deadline := time.Now().Add(20 * time.Second)
	for {
		var bills []int64
		for _, nd := range survivors {
			n, err := f.h.billedRequests(nd, "rec")
			if err != nil {
				t.Fatalf("nubo cost through %s: %v", nd.name, err)
			}
			bills = append(bills, n)
		}
		what := fmt.Sprintf("rec billed %v requests through n1 and n2; %d runs recorded (%d on the killed node), %d synchronous invocations (%d failed)",
			bills, recorded, onKilled, len(f.syncResults), len(f.syncResults)-ok)
		if bills[0] == bills[1] && bills[0] >= least && bills[0] <= most {
			t.Log(what)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: want the same through both, from %d to %d", what, least, most)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// billedRequests is the requests nubo cost through nd bills fn this
// month (and last month too, should the test have run across a month's
// end).
func (h *harness) billedRequests(nd *node, fn string) (int64, error) {
	var total int64
	months := []string{meter.Month(time.Now())}
	if last := meter.Month(time.Now().Add(-15 * time.Minute)); last != months[0] {
		months = append(months, last)
	}
	for _, month := range months {
		cmd := exec.Command("ip", "netns", "exec", h.nw.client, h.bin, "cost", "--json", "--function", fn, "--month", month, "--addr", nd.addr())
		cmd.Env = append(os.Environ(), "NUBO_ROOT_ACCESS_KEY_ID="+rootKey, "NUBO_ROOT_SECRET_ACCESS_KEY="+rootSecret)
		out, err := cmd.Output()
		if err != nil {
			return 0, fmt.Errorf("%w: %s", err, out)
		}
		var r meter.Report
		if err := json.Unmarshal(out, &r); err != nil {
			return 0, err
		}
		total += r.Requests
	}
	return total, nil
}

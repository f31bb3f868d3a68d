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

// billAfterKill checks, after the kill, that nubo cost bills rec the same
// through every survivor and at least every run the records show (the
// asynchronous events and every node's invocations, on the killed node
// too), less what the killed node had not stored. The runs the records do
// not show (the synchronous load's, the routes') only add to the bill.
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
		agree := bills[0] == bills[1]
		if agree && bills[0] >= int64(recorded-unstoredSlack) {
			t.Logf("rec billed %d requests through n1 and n2; %d runs recorded (%d on the killed node)", bills[0], recorded, onKilled)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rec billed %v requests through n1 and n2, want the same, at least %d runs recorded (%d on the killed node) less %d",
				bills, recorded, onKilled, unstoredSlack)
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

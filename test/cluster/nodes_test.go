package cluster

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The root's credentials every node is started with: the nodes listen on
// addresses that are not loopback, so the default secret is refused.
const (
	rootKey    = "AKIACLUSTERTEST00001"
	rootSecret = "cluster-test-secret-not-the-default"
	apiPort    = "4566"
	routePort  = "6222"
)

// node is one nubo serve, in its namespace.
type node struct {
	i    int
	name string
	ns   string
	dir  string
	log  *os.File
	cmd  *exec.Cmd
	exit chan struct{} // closed when cmd ended
}

func (n *node) addr() string { return nodeIP(n.i) + ":" + apiPort }

// harness is the cluster under test and the client's view of it.
type harness struct {
	t     testing.TB
	nw    *network
	bin   string // the nubo binary
	work  string
	nodes []*node
	http  *http.Client
}

// build compiles nubo and the test function (a zip) into dir.
func build(t testing.TB, dir string) (bin string, zipped []byte) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(dir, "nubo")
	for _, b := range [][]string{{"-o", bin, "./cmd/nubo"}, {"-o", filepath.Join(dir, "bootstrap"), "./internal/engine/testdata/fn"}} {
		cmd := exec.Command("go", append([]string{"build"}, b...)...)
		cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v: %s", b, err, out)
		}
	}
	fn, err := os.ReadFile(filepath.Join(dir, "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err == nil {
		_, err = w.Write(fn)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return bin, buf.Bytes()
}

func newHarness(t testing.TB, n int, bin, work string) *harness {
	h := &harness{t: t, nw: newNetwork(t, n), bin: bin, work: work}
	h.http = &http.Client{Transport: &http.Transport{DialContext: h.nw.dial, MaxIdleConnsPerHost: 64}}
	t.Cleanup(func() {
		for _, nd := range h.nodes {
			h.stop(nd)
		}
		h.keepLogs()
	})
	for i := range n {
		h.nodes = append(h.nodes, &node{i: i, name: fmt.Sprintf("n%d", i+1), ns: h.nw.nodes[i],
			dir: filepath.Join(work, fmt.Sprintf("n%d", i+1))})
	}
	return h
}

// start starts node nd (again) and returns once it answers.
func (h *harness) start(nd *node) {
	h.t.Helper()
	h.launch(nd)
	h.waitUp(nd)
}

// launch starts node nd's process.
func (h *harness) launch(nd *node) {
	h.t.Helper()
	var peers []string
	for j := range h.nodes {
		if j != nd.i {
			peers = append(peers, nodeIP(j)+":"+routePort)
		}
	}
	log, err := os.OpenFile(filepath.Join(h.work, nd.name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		h.t.Fatal(err)
	}
	nd.log = log
	nd.cmd = exec.Command("ip", "netns", "exec", nd.ns, h.bin, "serve", "--addr", nd.addr(), "--data-dir", nd.dir,
		"--cluster", "--node-name", nd.name, "--cluster-listen", nodeIP(nd.i)+":"+routePort,
		"--cluster-peers", strings.Join(peers, ","), "--cluster-token", "route-secret",
		"--sandbox", "process", "--root-access-key-id", rootKey, "--root-secret-access-key", rootSecret,
		"--log-level", "info")
	nd.cmd.Stdout, nd.cmd.Stderr = log, log
	if err := nd.cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	nd.exit = make(chan struct{})
	go func(cmd *exec.Cmd, exit chan struct{}) { cmd.Wait(); close(exit) }(nd.cmd, nd.exit)
}

// waitUp waits until node nd answers HTTP.
func (h *harness) waitUp(nd *node) {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+nd.addr()+"/", nil)
		resp, err := h.http.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-nd.exit:
			h.t.Fatalf("node %s exited while starting; its log: %s", nd.name, h.tail(nd))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("node %s did not answer within 60 s; its log: %s\nwhere it starts: %s", nd.name, h.tail(nd), h.stack(nd))
		}
	}
}

// kill kills node nd with SIGKILL (ip netns exec execs nubo: the process
// is nubo's).
func (h *harness) kill(nd *node) {
	nd.cmd.Process.Signal(syscall.SIGKILL)
	<-nd.exit
	nd.log.Close()
}

// stop ends node nd gracefully if it runs.
func (h *harness) stop(nd *node) {
	if nd.cmd == nil {
		return
	}
	select {
	case <-nd.exit:
		return
	default:
	}
	nd.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-nd.exit:
	case <-time.After(15 * time.Second):
		nd.cmd.Process.Kill()
		<-nd.exit
	}
	nd.log.Close()
}

// stack makes node nd, which is stuck, print its goroutines and end, and
// returns the stack of its main goroutine (where it is stuck starting).
func (h *harness) stack(nd *node) string {
	nd.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-nd.exit:
	case <-time.After(10 * time.Second):
		return "(no goroutine dump)"
	}
	b, _ := os.ReadFile(filepath.Join(h.work, nd.name+".log"))
	_, dump, ok := strings.Cut(string(b), "\ngoroutine 1 ")
	if !ok {
		return "(no goroutine dump)"
	}
	main, _, _ := strings.Cut(dump, "\n\n")
	return "goroutine 1 " + main
}

// keepLogs copies the nodes' logs of a failed test into the directory
// NUBO_CLUSTER_LOGS names, if set (the work directory is removed).
func (h *harness) keepLogs() {
	dir := os.Getenv("NUBO_CLUSTER_LOGS")
	if dir == "" || !h.t.Failed() {
		return
	}
	os.MkdirAll(dir, 0o755)
	for _, nd := range h.nodes {
		if b, err := os.ReadFile(filepath.Join(h.work, nd.name+".log")); err == nil {
			os.WriteFile(filepath.Join(dir, nd.name+".log"), b, 0o644)
		}
	}
	h.t.Logf("the nodes' logs are in %s", dir)
}

// tail is the end of nd's log.
func (h *harness) tail(nd *node) string {
	b, _ := os.ReadFile(filepath.Join(h.work, nd.name+".log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (h *harness) config(nd *node) aws.Config {
	return aws.Config{Region: "us-east-1", HTTPClient: h.http, Retryer: func() aws.Retryer { return aws.NopRetryer{} },
		Credentials:  credentials.NewStaticCredentialsProvider(rootKey, rootSecret, ""),
		BaseEndpoint: aws.String("http://" + nd.addr())}
}

func (h *harness) lambda(nd *node) *lambda.Client { return lambda.NewFromConfig(h.config(nd)) }
func (h *harness) sqs(nd *node) *sqs.Client       { return sqs.NewFromConfig(h.config(nd)) }
func (h *harness) iam(nd *node) *iam.Client       { return iam.NewFromConfig(h.config(nd)) }

// status is nubo cluster status --json, run in the client's namespace.
type status struct {
	Node  string `json:"node"`
	Nodes []struct {
		Name string `json:"name"`
		Live bool   `json:"live"`
	} `json:"nodes"`
}

func (h *harness) status(nd *node) (status, error) {
	cmd := exec.Command("ip", "netns", "exec", h.nw.client, h.bin, "cluster", "status", "--json", "--addr", nd.addr())
	cmd.Env = append(os.Environ(), "NUBO_ROOT_ACCESS_KEY_ID="+rootKey, "NUBO_ROOT_SECRET_ACCESS_KEY="+rootSecret)
	out, err := cmd.Output()
	if err != nil {
		return status{}, fmt.Errorf("nubo cluster status: %w: %s", err, out)
	}
	var st status
	err = json.Unmarshal(out, &st)
	return st, err
}

// live lists the nodes nd sees alive.
func (h *harness) live(nd *node) []string {
	st, err := h.status(nd)
	if err != nil {
		return nil
	}
	var names []string
	for _, m := range st.Nodes {
		if m.Live {
			names = append(names, m.Name)
		}
	}
	return names
}

// waitLive waits until every node in on sees exactly want alive.
func (h *harness) waitLive(on []*node, want string, within time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok := true
		for _, nd := range on {
			if got := strings.Join(h.live(nd), ","); got != want {
				ok = false
				if time.Now().After(deadline) {
					h.t.Fatalf("node %s sees %q alive, want %q", nd.name, got, want)
				}
			}
		}
		if ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

package sqsbench

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// goawsModule is the peer nubo is compared with: goaws, an SQS and SNS
// emulator in Go that keeps messages in memory. It speaks the query
// protocol only.
const (
	goawsModule  = "github.com/Admiral-Piett/goaws"
	goawsVersion = "v0.4.5"
)

// installGoaws builds goaws's main (app/cmd) into dir with go install, once
// (a later run finds it there), outside nubo's module so that nubo does not
// depend on it. It returns the binary.
func installGoaws(ctx context.Context, dir string, logf func(string, ...any)) (string, error) {
	bin := filepath.Join(dir, "cmd")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	logf("building goaws %s into %s", goawsVersion, dir)
	cmd := exec.CommandContext(ctx, "go", "install", goawsModule+"/app/cmd@"+goawsVersion)
	// A temporary directory outside any module, so that go install
	// resolves goaws's own go.mod and nubo's stays untouched.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install goaws: %v\n%s", err, out)
	}
	return bin, nil
}

// goawsConfig is goaws's configuration: nubo's account and region, the
// queues the scenarios use and the fan-out topic with its subscriptions.
func goawsConfig(port, prefix string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Local:\n  Host: 127.0.0.1\n  Port: %s\n  Region: us-east-1\n  AccountId: \"%s\"\n  LogToFile: false\n", port, account)
	b.WriteString("  QueueAttributeDefaults:\n    VisibilityTimeout: 30\n    ReceiveMessageWaitTimeSeconds: 0\n    MaximumMessageSize: 262144\n")
	b.WriteString("  Queues:\n")
	for _, q := range queueNames() {
		fmt.Fprintf(&b, "    - Name: %s%s\n", prefix, q)
	}
	b.WriteString("  Topics:\n")
	for _, topic := range []string{fanoutTopic, rawTopic} {
		fmt.Fprintf(&b, "    - Name: %s%s\n      Subscriptions:\n", prefix, topic)
		for _, q := range fanoutQueues() {
			fmt.Fprintf(&b, "        - QueueName: %s%s\n          Raw: %v\n", prefix, q, topic == rawTopic)
		}
	}
	b.WriteString("  RandomLatency:\n    Min: 0\n    Max: 0\n")
	return b.String()
}

// startGoaws runs goaws on a free loopback port with its configuration in
// dir.
func startGoaws(ctx context.Context, bin, dir, prefix string) (base string, c child, err error) {
	addr, err := freeAddr()
	if err != nil {
		return "", c, err
	}
	_, port, _ := net.SplitHostPort(addr)
	cfg := filepath.Join(dir, "goaws.yaml")
	if err := os.WriteFile(cfg, []byte(goawsConfig(port, prefix)), 0o644); err != nil {
		return "", c, err
	}
	// goaws logs every message it stores; its output is discarded.
	cmd := exec.Command(bin, "-config", cfg, "Local")
	cmd.Dir = dir
	base = "http://" + addr
	c, err = startChild(ctx, "goaws", base, cmd)
	return base, c, err
}

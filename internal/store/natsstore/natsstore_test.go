package natsstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/testnet"
)

func openTest(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestKeyRoundTrip(t *testing.T) {
	for _, tok := range []string{"", "a", "$LATEST", "a.b=c", "ünï", "x y/z"} {
		k := store.Key("p", tok)
		if got := store.SplitKey(k)[1]; got != tok {
			t.Errorf("round trip %q: got %q (key %q)", tok, got, k)
		}
	}
}

// An embedded server that listens (--nats-listen) refuses clients without
// the token of its data directory, which only nubo's user can read.
func TestListenNeedsToken(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	addr := testnet.Addr(t)
	s, err := Open(ctx, Options{Dir: dir, Listen: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.KV(ctx, "kv"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, TokenFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, info.Mode().Perm())
	}
	if nc, err := nats.Connect("nats://"+addr, nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("a client without the token was let in")
	}
	if nc, err := nats.Connect("nats://"+addr, nats.Token("not-the-token"), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("a client with a wrong token was let in")
	}
	token, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect("nats://"+addr, nats.Token(strings.TrimSpace(string(token))))
	if err != nil {
		t.Fatalf("a client with the token: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.KeyValue(ctx, "kv"); err != nil {
		t.Fatalf("a client with the token cannot use JetStream: %v", err)
	}

	// The same token after a restart; a token file others can read is
	// refused.
	s.Close()
	s2, err := Open(ctx, Options{Dir: dir, Listen: addr})
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if s3, err := Open(ctx, Options{Dir: dir, Listen: addr}); err == nil {
		s3.Close()
		t.Fatal("a token file readable by others was accepted")
	}
}

// A replicated bucket's leader reports some stale updates with code 10164,
// which nats.go does not map to ErrKeyExists: they are ErrRevision too.
func TestUpdateErrorOfAReplicatedBucket(t *testing.T) {
	stale := fmt.Errorf("%w: %w", &jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamWrongLastSequenceConstant},
		jetstream.ErrKeyRevisionMismatch)
	if err := updateError(stale); !errors.Is(err, store.ErrRevision) {
		t.Errorf("updateError(10164) = %v, want ErrRevision", err)
	}
}

// An address in use is reported at once, not after nats-server's
// readiness timeout.
func TestListenAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	start := time.Now()
	_, err = Open(context.Background(), Options{Dir: t.TempDir(), Listen: ln.Addr().String()})
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("open on a port in use: %v, want EADDRINUSE", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the refusal took %v", d)
	}
}

package linux

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestPID1Reproducible rebuilds the init program from its assembly and
// compares it with the embedded binary.
func TestPID1Reproducible(t *testing.T) {
	for _, tool := range []string{"as", "ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs GNU binutils (%s)", tool)
		}
	}
	out := filepath.Join(t.TempDir(), "pid1")
	if b, err := exec.Command("sh", "pid1/build.sh", out).CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, pid1Binary) {
		t.Fatal("pid1/pid1_amd64.bin is stale: run pid1/build.sh")
	}
}

// TestStartRequestEncoding decodes a request the way PID 1 reads it.
func TestStartRequestEncoding(t *testing.T) {
	req := startRequest{
		uid: 1000042, gid: 1000043, path: "/var/task/bootstrap", dir: "/var/task",
		argv:   []string{"/var/task/bootstrap", "--flag", ""},
		env:    []string{"A=1", "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001"},
		filter: []unix.SockFilter{{Code: 0x20, Jt: 1, Jf: 2, K: 4}, {Code: 6, K: 0x7fff0000}},
	}
	buf, err := req.encode()
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	u32 := func(off int) int { return int(le.Uint32(buf[off:])) }
	cstr := func(off int) string { return string(buf[off : off+bytes.IndexByte(buf[off:], 0)]) }
	list := func(off int) []string {
		var out []string
		for ; le.Uint64(buf[off:]) != 0; off += 8 {
			out = append(out, cstr(int(le.Uint64(buf[off:]))))
		}
		return out
	}
	if u32(0) != req.uid || u32(4) != req.gid || cstr(u32(8)) != req.path || cstr(u32(12)) != req.dir {
		t.Errorf("header: uid %d gid %d path %q dir %q", u32(0), u32(4), cstr(u32(8)), cstr(u32(12)))
	}
	if got := list(u32(16)); strings.Join(got, "|") != strings.Join(req.argv, "|") {
		t.Errorf("argv %q", got)
	}
	if got := list(u32(20)); strings.Join(got, "|") != strings.Join(req.env, "|") {
		t.Errorf("env %q", got)
	}
	// Every slot PID 1 relocates lies in the slot region; argv and env
	// with their terminators fill it.
	if u32(24) != u32(16) || u32(28) != len(req.argv)+1+len(req.env)+1 {
		t.Errorf("slots at %d, %d of them", u32(24), u32(28))
	}
	f := buf[u32(36):]
	if u32(32) != 2 || le.Uint16(f) != 0x20 || f[2] != 1 || f[3] != 2 || le.Uint32(f[4:]) != 4 || le.Uint32(f[12:]) != 0x7fff0000 {
		t.Errorf("filter: %d entries, % x", u32(32), f[:16])
	}

	big := startRequest{argv: []string{strings.Repeat("x", maxRequest)}}
	if _, err := big.encode(); err == nil {
		t.Error("an oversized request encoded")
	}
}

func TestParseMessage(t *testing.T) {
	m, err := parseMessage([]byte{'E', 0, 0, 0, 9, 0, 0, 0, 2, 0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got := startError(m).Error(); got != "exec: no such file or directory" {
		t.Errorf("got %q", got)
	}
	if _, err := parseMessage([]byte{'X'}); err == nil {
		t.Error("a short message parsed")
	}
}

// TestStartErrors checks that Start reports what os/exec would.
func TestStartErrors(t *testing.T) {
	d := sharedDriver(t)
	root := taskRoot(t, map[string]string{"script": "#!/bin/sh\necho from-path\n"})
	os.Chmod(filepath.Join(root, "script"), 0o644)
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"/var/task/missing"}, "start /var/task/missing: exec: no such file or directory"},
		{[]string{"/var/task/script"}, "start /var/task/script: exec: permission denied"},
		{[]string{"no-such-command"}, "start no-such-command: executable file not found in $PATH"},
		{[]string{"sh", "-c", "echo found"}, ""},
	} {
		e := create(t, d, root, 128, 64)
		err := e.sb.Start(tc.argv, baseEnv)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.argv, err)
			} else if e.wait(t, 20*time.Second); e.out.String() != "found\n" {
				t.Errorf("%q: output %q", tc.argv, e.out.String())
			}
			continue
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v, want %q", tc.argv, err, tc.want)
		}
	}
}

// TestStartAnswerBeforeExit gives Start the worst ordering of the start
// handshake: PID 1 has answered the start request and the process has
// already exited (and PID 1 with it) before Start looks. Start must still
// report PID 1's answer: exec's error, or success for a bootstrap that
// exits at once (whose exit the engine then reports). Each case runs a
// few times because, while both were ready, the answer used to win only
// half of the time.
func TestStartAnswerBeforeExit(t *testing.T) {
	d := sharedDriver(t)
	root := taskRoot(t, nil)
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"/var/task/missing"}, "exec: no such file or directory"},
		{[]string{"/bin/sh", "-c", "exit 3"}, ""},
	} {
		for range 8 {
			e := create(t, d, root, 128, 64)
			b := e.sb.(*box)
			b.mu.Lock()
			b.started = true
			b.mu.Unlock()
			if err := b.sendStart(tc.argv[0], tc.argv, baseEnv); err != nil {
				t.Fatal(err)
			}
			<-b.done
			err := b.awaitStart()
			if got := fmt.Sprint(err); (tc.want == "" && err != nil) || (tc.want != "" && got != tc.want) {
				t.Fatalf("%q: got %v, want %q", tc.argv, err, tc.want)
			}
			if tc.want == "" && e.sb.Exit().Code != 3 {
				t.Fatalf("%q: exit %v", tc.argv, e.sb.Exit())
			}
		}
	}
}

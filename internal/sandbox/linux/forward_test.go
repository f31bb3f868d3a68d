package linux

import (
	"os"
	"path/filepath"
	"testing"
)

// Two nubos share the host's forwarding: the first turns it on after its
// rules are in, the last puts it back; a record a killed nubo left still
// says what the host had.
func TestForwardingShared(t *testing.T) {
	dir := t.TempDir()
	record, sysctl := filepath.Join(dir, "record"), filepath.Join(dir, "ip_forward")
	set := func(v string) {
		if err := os.WriteFile(sysctl, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	get := func() string {
		b, _ := os.ReadFile(sysctl)
		return string(b[:1])
	}
	// enable checks that install runs while forwarding is still as it
	// was (at installing, when this nubo is the one to turn it on), and
	// returns whether the rules were told forwarding was off.
	enable := func(atInstall string) (*forwarding, bool) {
		t.Helper()
		installed, wasOff := false, false
		fw, err := enableForwarding(record, sysctl, func(off bool) error {
			if got := get(); got != atInstall {
				t.Errorf("forwarding %s while the rules went in, want %s", got, atInstall)
			}
			installed, wasOff = true, off
			return nil
		})
		if err != nil || !installed {
			t.Fatalf("enable: %v, rules installed %v", err, installed)
		}
		return fw, wasOff
	}

	set("0")
	a, aOff := enable("0")
	b, bOff := enable("1")
	if get() != "1" || !aOff || !bOff {
		t.Fatalf("forwarding %s, was off %v %v; want 1, true true", get(), aOff, bOff)
	}
	if err := a.release(); err != nil || get() != "1" {
		t.Fatalf("after the first release: %s, %v; want it still on", get(), err)
	}
	if err := b.release(); err != nil || get() != "0" {
		t.Fatalf("after the last release: %s, %v; want it back off", get(), err)
	}

	// On before nubo: left on.
	set("1")
	if c, off := enable("1"); off || c.release() != nil || get() != "1" {
		t.Fatalf("forwarding on before: was off %v, now %s", off, get())
	}

	// A nubo killed with forwarding on left its record.
	set("1")
	if err := os.WriteFile(record, []byte("0"), 0o600); err != nil {
		t.Fatal(err)
	}
	if d, off := enable("1"); !off || d.release() != nil || get() != "0" {
		t.Fatalf("after a killed nubo: was off %v, now %s; want true, 0", off, get())
	}
}

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
	// was (at installing, when this nubo is the one to turn it on).
	enable := func(atInstall string) *forwarding {
		t.Helper()
		installed := false
		fw, err := enableForwarding(record, sysctl, func(bool) error {
			if got := get(); got != atInstall {
				t.Errorf("forwarding %s while the rules went in, want %s", got, atInstall)
			}
			installed = true
			return nil
		})
		if err != nil || !installed {
			t.Fatalf("enable: %v, rules installed %v", err, installed)
		}
		return fw
	}

	set("0")
	a := enable("0")
	b := enable("1")
	if get() != "1" || !a.wasOff || !b.wasOff {
		t.Fatalf("forwarding %s, was off %v %v; want 1, true true", get(), a.wasOff, b.wasOff)
	}
	if err := a.release(); err != nil || get() != "1" {
		t.Fatalf("after the first release: %s, %v; want it still on", get(), err)
	}
	if err := b.release(); err != nil || get() != "0" {
		t.Fatalf("after the last release: %s, %v; want it back off", get(), err)
	}

	// On before nubo: left on.
	set("1")
	if c := enable("1"); c.wasOff || c.release() != nil || get() != "1" {
		t.Fatalf("forwarding on before: was off %v, now %s", c.wasOff, get())
	}

	// A nubo killed with forwarding on left its record.
	set("1")
	if err := os.WriteFile(record, []byte("0"), 0o600); err != nil {
		t.Fatal(err)
	}
	if d := enable("1"); !d.wasOff || d.release() != nil || get() != "0" {
		t.Fatalf("after a killed nubo: was off %v, now %s; want true, 0", d.wasOff, get())
	}
}

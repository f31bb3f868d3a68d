package loadavg

import "testing"

func TestMinute(t *testing.T) {
	load, ok := Minute()
	if !ok || load < 0 {
		t.Fatalf("Minute() = %v, %v on Linux", load, ok)
	}
	if Above(1e9) {
		t.Error("a load average over a billion times the CPUs")
	}
}

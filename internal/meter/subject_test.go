package meter

import (
	"slices"
	"testing"
)

// FuzzSubject checks that splitSubject gives back the node and tokens of
// every subject a Meter writes, whatever its node, region and function.
func FuzzSubject(f *testing.F) {
	f.Add("n1", "us-east-1", "fn", "2026-03")
	f.Add("", "eu-west-1", "node", "2026-12")
	f.Add("node", "a.b", "x>y *", "2026-01")
	f.Fuzz(func(t *testing.T, node, region, function, month string) {
		if month == nodeToken || month == "" {
			return // months are "2006-01"
		}
		for _, tokens := range [][]string{{month, region, function}, {month, region, "s3", function}} {
			gotNode, got := splitSubject(subject(node, tokens...))
			if want := append([]string{Prefix}, tokens...); gotNode != node || !slices.Equal(got, want) {
				t.Fatalf("subject(%q, %q) splits into %q, %q", node, tokens, gotNode, got)
			}
		}
	})
}

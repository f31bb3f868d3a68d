package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/awserr"
)

func TestKey(t *testing.T) {
	for _, tt := range []struct {
		tokens []string
		want   string
	}{
		{[]string{"logs", "/aws/lambda/fn", "2026/01/01/[$LATEST]ab"}, "logs.=2Faws=2Flambda=2Ffn.2026=2F01=2F01=2F=5B=24LATEST=5Dab"},
		{[]string{"f", "us-east-1", "my_fn"}, "f.us-east-1.my_fn"},
		{[]string{"", "a.b"}, "=.a=2Eb"},
	} {
		if got := Key(tt.tokens...); got != tt.want {
			t.Errorf("Key(%q) = %q; want %q", tt.tokens, got, tt.want)
		}
	}
}

// FuzzKey checks that SplitKey undoes Key for any tokens, and that a key
// holds only the characters NATS subjects allow in a token, and dots.
func FuzzKey(f *testing.F) {
	f.Add("logs", "/aws/lambda/fn", "2026/01/01/[$LATEST]ab")
	f.Add("", "=", "a.b")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		k := Key(a, b, c)
		for i := 0; i < len(k); i++ {
			if !plainByte(k[i]) && k[i] != '.' && k[i] != '=' {
				t.Fatalf("Key(%q, %q, %q) = %q holds %q", a, b, c, k, k[i])
			}
		}
		if got := SplitKey(k); !slices.Equal(got, []string{a, b, c}) {
			t.Errorf("SplitKey(Key(%q, %q, %q)) = %q", a, b, c, got)
		}
	})
}

func TestUnavailableGivesItsReason(t *testing.T) {
	err := fmt.Errorf("put f: %w", Unavailable("this node is cut off"))
	if !errors.Is(err, ErrUnavailable) {
		t.Fatal("errors.Is does not find ErrUnavailable")
	}
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Code != awserr.ServiceUnavailable || !strings.Contains(ae.Message, "this node is cut off") {
		t.Fatalf("errors.As finds %v", ae)
	}
}

package iam

import (
	"bytes"
	"testing"
)

func testKeyring(t testing.TB) *keyring {
	k, err := newKeyring(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := testKeyring(t)
	want := &session{Account: acct, Role: "arn:aws:iam::123456789012:role/r", Name: "s", Issued: 1, Expires: 2, Salt: "x"}
	token := must(k.seal("ASIAEXAMPLE", want))
	tests := []struct {
		name, id, token string
		ok              bool
	}{
		{"as sealed", "ASIAEXAMPLE", token, true},
		{"another key id", "ASIAOTHER", token, false},
		{"a changed byte", "ASIAEXAMPLE", token[:20] + string(token[20]^1) + token[21:], false},
		{"not base64", "ASIAEXAMPLE", "!!!", false},
		{"empty", "ASIAEXAMPLE", "", false},
	}
	for _, tt := range tests {
		got, ok := k.open(tt.id, tt.token)
		if ok != tt.ok || ok && (got.Role != want.Role || got.Expires != want.Expires) {
			t.Errorf("%s: open = %+v, %v; want ok %v", tt.name, got, ok, tt.ok)
		}
	}
	other, _ := newKeyring(bytes.Repeat([]byte{8}, 32))
	if _, ok := other.open("ASIAEXAMPLE", token); ok {
		t.Errorf("a token opened under another server key")
	}
	if a, b := k.secret("AKIA1", "salt"), k.secret("AKIA2", "salt"); a == b || len(a) != 40 {
		t.Errorf("secrets %q and %q", a, b)
	}
}

func FuzzOpenToken(f *testing.F) {
	k := testKeyring(f)
	f.Add("ASIAEXAMPLE", must(k.seal("ASIAEXAMPLE", &session{Account: acct, Salt: "s"})))
	f.Add("ASIA", "AQ==")
	f.Fuzz(func(t *testing.T, id, token string) {
		if s, ok := k.open(id, token); ok && s == nil {
			t.Fatal("opened to nothing")
		}
	})
}

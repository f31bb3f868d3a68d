package console

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"testing"
)

// vendored are the files of uPlot 1.6.32 as npm ships them (`npm pack
// uplot@1.6.32`: dist/uPlot.iife.min.js, dist/uPlot.min.css, LICENSE),
// by their SHA-256. A file that changes without this table changing with
// it fails the test: an upgrade is a deliberate edit of both.
var vendored = map[string]string{
	"vendor/uPlot.iife.min.js": "19c8d4c6ad88929a79f4ae49d6f7161566dfd0ba3d15cc495e974f787eb78f1f",
	"vendor/uPlot.min.css":     "df630c6a8d6f8eeaff264b50f73ce5b114f646ffd9a0bb74f049b0a00135fa04",
	"vendor/uPlot.LICENSE":     "8f989229699b4fe2f1a0432d0e9edc338a8a911e250e2d1b01ecd770a5f5b1bd",
}

func TestVendoredFiles(t *testing.T) {
	root, err := fs.Sub(assets, "assets")
	if err != nil {
		t.Fatal(err)
	}
	found, err := fs.Glob(root, "vendor/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range found {
		if _, ok := vendored[name]; !ok {
			t.Errorf("%s is vendored but has no recorded SHA-256", name)
		}
	}
	for name, want := range vendored {
		data, err := fs.ReadFile(root, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s has SHA-256 %s, recorded %s", name, got, want)
		}
	}
}

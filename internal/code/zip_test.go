package code_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

type entry struct {
	name, content string
	mode          fs.FileMode
}

func zipOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		hdr.SetMode(e.mode | 0o644)
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, e.content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestInspect(t *testing.T) {
	tests := []struct {
		name    string
		zip     []byte
		wantErr bool
	}{
		{"plain", zipOf(t, entry{name: "bootstrap", content: "#!/bin/sh"}, entry{name: "lib/a.py", content: "x = 1"}), false},
		{"dot segments that stay inside", zipOf(t, entry{name: "a/./b/../c", content: "x"}), false},
		{"link inside", zipOf(t, entry{name: "lib/link", content: "../bootstrap", mode: fs.ModeSymlink}), false},
		{"empty zip", zipOf(t), false},
		{"absolute", zipOf(t, entry{name: "/abs", content: "x"}), true},
		{"parent", zipOf(t, entry{name: "../up", content: "x"}), true},
		{"parent after a folder", zipOf(t, entry{name: "a/../../up", content: "x"}), true},
		{"backslash parent", zipOf(t, entry{name: `a\..\..\up`, content: "x"}), true},
		{"drive letter", zipOf(t, entry{name: `C:/up`, content: "x"}), true},
		{"link out", zipOf(t, entry{name: "link", content: "../../etc", mode: fs.ModeSymlink}), true},
		{"absolute link", zipOf(t, entry{name: "link", content: "/etc/passwd", mode: fs.ModeSymlink}), true},
		{"not a zip", []byte("PK\x03\x04 but not really"), true},
		{"file inside a link", zipOf(t, entry{name: "y", content: ".", mode: fs.ModeSymlink}, entry{name: "x", content: "y/..", mode: fs.ModeSymlink},
			entry{name: "x/f", content: "x"}), true},
		{"file inside a link listed later", zipOf(t, entry{name: "x/f", content: "x"}, entry{name: "x", content: "lib", mode: fs.ModeSymlink}), true},
		{"file with a link's name", zipOf(t, entry{name: "x", content: "lib", mode: fs.ModeSymlink}, entry{name: "x", content: "x"}), true},
		{"folder with a link's name", zipOf(t, entry{name: "x", content: "lib", mode: fs.ModeSymlink}, entry{name: "x/", content: ""}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkg, err := code.Inspect(tt.zip)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Inspect: got error %v, want error: %v", err, tt.wantErr)
			}
			if err != nil {
				if !errors.Is(err, lambda.ErrInvalidParameterValue) {
					t.Errorf("error %v is not an InvalidParameterValueException", err)
				}
				return
			}
			if pkg.Sum != sha256.Sum256(tt.zip) || pkg.Size != int64(len(tt.zip)) {
				t.Errorf("package %x, %d; want the zip's sha256 and size %d", pkg.Sum, pkg.Size, len(tt.zip))
			}
			key, err := code.KeyOf(pkg.CodeSha256())
			if err != nil || key != pkg.Key() {
				t.Errorf("KeyOf(CodeSha256) = %q, %v; want %q", key, err, pkg.Key())
			}
		})
	}
}

// escapes reports whether a zip entry name is absolute or climbs out of
// the directory it is extracted into, worked out segment by segment.
func escapes(name string) bool {
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") || len(n) >= 2 && n[1] == ':' {
		return true
	}
	depth := 0
	for _, seg := range strings.Split(n, "/") {
		switch seg {
		case "", ".":
		case "..":
			if depth--; depth < 0 {
				return true
			}
		default:
			depth++
		}
	}
	return false
}

func FuzzInspect(f *testing.F) {
	f.Add(zipOf(f, entry{name: "bootstrap", content: "#!/bin/sh\necho hi\n"}))
	f.Add(zipOf(f, entry{name: "a/b/c.txt", content: strings.Repeat("abc", 100)}, entry{name: "a/", content: ""}))
	f.Add(zipOf(f, entry{name: "../evil", content: "x"}))
	f.Add(zipOf(f, entry{name: "/abs", content: "x"}))
	f.Add(zipOf(f, entry{name: `..\evil`, content: "x"}))
	f.Add(zipOf(f, entry{name: "link", content: "../../x", mode: fs.ModeSymlink}))
	f.Add(zipOf(f, entry{name: "zeros", content: strings.Repeat("\x00", 1<<16)}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		pkg, err := code.Inspect(data)
		if err != nil {
			var le *awserr.Error
			if !errors.As(err, &le) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if pkg.Sum != sha256.Sum256(data) {
			t.Error("Sum is not the sha256 of the zip")
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("Inspect accepted what archive/zip cannot read: %v", err)
		}
		links := map[string]bool{}
		for _, f := range zr.File {
			if f.Mode()&fs.ModeSymlink != 0 {
				links[strings.Trim(strings.ReplaceAll(f.Name, `\`, "/"), "/")] = true
			}
		}
		var total uint64
		for _, f := range zr.File {
			name := strings.Trim(strings.ReplaceAll(f.Name, `\`, "/"), "/")
			for i, c := range name {
				if c == '/' && links[name[:i]] {
					t.Errorf("Inspect accepted %q inside the link %q", f.Name, name[:i])
				}
			}
			if escapes(f.Name) {
				t.Errorf("Inspect accepted the entry %q", f.Name)
			}
			// A directory's declared size is never read, so it does not count.
			if !f.FileInfo().IsDir() {
				total += f.UncompressedSize64
			}
		}
		if total > code.MaxUnzipped {
			t.Errorf("Inspect accepted %d unzipped bytes", total)
		}
	})
}

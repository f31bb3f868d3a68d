// Package code owns deployment packages: it checks uploaded zips the way
// Lambda does (sizes counted while streaming, unsafe paths refused), stores
// them content-addressed in the object store, and extracts each package once
// into a local directory that environments run from.
package code

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// Limits for a directly uploaded package.
const (
	MaxZipped   = 50 << 20  // 52,428,800 bytes
	MaxUnzipped = 262144000 // 250 MiB
)

// Package identifies a checked deployment package.
type Package struct {
	Sum  [sha256.Size]byte
	Size int64
	// Unzipped is the size of its files once extracted.
	Unzipped int64
}

// CodeSha256 is the package's hash as the Lambda API shows it.
func (p Package) CodeSha256() string { return base64.StdEncoding.EncodeToString(p.Sum[:]) }

// Key is the package's content address in the object store and code cache.
func (p Package) Key() string { return hex.EncodeToString(p.Sum[:]) }

// KeyOf converts a CodeSha256 back to the package's Key.
func KeyOf(codeSha256 string) (string, error) {
	sum, err := base64.StdEncoding.DecodeString(codeSha256)
	if err != nil || len(sum) != sha256.Size {
		return "", fmt.Errorf("bad CodeSha256 %q", codeSha256)
	}
	return hex.EncodeToString(sum), nil
}

var errUnzip = lambda.Errorf(lambda.ErrInvalidParameterValue,
	"Could not unzip uploaded file. Please check your file, then try to upload again.")

// Inspect checks a zip as CreateFunction and UpdateFunctionCode do. Every
// entry is decompressed into a counter, never into memory, so a zip bomb is
// refused as soon as the real unzipped size passes MaxUnzipped.
func Inspect(data []byte) (Package, error) {
	if len(data) > MaxZipped {
		return Package{}, lambda.Errorf(lambda.ErrRequestEntityTooLarge,
			"Zipped size must be smaller than %d bytes", MaxZipped)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return Package{}, errUnzip
	}
	if err := checkLinkPaths(zr.File); err != nil {
		return Package{}, err
	}
	var total int64
	for _, f := range zr.File {
		if err := checkEntryName(f.Name); err != nil {
			return Package{}, err
		}
		if err := checkSymlink(f); err != nil {
			return Package{}, err
		}
		n, err := inflatedSize(f, MaxUnzipped-total)
		if err != nil {
			return Package{}, err
		}
		total += n
	}
	return Package{Sum: sha256.Sum256(data), Size: int64(len(data)), Unzipped: total}, nil
}

func checkEntryName(name string) error {
	n := strings.ReplaceAll(name, `\`, "/")
	clean := path.Clean(n)
	absolute := strings.HasPrefix(n, "/") || len(n) >= 2 && n[1] == ':'
	if absolute || clean == ".." || strings.HasPrefix(clean, "../") {
		return lambda.Errorf(lambda.ErrInvalidParameterValue,
			"Could not unzip uploaded file: entry %q has an absolute path or leaves the package directory.", name)
	}
	return nil
}

// checkSymlink refuses a symbolic link whose target leaves the package.
func checkSymlink(f *zip.File) error {
	if f.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return errUnzip
	}
	defer rc.Close()
	dest, err := io.ReadAll(io.LimitReader(rc, 4096))
	if err != nil {
		return errUnzip
	}
	name := strings.ReplaceAll(f.Name, `\`, "/")
	resolved := path.Join(path.Dir(name), string(dest))
	if path.IsAbs(string(dest)) || resolved == ".." || strings.HasPrefix(resolved, "../") {
		return lambda.Errorf(lambda.ErrInvalidParameterValue,
			"Could not unzip uploaded file: symbolic link %q points outside the package.", f.Name)
	}
	return nil
}

// checkLinkPaths refuses an entry that the package also makes a symbolic
// link, or that lies inside one. Extracting it would write wherever the link
// points, and links that each stay inside can together point out: "y" → "."
// and "x" → "y/.." make "x/f" land beside the package, not in it.
func checkLinkPaths(files []*zip.File) error {
	links := map[string]bool{}
	for _, f := range files {
		if f.Mode()&fs.ModeSymlink != 0 {
			links[path.Clean(strings.ReplaceAll(f.Name, `\`, "/"))] = true
		}
	}
	if len(links) == 0 {
		return nil
	}
	for _, f := range files {
		name := path.Clean(strings.ReplaceAll(f.Name, `\`, "/"))
		if links[name] && f.Mode()&fs.ModeSymlink == 0 {
			return lambda.Errorf(lambda.ErrInvalidParameterValue,
				"Could not unzip uploaded file: entry %q is also a symbolic link.", f.Name)
		}
		for dir := path.Dir(name); dir != "." && dir != "/"; dir = path.Dir(dir) {
			if links[dir] {
				return lambda.Errorf(lambda.ErrInvalidParameterValue,
					"Could not unzip uploaded file: entry %q is inside the symbolic link %q.", f.Name, dir)
			}
		}
	}
	return nil
}

var errTooBig = lambda.Errorf(lambda.ErrInvalidParameterValue,
	"Unzipped size must be smaller than %d bytes", MaxUnzipped)

// inflatedSize decompresses f and counts its bytes, stopping once more than
// budget bytes have come out.
func inflatedSize(f *zip.File, budget int64) (int64, error) {
	if f.FileInfo().IsDir() {
		return 0, nil
	}
	if int64(f.UncompressedSize64) > budget || f.UncompressedSize64 > MaxUnzipped {
		return 0, errTooBig
	}
	rc, err := f.Open()
	if err != nil {
		return 0, errUnzip
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(rc, budget+1))
	switch {
	case n > budget:
		return 0, errTooBig
	case errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrFormat), err != nil:
		return 0, errUnzip
	}
	return n, nil
}

package server_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

const couldNotUnzip = "Could not unzip uploaded file. Please check your file, then try to upload again."

func TestCodePackageChecks(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createNamed(t, "target")
	tests := []struct {
		name string
		zip  []byte
		want apiError
	}{
		{"not a zip", []byte("this is not a zip file"), invalidParam(couldNotUnzip)},
		{"truncated zip", bootstrapZip(t, "x")[:40], invalidParam(couldNotUnzip)},
		{"absolute path", makeZip(t, "/etc/cron.d/evil", "x"), invalidParam(`Could not unzip uploaded file: entry "/etc/cron.d/evil" has an absolute path or leaves the package directory.`)},
		{"parent directory", makeZip(t, "../evil", "x"), invalidParam(`Could not unzip uploaded file: entry "../evil" has an absolute path or leaves the package directory.`)},
		{"parent directory deeper down", makeZip(t, "ok", "x", "a/b/../../../evil", "x"), invalidParam(`Could not unzip uploaded file: entry "a/b/../../../evil" has an absolute path or leaves the package directory.`)},
		{"backslashes", makeZip(t, `..\evil`, "x"), invalidParam(`Could not unzip uploaded file: entry "..\\evil" has an absolute path or leaves the package directory.`)},
		{"drive letter", makeZip(t, `C:\evil`, "x"), invalidParam(`Could not unzip uploaded file: entry "C:\\evil" has an absolute path or leaves the package directory.`)},
		{"symbolic link out", symlinkZip(t, "link", "../../etc/passwd"), invalidParam(`Could not unzip uploaded file: symbolic link "link" points outside the package.`)},
		{"absolute symbolic link", symlinkZip(t, "lib/link", "/etc/passwd"), invalidParam(`Could not unzip uploaded file: symbolic link "lib/link" points outside the package.`)},
		// Each link stays inside, but together they point out: x/evil
		// would be written beside the package.
		{"file inside a chain of links", linksZip(t, "y", ".", "x", "y/..", "x/evil", ""),
			invalidParam(`Could not unzip uploaded file: entry "x/evil" is inside the symbolic link "x".`)},
		{"file written through its own link", linksZip(t, "y", ".", "x", "y/../evil", "x", ""),
			invalidParam(`Could not unzip uploaded file: entry "x" is also a symbolic link.`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := createInput(t, "refused")
			in.Code.ZipFile = tt.zip
			_, err := n.client.CreateFunction(ctx, in)
			checkError(t, err, tt.want)
			isErr[*types.InvalidParameterValueException](t, err)
			_, err = n.client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("target"), ZipFile: tt.zip})
			checkError(t, err, tt.want)
		})
	}
	_, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("refused")})
	checkError(t, err, notFound("Function not found: "+n.arn("refused")))
	// Only the extracted package of "target" is there.
	entries, err := os.ReadDir(filepath.Join(n.dir, "code"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if len(e.Name()) != 64 {
			t.Errorf("%s/code holds %q, which is no extracted package", n.dir, e.Name())
		}
	}

	// Links that stay inside the package are fine.
	in := createInput(t, "links")
	in.Code.ZipFile = symlinkZip(t, "lib/current", "../bootstrap")
	n.create(t, in)
}

// symlinkZip is a package with a bootstrap and one symbolic link.
func symlinkZip(t *testing.T, name, target string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	hdr.SetMode(0o755)
	w, _ := zw.CreateHeader(hdr)
	io.WriteString(w, "#!/bin/sh\n")
	hdr = &zip.FileHeader{Name: name, Method: zip.Store}
	hdr.SetMode(0o777 | fs.ModeSymlink)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, target)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// linksZip is a package of name/target pairs: a pair with an empty target
// is a file, the others symbolic links.
func linksZip(t *testing.T, pairs ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(pairs); i += 2 {
		hdr := &zip.FileHeader{Name: pairs[i], Method: zip.Store}
		hdr.SetMode(0o644)
		content := "a file"
		if pairs[i+1] != "" {
			hdr.SetMode(0o777 | fs.ModeSymlink)
			content = pairs[i+1]
		}
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bomb is a zip of entries that each inflate to mb MiB of zeros; it is about
// a thousand times smaller than what it unpacks to. The deflate stream is a
// 1 MiB block of zeros repeated, so building it costs nothing either.
func bomb(t *testing.T, entries, mb int) []byte {
	t.Helper()
	var block bytes.Buffer
	fw, err := flate.NewWriter(&block, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	fw.Write(zeros)
	fw.Flush() // a sync flush ends the blocks on a byte boundary, not the stream
	final := []byte{1, 0, 0, 0xff, 0xff}
	var crc uint32
	for range mb {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range entries {
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name:               "zeros" + string(rune('a'+i)),
			Method:             zip.Deflate,
			CRC32:              crc,
			CompressedSize64:   uint64(block.Len()*mb + len(final)),
			UncompressedSize64: uint64(mb) << 20,
		})
		if err != nil {
			t.Fatal(err)
		}
		for range mb {
			w.Write(block.Bytes())
		}
		w.Write(final)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A package that unzips to more than 250 MB is refused while it is being
// counted: nothing is inflated into memory or onto disk.
func TestZipBombRefused(t *testing.T) {
	n := sharedNubo(t)
	tooBig := invalidParam("Unzipped size must be smaller than 262144000 bytes")
	tests := []struct {
		name        string
		entries, mb int
	}{
		// The third entry's declared size passes the limit: refused unread.
		{"several entries", 3, 100},
		// One entry declaring more than the limit.
		{"one entry", 1, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zipped := bomb(t, tt.entries, tt.mb)
			if len(zipped) > 1<<20 {
				t.Fatalf("the bomb is %d bytes; it should be well under 1 MiB", len(zipped))
			}
			in := createInput(t, "bomb")
			in.Code.ZipFile = zipped
			// The server runs in this process, so its allocations are counted
			// here, with whatever else the process allocates meanwhile (79 MiB
			// in the 6 s a refusal took on a loaded machine). Inflating the
			// package would allocate 100-300 MB each time: the fewest of
			// three tries tells.
			least := uint64(math.MaxUint64)
			for try := 0; try < 3 && least > 64<<20; try++ {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				start := time.Now()
				_, err := n.client.CreateFunction(ctx, in)
				elapsed := time.Since(start)
				runtime.ReadMemStats(&after)
				cancel()
				checkError(t, err, tooBig)
				allocated := after.TotalAlloc - before.TotalAlloc
				t.Logf("refused in %v, allocating %d KiB", elapsed, allocated>>10)
				least = min(least, allocated)
			}
			if least > 64<<20 {
				t.Errorf("refusing a %d-byte bomb allocated %d MiB; the package must be counted, not inflated", len(zipped), least>>20)
			}
		})
	}

	// A package that unzips to exactly the limit is accepted.
	in := createInput(t, "nearly-a-bomb")
	in.Code.ZipFile = bomb(t, 5, 50)
	n.create(t, in)
}

// A package of more than 50 MB is too large for a direct upload.
func TestZipTooLarge(t *testing.T) {
	n := sharedNubo(t)
	// The SDK takes seconds to encode such requests under the race detector,
	// so they are put together by hand: a ZipFile as long as the base64 of
	// a 50 MiB zip, which with the rest of the request is over the limit.
	zipFile := func(prefix string) []byte {
		body := append([]byte(prefix+`"ZipFile":"`), bytes.Repeat([]byte("A"), 69905068)...)
		return append(body, `"}`...)
	}
	create := zipFile(`{"FunctionName":"too-large","Role":"` + role + `","Runtime":"provided.al2023","Handler":"bootstrap","Code":{`)
	create = append(create, '}')
	resp := n.do(t, "POST", "/2015-03-31/functions", n.signed("lambda"), create)
	checkWireError(t, resp, apiError{code: "RequestEntityTooLargeException", status: 413,
		message: "Request must be smaller than 69905067 bytes for the CreateFunction operation"})
	if _, err := n.client.GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String("too-large")}); err == nil {
		t.Error("the function refused as too large exists")
	}

	n.createNamed(t, "small")
	resp = n.do(t, "PUT", "/2015-03-31/functions/small/code", n.signed("lambda"), zipFile("{"))
	checkWireError(t, resp, apiError{code: "RequestEntityTooLargeException", status: 413,
		message: "Request must be smaller than 69905067 bytes for the UpdateFunctionCode operation"})
}

// The code that GetFunction points to is the zip that was uploaded, for
// $LATEST and for each version.
func TestCodeLocation(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	first := bootstrapZip(t, "first")
	in := createInput(t, "located")
	in.Code.ZipFile = first
	n.create(t, in)
	n.publish(t, "located")
	second := makeZip(t, "bootstrap", "#!/bin/sh\necho second\n", "lib/data.txt", string(bytes.Repeat([]byte("data"), 1000)))
	upd := n.updateCode(t, "located", second)
	if got, want := aws.ToString(upd.CodeSha256), sha256b64(second); got != want {
		t.Errorf("UpdateFunctionCode CodeSha256: got %s, want %s", got, want)
	}
	for _, tt := range []struct {
		qualifier string
		want      []byte
	}{{"1", first}, {"$LATEST", second}} {
		out, err := n.client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("located"), Qualifier: aws.String(tt.qualifier)})
		if err != nil {
			t.Fatal(err)
		}
		got := download(t, aws.ToString(out.Code.Location))
		if !bytes.Equal(got, tt.want) {
			t.Errorf("code of %s: downloaded %d bytes that are not the uploaded %d", tt.qualifier, len(got), len(tt.want))
		}
		if sha256b64(got) != aws.ToString(out.Configuration.CodeSha256) {
			t.Errorf("code of %s: sha256 of the download is not CodeSha256 %s", tt.qualifier, aws.ToString(out.Configuration.CodeSha256))
		}
	}
}

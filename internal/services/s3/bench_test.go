package s3

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// patternReader gives n bytes of a repeating pattern without holding them.
type patternReader struct{ left int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.left)
	for i := range p[:n] {
		p[i] = byte(i)
	}
	r.left -= n
	return int(n), nil
}

// TestStreamingMemory puts and gets a 1 GiB multipart object (four 256 MiB
// parts) and a 512 MiB single object and checks the memory the Go runtime
// took from the OS grew by less than 64 MiB: bytes stream to and from
// disk, never whole in memory.
func TestStreamingMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes 1.5 GiB; memory is measured without the race detector")
	}
	f := newFixture(t)
	f.createBucket("mem")
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	id := f.upload("mem", "big", "", "")
	var parts []CompletedPart
	for n := 1; n <= 4; n++ {
		out, err := f.svc.UploadPart(bg, &UploadPartInput{Bucket: "mem", Key: "big", UploadId: id, PartNumber: int32(n), Body: &patternReader{left: 256 << 20}})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, CompletedPart{PartNumber: int32(n), ETag: out.ETag})
	}
	if _, err := f.svc.CompleteMultipartUpload(bg, &CompleteMultipartUploadInput{Bucket: "mem", Key: "big", UploadId: id, MultipartUpload: &CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PutObject(bg, &PutObjectInput{Bucket: "mem", Key: "single", Body: &patternReader{left: 512 << 20}}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"big", "single"} {
		out, err := f.svc.GetObject(bg, &GetObjectInput{Bucket: "mem", Key: key})
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, struct{ io.Reader }{out.Body}) // plain reads, no WriteTo
		out.Body.Close()
		if err != nil || n != out.ContentLength {
			t.Fatalf("read %d of %d: %v", n, out.ContentLength, err)
		}
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.Sys) - int64(before.Sys); grew > 64<<20 {
		t.Errorf("memory from the OS grew by %d MiB", grew>>20)
	} else {
		t.Logf("memory from the OS grew by %.1f MiB for 1.5 GiB in and out", float64(grew)/(1<<20))
	}
}

// BenchmarkPutObject and BenchmarkGetObject measure the domain's own cost
// (fsync and the KV write included) for small and large objects.
func BenchmarkPutObject(b *testing.B) {
	for _, size := range []int{4 << 10, 16 << 20} {
		b.Run(sizeName(size), func(b *testing.B) {
			f := newFixture(b)
			f.createBucket("bench")
			data := bytes.Repeat([]byte("x"), size)
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := f.svc.PutObject(bg, &PutObjectInput{Bucket: "bench", Key: fmt.Sprintf("k%d", i%64), Body: bytes.NewReader(data)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGetObject(b *testing.B) {
	for _, size := range []int{4 << 10, 16 << 20} {
		b.Run(sizeName(size), func(b *testing.B) {
			f := newFixture(b)
			f.createBucket("bench")
			f.svc.PutObject(bg, &PutObjectInput{Bucket: "bench", Key: "k", Body: bytes.NewReader(bytes.Repeat([]byte("x"), size))})
			b.SetBytes(int64(size))
			b.ResetTimer()
			for b.Loop() {
				out, err := f.svc.GetObject(bg, &GetObjectInput{Bucket: "bench", Key: "k"})
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, out.Body)
				out.Body.Close()
			}
		})
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}

// BenchmarkClusterObject measures 16 MiB objects in a cluster of three
// (natstest nodes on loopback): a PUT through one node (its file, then
// the replicated object store), a first GET through another (filled from
// the object store), a range of the first KiB through a third (which
// waits for that KiB of the fill only) and a GET of a copy a node has.
func BenchmarkClusterObject(b *testing.B) {
	const size = 16 << 20
	nodes := startCluster(b, 3)
	if _, err := nodes[0].svc.CreateBucket(bg, &CreateBucketInput{Bucket: "bench"}); err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte("x"), size)
	get := func(b *testing.B, n *clusterNode, key string) {
		out, err := n.svc.GetObject(bg, &GetObjectInput{Bucket: "bench", Key: key})
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, out.Body)
		out.Body.Close()
	}
	keys := 0
	put := func(b *testing.B) string {
		keys++
		key := fmt.Sprintf("k%d", keys)
		if _, err := nodes[0].svc.PutObject(bg, &PutObjectInput{Bucket: "bench", Key: key, Body: bytes.NewReader(data)}); err != nil {
			b.Fatal(err)
		}
		return key
	}
	b.Run("put", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			put(b)
		}
	})
	b.Run("get-fill", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			b.StopTimer()
			key := put(b)
			b.StartTimer()
			get(b, nodes[1], key)
		}
	})
	b.Run("range-fill", func(b *testing.B) { // the first KiB of a blob not here
		for b.Loop() {
			b.StopTimer()
			key := put(b)
			b.StartTimer()
			out, err := nodes[2].svc.GetObject(bg, &GetObjectInput{Bucket: "bench", Key: key, Range: "bytes=0-1023"})
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, out.Body)
			out.Body.Close()
		}
	})
	b.Run("get-local", func(b *testing.B) {
		key := put(b)
		get(b, nodes[1], key)
		b.SetBytes(size)
		b.ResetTimer()
		for b.Loop() {
			get(b, nodes[1], key)
		}
	})
}

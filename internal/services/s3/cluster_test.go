package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/store/natsstore/natstest"
)

// clusterNode is one Service of an in-process cluster, with its own blob
// directory.
type clusterNode struct {
	svc     *Service
	objects store.Objects
	dir     string
}

// opener is what a Service of a cluster needs of its node's store.
type opener interface {
	KV(ctx context.Context, name string) (store.KV, error)
	Objects(ctx context.Context, name string) (store.Objects, error)
}

// startCluster runs a Service on each of n natstest nodes.
func startCluster(t testing.TB, n int) []*clusterNode {
	t.Helper()
	var stores []opener
	for _, st := range natstest.Start(t, n) {
		stores = append(stores, st.Store)
	}
	return startNodes(t, stores)
}

// startShared runs n Services, each with its own blob directory, over one
// single-node store: a cluster as S3 sees it, which runs under the race
// detector (clustered NATS does not; see natstest.SkipRace).
func startShared(t testing.TB, n int) []*clusterNode {
	t.Helper()
	st, err := natsstore.Open(context.Background(), natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	stores := make([]opener, n)
	for i := range stores {
		stores[i] = st
	}
	return startNodes(t, stores)
}

func startNodes(t testing.TB, stores []opener) []*clusterNode {
	t.Helper()
	nodes := make([]*clusterNode, len(stores))
	for i, st := range stores {
		nodes[i] = startNode(t, st, t.TempDir())
	}
	return nodes
}

// startNode runs a Service over st with its blobs under dir, and returns
// once it follows the store.
func startNode(t testing.TB, st opener, dir string) *clusterNode {
	t.Helper()
	ctx := context.Background()
	kv, err := st.KV(ctx, "s3")
	if err != nil {
		t.Fatal(err)
	}
	objects, err := st.Objects(ctx, "s3")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(ctx, kv, Options{Dir: dir, Objects: objects, SweepInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { svc.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	for !svc.following.Running() {
		select {
		case <-done:
			t.Fatal("Run ended before following")
		case <-time.After(time.Millisecond):
		}
	}
	return &clusterNode{svc: svc, objects: objects, dir: dir}
}

// randomBytes are n bytes of a seeded generator: every range differs.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func (n *clusterNode) put(t *testing.T, bucket, key string, data []byte) *PutObjectOutput {
	t.Helper()
	out, err := n.svc.PutObject(bg, &PutObjectInput{Bucket: bucket, Key: key, Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// read reads key (or a range of it) through n and checks it is want.
func (n *clusterNode) read(t *testing.T, bucket, key, rng string, want []byte) {
	t.Helper()
	out, err := n.svc.GetObject(bg, &GetObjectInput{Bucket: bucket, Key: key, Range: rng})
	if err != nil {
		t.Fatalf("get %s %s: %v", key, rng, err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		t.Fatalf("read %s %s: %v", key, rng, err)
	}
	if !bytes.Equal(got, want) || out.ContentLength != int64(len(want)) {
		d := 0
		for d < len(got) && d < len(want) && got[d] == want[d] {
			d++
		}
		t.Fatalf("%s %s: got %d bytes (ContentLength %d), want %d; the first byte that differs is at %d", key, rng, len(got), out.ContentLength, len(want), d)
	}
}

// objectNames waits until the object store lists want objects (its
// listing is read from a replica, which may be a moment behind) and
// returns them.
func objectNames(t *testing.T, n *clusterNode, want int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		names, err := n.objects.Names(bg)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) == want || time.Now().After(deadline) {
			return names
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestClusterObjects writes objects through one node and reads them,
// whole and in ranges, through the others, which fill their copies from
// the object store.
func TestClusterObjects(t *testing.T) { testObjects(t, startCluster(t, 3)) }
func TestSharedObjects(t *testing.T)  { testObjects(t, startShared(t, 3)) }

func testObjects(t *testing.T, nodes []*clusterNode) {
	a, b, c := nodes[0], nodes[1], nodes[2]
	if _, err := a.svc.CreateBucket(bg, &CreateBucketInput{Bucket: "shared"}); err != nil {
		t.Fatal(err)
	}
	small, mid, big := randomBytes(1000, 1), randomBytes(1<<20, 2), randomBytes(20<<20, 3)
	a.put(t, "shared", "small", small)
	a.put(t, "shared", "mid", mid)
	a.put(t, "shared", "big", big)
	if n := len(objectNames(t, a, 2)); n != 2 {
		t.Fatalf("the object store holds %d blobs, want 2 (the inline one is not there)", n)
	}
	b.read(t, "shared", "small", "", small)
	b.read(t, "shared", "mid", "", mid)
	// Ranges on a node without a copy, some at once (one fill serves them).
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for _, r := range []struct {
		spec       string
		start, end int
	}{{"bytes=0-99", 0, 100}, {"bytes=10485760-10485859", 10 << 20, 10<<20 + 100}, {"bytes=-5", len(big) - 5, len(big)}, {"bytes=1-", 1, len(big)}} {
		wg.Go(func() {
			out, err := c.svc.GetObject(bg, &GetObjectInput{Bucket: "shared", Key: "big", Range: r.spec})
			if err != nil {
				errs <- err.Error()
				return
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || !bytes.Equal(got, big[r.start:r.end]) {
				errs <- fmt.Sprintf("%s: %d bytes, %v", r.spec, len(got), err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	c.read(t, "shared", "big", "", big)
	b.read(t, "shared", "big", "bytes=20971000-", big[20971000:])
	// The fills left copies: c reads its own file now.
	out, _ := c.svc.HeadObject(bg, &HeadObjectInput{Bucket: "shared", Key: "big"})
	if out == nil || out.ContentLength != int64(len(big)) {
		t.Fatalf("head through c: %+v", out)
	}
	c.svc.mu.RLock()
	v := c.svc.buckets["shared"].currentLocked("big")
	c.svc.mu.RUnlock()
	id := v.Segments[0].Blob
	c.svc.blobs.mu.Lock()
	fl := c.svc.blobs.fills[id]
	c.svc.blobs.mu.Unlock()
	if fl != nil { // the reader was done before the fill placed its file
		fl.wait(bg)
	}
	if _, err := os.Stat(c.svc.blobs.path(id)); err != nil {
		t.Errorf("no local copy after a read through c: %v", err)
	}
	// Listing and a copy through another node.
	list, err := b.svc.ListObjectsV2(bg, &ListObjectsV2Input{Bucket: "shared"})
	if err != nil || len(list.Contents) != 3 {
		t.Fatalf("list through b: %v %+v", err, list)
	}
	if _, err := b.svc.CopyObject(bg, &CopyObjectInput{Bucket: "shared", Key: "copy", CopySource: "shared/mid"}); err != nil {
		t.Fatal(err)
	}
	a.read(t, "shared", "copy", "bytes=5-", mid[5:])
}

// TestClusterMultipart sends an upload's parts to different nodes,
// completes it through a third and reads it through each; parts copied
// from another node's object too.
func TestClusterMultipart(t *testing.T) { testMultipart(t, startCluster(t, 3)) }
func TestSharedMultipart(t *testing.T)  { testMultipart(t, startShared(t, 3)) }

func testMultipart(t *testing.T, nodes []*clusterNode) {
	a, b, c := nodes[0], nodes[1], nodes[2]
	if _, err := a.svc.CreateBucket(bg, &CreateBucketInput{Bucket: "multi"}); err != nil {
		t.Fatal(err)
	}
	src := randomBytes(6<<20, 4)
	a.put(t, "multi", "src", src)
	up, err := a.svc.CreateMultipartUpload(bg, &CreateMultipartUploadInput{Bucket: "multi", Key: "joined"})
	if err != nil {
		t.Fatal(err)
	}
	p1, p3 := randomBytes(5<<20, 5), randomBytes(1000, 6)
	r1, err := b.svc.UploadPart(bg, &UploadPartInput{Bucket: "multi", Key: "joined", UploadId: up.UploadId, PartNumber: 1, Body: bytes.NewReader(p1)})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := c.svc.UploadPartCopy(bg, &UploadPartCopyInput{Bucket: "multi", Key: "joined", UploadId: up.UploadId, PartNumber: 2, CopySource: "multi/src", CopySourceRange: "bytes=0-5242879"})
	if err != nil {
		t.Fatal(err)
	}
	r3, err := c.svc.UploadPart(bg, &UploadPartInput{Bucket: "multi", Key: "joined", UploadId: up.UploadId, PartNumber: 3, Body: bytes.NewReader(p3)})
	if err != nil {
		t.Fatal(err)
	}
	parts, err := a.svc.ListParts(bg, &ListPartsInput{Bucket: "multi", Key: "joined", UploadId: up.UploadId})
	if err != nil || len(parts.Parts) != 3 {
		t.Fatalf("parts through a: %v %+v", err, parts)
	}
	_, err = a.svc.CompleteMultipartUpload(bg, &CompleteMultipartUploadInput{Bucket: "multi", Key: "joined", UploadId: up.UploadId,
		MultipartUpload: &CompletedMultipartUpload{Parts: []CompletedPart{{PartNumber: 1, ETag: r1.ETag}, {PartNumber: 2, ETag: r2.CopyPartResult.ETag}, {PartNumber: 3, ETag: r3.ETag}}}})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(append([]byte(nil), p1...), src[:5<<20]...), p3...)
	for _, n := range nodes {
		n.read(t, "multi", "joined", "", want)
	}
	a.read(t, "multi", "joined", "bytes=5242870-5242889", want[5242870:5242890])
	if _, err := b.svc.ListParts(bg, &ListPartsInput{Bucket: "multi", Key: "joined", UploadId: up.UploadId}); codeOf(err) != "NoSuchUpload" {
		t.Errorf("the completed upload through b: %v", err)
	}
}

// TestClusterDeleteAndSweep deletes through another node than the
// writer's and sweeps from several nodes at once: nothing is left in the
// object store or in any node's files.
func TestClusterDeleteAndSweep(t *testing.T) { testDeleteAndSweep(t, startCluster(t, 3)) }
func TestSharedDeleteAndSweep(t *testing.T)  { testDeleteAndSweep(t, startShared(t, 3)) }

func testDeleteAndSweep(t *testing.T, nodes []*clusterNode) {
	a, b, c := nodes[0], nodes[1], nodes[2]
	if _, err := a.svc.CreateBucket(bg, &CreateBucketInput{Bucket: "gone"}); err != nil {
		t.Fatal(err)
	}
	data := randomBytes(1<<20, 7)
	a.put(t, "gone", "one", data)
	a.put(t, "gone", "two", data)
	a.put(t, "gone", "two", data[:200<<10]) // replaces two's blob
	up, err := a.svc.CreateMultipartUpload(bg, &CreateMultipartUploadInput{Bucket: "gone", Key: "aborted"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.svc.UploadPart(bg, &UploadPartInput{Bucket: "gone", Key: "aborted", UploadId: up.UploadId, PartNumber: 1, Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	c.read(t, "gone", "one", "", data) // c has a copy now
	if n := len(objectNames(t, a, 3)); n != 3 {
		t.Fatalf("the object store holds %d blobs, want 3", n)
	}
	if _, err := b.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "gone", Key: "one"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "gone", Key: "two"}); err != nil {
		t.Fatal(err)
	}
	if err := b.svc.AbortMultipartUpload(bg, &AbortMultipartUploadInput{Bucket: "gone", Key: "aborted", UploadId: up.UploadId}); err != nil {
		t.Fatal(err)
	}
	if names := objectNames(t, a, 0); len(names) != 0 {
		t.Fatalf("the object store still holds %q", names)
	}
	// A blob stored but never named (its writer died before its version):
	// not removed by the first sweep (it could be a write in progress),
	// removed once sweeps found it unnamed twice, from any nodes at once.
	// (A listing may be a moment behind, which can take another round.)
	orphan := newBlobID()
	if err := a.objects.Put(bg, orphan, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	objectNames(t, a, 1)
	sweepAll := func() {
		var wg sync.WaitGroup
		for _, n := range nodes {
			wg.Go(func() {
				if err := n.svc.sweepShared(bg); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	sweepAll()
	if names, _ := a.objects.Names(bg); len(names) != 1 {
		t.Fatalf("after one sweep the object store holds %q, want the orphan still", names)
	}
	for round := 0; round < 5; round++ {
		sweepAll()
		if names, _ := a.objects.Names(bg); len(names) == 0 {
			break
		}
	}
	if names := objectNames(t, a, 0); len(names) != 0 {
		t.Fatalf("after the sweeps the object store holds %q", names)
	}
	// Each node dropped its files: the writer's by the followed
	// deletions, c's part copy (aborted through b) by the sweeps.
	for i, n := range nodes {
		n.svc.blobs.fillWG.Wait() // a fill ending now removes what it placed
		files, err := n.svc.blobs.fileNames()
		if err != nil || len(files) != 0 {
			t.Errorf("node %d keeps files %q (%v)", i+1, files, err)
		}
	}
	if err := c.svc.DeleteBucket(bg, &DeleteBucketInput{Bucket: "gone"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.HeadBucket(bg, &HeadBucketInput{Bucket: "gone"}); codeOf(err) != "NoSuchBucket" {
		t.Errorf("the deleted bucket through a: %v", err)
	}
}

// TestClusterLifecycleClaim: one node of several applies the lifecycle
// rules each period.
func TestClusterLifecycleClaim(t *testing.T) {
	nodes := startCluster(t, 2)
	got := 0
	for _, n := range nodes {
		if n.svc.Claim(bg, "lifecycle", time.Hour) {
			got++
		}
	}
	if got != 1 {
		t.Fatalf("%d nodes claimed the period, want 1", got)
	}
}

// TestSharedLocalBlobs: a node that ran alone and joins a cluster stores
// its blob files in the object store at start, so that the other nodes
// read its objects.
func TestSharedLocalBlobs(t *testing.T) {
	st, err := natsstore.Open(bg, natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kv, err := st.KV(bg, "s3")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	alone, err := New(bg, kv, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alone.CreateBucket(bg, &CreateBucketInput{Bucket: "before"}); err != nil {
		t.Fatal(err)
	}
	data := randomBytes(1<<20, 8)
	(&clusterNode{svc: alone}).put(t, "before", "old", data)
	// The same node in a cluster (its data dir and store), and another.
	joined := startNode(t, st, dir)
	if names := objectNames(t, joined, 1); len(names) != 1 {
		t.Fatalf("the object store holds %q, want the blob of the node that ran alone", names)
	}
	startNode(t, st, t.TempDir()).read(t, "before", "old", "", data)
}

package s3

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestClusterConditionalRace: two conditional writes of one key through
// two nodes at once, many times: exactly one wins each time, the other is
// AWS's 412 or 409, and the loser's bytes are not left anywhere.
func TestClusterConditionalRace(t *testing.T) { testConditionalRace(t, startCluster(t, 3)) }
func TestSharedConditionalRace(t *testing.T)  { testConditionalRace(t, startShared(t, 3)) }

func testConditionalRace(t *testing.T, nodes []*clusterNode) {
	a, b, c := nodes[0], nodes[1], nodes[2]
	if _, err := a.svc.CreateBucket(bg, &CreateBucketInput{Bucket: "cond"}); err != nil {
		t.Fatal(err)
	}
	const rounds = 20
	bodies := [2][]byte{randomBytes(100<<10, 11), randomBytes(100<<10, 12)} // files, not inline
	for i := range rounds {
		key := fmt.Sprintf("new-%d", i)
		w := race(t, a, b, func(n int) *PutObjectInput {
			return &PutObjectInput{Bucket: "cond", Key: key, IfNoneMatch: "*", Body: bytes.NewReader(bodies[n])}
		})
		c.read(t, "cond", key, "", bodies[w])
	}
	etag := a.put(t, "cond", "cas", bodies[0]).ETag
	for i := range rounds / 2 {
		body := func(n int) []byte { return randomBytes(100<<10, uint64(100+2*i+n)) }
		var outs [2]*PutObjectOutput
		w := race(t, a, b, func(n int) *PutObjectInput {
			return &PutObjectInput{Bucket: "cond", Key: "cas", IfMatch: etag, Body: bytes.NewReader(body(n))}
		}, &outs)
		etag = outs[w].ETag
		c.read(t, "cond", "cas", "", body(w))
	}
	// CompleteMultipartUpload and CopyObject race the same way.
	var ups, etags [2]string
	for n, node := range []*clusterNode{a, b} {
		up, err := node.svc.CreateMultipartUpload(bg, &CreateMultipartUploadInput{Bucket: "cond", Key: "joined"})
		if err != nil {
			t.Fatal(err)
		}
		part, err := node.svc.UploadPart(bg, &UploadPartInput{Bucket: "cond", Key: "joined", UploadId: up.UploadId, PartNumber: 1, Body: bytes.NewReader(bodies[n])})
		if err != nil {
			t.Fatal(err)
		}
		ups[n], etags[n] = up.UploadId, part.ETag
	}
	w := raceDo(t, a, b, func(n int, node *clusterNode) error {
		_, err := node.svc.CompleteMultipartUpload(bg, &CompleteMultipartUploadInput{Bucket: "cond", Key: "joined", UploadId: ups[n], IfNoneMatch: "*",
			MultipartUpload: &CompletedMultipartUpload{Parts: []CompletedPart{{PartNumber: 1, ETag: etags[n]}}}})
		return err
	})
	c.read(t, "cond", "joined", "", bodies[w])
	// The loser's upload is still there, as on AWS, for the client to
	// abort (through its node, which removes the part's file at once;
	// through another the sweep would).
	if err := [2]*clusterNode{a, b}[1-w].svc.AbortMultipartUpload(bg, &AbortMultipartUploadInput{Bucket: "cond", Key: "joined", UploadId: ups[1-w]}); err != nil {
		t.Fatalf("abort the losing upload: %v", err)
	}
	raceDo(t, a, b, func(n int, node *clusterNode) error {
		_, err := node.svc.CopyObject(bg, &CopyObjectInput{Bucket: "cond", Key: "copied", CopySource: fmt.Sprintf("cond/new-%d", n), IfNoneMatch: "*"})
		return err
	})
	// Every blob left is a current version's: one per key (a copy is a
	// blob of its own), the loser's upload aborted.
	const objects = rounds + 3
	if names := objectNames(t, a, objects); len(names) != objects {
		t.Fatalf("the object store holds %d blobs, want %d", len(names), objects)
	}
	live := liveBlobs(t, c, "cond")
	for i, n := range nodes {
		if err := n.svc.sync(bg); err != nil {
			t.Fatal(err)
		}
		n.svc.blobs.fillWG.Wait()
		files, err := n.svc.blobs.fileNames()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !slices.Contains(live, f) {
				t.Errorf("node %d keeps file %s, which no version names", i+1, f)
			}
		}
	}
}

// race runs in(0) through a and in(1) through b at once, checks that
// exactly one succeeded and the other failed as AWS fails a conditional
// write, and returns the winner (0 or 1); outs, if given, gets the outputs.
func race(t *testing.T, a, b *clusterNode, in func(n int) *PutObjectInput, outs ...*[2]*PutObjectOutput) int {
	t.Helper()
	var out [2]*PutObjectOutput
	inputs := [2]*PutObjectInput{in(0), in(1)}
	w := raceDo(t, a, b, func(n int, node *clusterNode) (err error) {
		out[n], err = node.svc.PutObject(bg, inputs[n])
		return err
	})
	if len(outs) > 0 {
		*outs[0] = out
	}
	return w
}

// raceDo is race for any conditional write: do(0, a) and do(1, b) at once.
func raceDo(t *testing.T, a, b *clusterNode, do func(n int, node *clusterNode) error) int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  [2]error
	)
	for n, node := range []*clusterNode{a, b} {
		wg.Go(func() {
			<-start
			errs[n] = do(n, node)
		})
	}
	close(start)
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("two conditional writes at once: errors %v, %v; want exactly one to succeed", errs[0], errs[1])
	}
	w := 0
	if errs[0] != nil {
		w = 1
	}
	if code := codeOf(errs[1-w]); code != "PreconditionFailed" && code != "ConditionalRequestConflict" {
		t.Fatalf("the losing write: %v", errs[1-w])
	}
	return w
}

// liveBlobs are the blobs the current versions of bucket name, as node n
// sees them.
func liveBlobs(t *testing.T, n *clusterNode, bucket string) []string {
	t.Helper()
	if err := n.svc.sync(bg); err != nil {
		t.Fatal(err)
	}
	bk, err := n.svc.bucketNow(bucket)
	if err != nil {
		t.Fatal(err)
	}
	bk.mu.RLock()
	defer bk.mu.RUnlock()
	var ids []string
	bk.keys.Ascend(func(e *keyEntry) bool {
		for _, v := range e.versions {
			ids = append(ids, v.blobs()...)
		}
		return true
	})
	return ids
}

// TestSharedConditionalClaim: a claim held (by a node in the middle of a
// conditional write) makes another conditional write of the key 409,
// while unconditional writes go on; one left behind by a node that died is
// taken over once claimHold has passed.
func TestSharedConditionalClaim(t *testing.T) {
	nodes := startShared(t, 2)
	a, b := nodes[0], nodes[1]
	if _, err := a.svc.CreateBucket(bg, &CreateBucketInput{Bucket: "held"}); err != nil {
		t.Fatal(err)
	}
	hold := func(at time.Time) {
		data, _ := json.Marshal(claimRecord{At: at})
		if _, err := a.svc.kv.Put(bg, claimKey("held", "k"), data); err != nil {
			t.Fatal(err)
		}
	}
	hold(time.Now())
	put := func(n *clusterNode, ifNoneMatch string) error {
		_, err := n.svc.PutObject(bg, &PutObjectInput{Bucket: "held", Key: "k", IfNoneMatch: ifNoneMatch, Body: bytes.NewReader([]byte("x"))})
		return err
	}
	if err := put(b, "*"); codeOf(err) != "ConditionalRequestConflict" {
		t.Fatalf("a conditional write of a claimed key: %v", err)
	}
	if err := put(b, ""); err != nil {
		t.Fatalf("an unconditional write of a claimed key: %v", err)
	}
	if _, err := a.svc.DeleteObject(bg, &DeleteObjectInput{Bucket: "held", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	hold(time.Now().Add(-claimHold - time.Second))
	if err := put(b, "*"); err != nil {
		t.Fatalf("a conditional write of a key whose claim expired: %v", err)
	}
	if err := put(a, "*"); codeOf(err) != "PreconditionFailed" {
		t.Fatalf("If-None-Match: * of the key just written: %v", err)
	}
	if _, err := a.svc.kv.Get(bg, claimKey("held", "k")); err == nil {
		t.Error("the claim outlived its write")
	}
}

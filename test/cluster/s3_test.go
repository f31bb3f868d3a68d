package cluster

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The object s3PutOnVictim puts through the node killOne kills and
// s3ReadFromSurvivors reads after its death: larger than S3's inline
// limit (64 KiB), so its bytes are a blob file on that node and an object
// of the replicated object store.
const (
	s3Bucket = "cluster-objects"
	s3Key    = "from-n3"
	s3Size   = 3<<20 + 12345
)

func s3Body() []byte {
	r := rand.New(rand.NewPCG(3, 3))
	b := make([]byte, s3Size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func (h *harness) s3(nd *node) *s3.Client {
	return s3.NewFromConfig(h.config(nd), func(o *s3.Options) { o.UsePathStyle = true })
}

// s3PutOnVictim puts an object through n3 (killOne's victim) and reads
// it whole and in part through n1, which has no copy of its bytes.
func (f *fixture) s3PutOnVictim(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	victim := f.h.nodes[2]
	if _, err := f.h.s3(victim).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s3Bucket)}); err != nil {
		t.Fatal(err)
	}
	body := s3Body()
	if _, err := f.h.s3(victim).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s3Bucket), Key: aws.String(s3Key),
		Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("put through %s: %v", victim.name, err)
	}
	other := f.h.nodes[0]
	if got := f.s3Get(ctx, t, other, ""); !bytes.Equal(got, body) {
		t.Fatalf("read through %s: %d bytes differ from the %d put through %s", other.name, len(got), len(body), victim.name)
	}
	if got := f.s3Get(ctx, t, f.h.nodes[1], "bytes=1000000-1000999"); !bytes.Equal(got, body[1000000:1001000]) {
		t.Fatalf("a range through %s differs", f.h.nodes[1].name)
	}
}

// s3ReadFromSurvivors reads the object put through the killed node, whole,
// through each survivor.
func (f *fixture) s3ReadFromSurvivors(t *testing.T) {
	if f.killed == 0 {
		t.Skip("no node was killed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	body := s3Body()
	for _, nd := range f.h.nodes[:2] {
		if got := f.s3Get(ctx, t, nd, ""); !bytes.Equal(got, body) {
			t.Errorf("read through %s after n3's death: %d bytes differ from the %d put", nd.name, len(got), len(body))
		}
	}
}

// s3Get reads the object (or rng of it) through nd, trying again while
// the store elects new leaders (until ctx ends).
func (f *fixture) s3Get(ctx context.Context, t *testing.T, nd *node, rng string) []byte {
	t.Helper()
	in := &s3.GetObjectInput{Bucket: aws.String(s3Bucket), Key: aws.String(s3Key)}
	if rng != "" {
		in.Range = aws.String(rng)
	}
	for {
		out, err := f.h.s3(nd).GetObject(ctx, in)
		if err == nil {
			var got []byte
			got, err = io.ReadAll(out.Body)
			out.Body.Close()
			if err == nil {
				return got
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("get through %s: %v", nd.name, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

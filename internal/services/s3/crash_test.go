package s3

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

const crashChildEnv = "NUBO_S3_CRASH_CHILD"

// crashBody is the bytes an object of the crash test must have: derived
// from its key, so any object found after the crash can be checked.
func crashBody(key string) []byte {
	h := fnv.New32a()
	h.Write([]byte(key))
	n := int(h.Sum32() % (512 << 10))
	if strings.HasPrefix(key, "mpu-") {
		n += 5 << 20
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*131) ^ key[len(key)-1]
	}
	return b
}

// TestCrash uploads from a child process that is killed with SIGKILL mid
// write, then reopens its data: every object the child saw acknowledged is
// there, whole; nothing else is visible but whole objects; no temporary or
// orphan file is left; and every acknowledged object's notification is
// delivered.
func TestCrash(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	f := newFixture(t)
	f.createBucket("crash")
	cfg := &NotificationConfiguration{QueueConfigurations: []QueueConfiguration{{Id: "all", QueueArn: "arn:aws:sqs:us-east-1:000000000000:q", Events: []string{"s3:ObjectCreated:*"}}}}
	if err := f.svc.PutBucketNotificationConfiguration(bg, &PutBucketNotificationConfigurationInput{Bucket: "crash", NotificationConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}
	f.notifier.wait(t, 1) // the test event
	f.close()

	acked := runCrashChild(t, f.dir, 40)
	t.Logf("child acknowledged %d objects before SIGKILL", len(acked))

	f.notifier = newFakeNotifier()
	f.open()
	out, err := f.svc.ListObjectsV2(bg, &ListObjectsV2Input{Bucket: "crash"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, o := range out.Contents {
		seen[o.Key] = true
		got, _ := f.get(&GetObjectInput{Bucket: "crash", Key: o.Key})
		if !bytes.Equal([]byte(got), crashBody(o.Key)) {
			t.Errorf("%s: %d bytes, not the object written", o.Key, len(got))
		}
	}
	for key, sum := range acked {
		if !seen[key] {
			t.Errorf("acknowledged %s lost", key)
		}
		if want := md5.Sum(crashBody(key)); hex.EncodeToString(want[:]) != sum {
			t.Errorf("%s: acknowledged md5 %s", key, sum)
		}
	}
	checkNoLeftovers(t, f)
	notified := map[string]bool{}
	for len(notified) < len(acked) {
		for _, d := range f.notifier.wait(t, len(notified)+1) {
			notified[decodeMessage(t, d.Message).Records[0].S3.Object.Key] = true
		}
		if missing := missingKeys(acked, notified); len(missing) == 0 {
			break
		}
	}
	t.Logf("%d objects visible, %d notified", len(seen), len(notified))
}

func missingKeys(acked map[string]string, notified map[string]bool) []string {
	var m []string
	for k := range acked {
		if !notified[k] {
			m = append(m, k)
		}
	}
	return m
}

// checkNoLeftovers checks tmp is empty and every blob file is named by a
// version: nothing partial is on disk after start-up.
func checkNoLeftovers(t *testing.T, f *fixture) {
	t.Helper()
	if entries, _ := os.ReadDir(filepath.Join(f.dir, "tmp")); len(entries) != 0 {
		t.Errorf("%d temporary files left", len(entries))
	}
	named := map[string]bool{}
	f.svc.mu.RLock()
	for _, b := range f.svc.buckets {
		b.keys.Ascend(func(e *keyEntry) bool {
			for _, v := range e.versions {
				for _, id := range v.blobs() {
					named[id] = true
				}
			}
			return true
		})
		b.uploads.Ascend(func(u *upload) bool {
			for _, p := range u.parts {
				named[p.Blob] = true
			}
			return true
		})
	}
	f.svc.mu.RUnlock()
	filepath.WalkDir(filepath.Join(f.dir, "blobs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !named[d.Name()] {
			t.Errorf("orphan blob %s", d.Name())
		}
		return nil
	})
}

// runCrashChild starts the child writer on dir, waits for n
// acknowledgements, kills it with SIGKILL and returns what it acknowledged
// (key to hex MD5).
func runCrashChild(t *testing.T, dir string, n int) map[string]string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		key, sum, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "ack "), " ")
		if !ok || !strings.HasPrefix(sc.Text(), "ack ") {
			continue
		}
		acked[key] = sum
		if len(acked) == n {
			break
		}
	}
	cmd.Process.Kill() // SIGKILL, mid-write
	io.Copy(io.Discard, stdout)
	cmd.Wait()
	if len(acked) < n {
		t.Fatalf("child stopped after %d acknowledgements", len(acked))
	}
	return acked
}

// crashChild writes objects until it is killed: plain puts from three
// writers and multipart uploads from a fourth, printing "ack KEY MD5" once
// each is acknowledged. It does not deliver notifications (it does not
// Run), so every job stays queued for the parent.
func crashChild(dir string) {
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: dir})
	if err != nil {
		panic(err)
	}
	kv, _ := st.KV(ctx, "s3")
	q, _ := st.WorkQueue(ctx, "S3_EVENTS", "s3events", 2*time.Second)
	svc, err := New(ctx, kv, Options{Dir: dir, Notifier: newFakeNotifier(), Events: q})
	if err != nil {
		panic(err)
	}
	var mu sync.Mutex
	ack := func(key string, body []byte) {
		sum := md5.Sum(body)
		mu.Lock()
		fmt.Fprintf(os.Stdout, "ack %s %s\n", key, hex.EncodeToString(sum[:]))
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("put-%d-%05d", w, i)
				body := crashBody(key)
				if _, err := svc.PutObject(ctx, &PutObjectInput{Bucket: "crash", Key: key, Body: &chunkReader{r: bytes.NewReader(body)}}); err != nil {
					panic(err)
				}
				ack(key, body)
			}
		})
	}
	wg.Go(func() {
		for i := 0; ; i++ {
			key := fmt.Sprintf("mpu-%05d", i)
			body := crashBody(key)
			up, err := svc.CreateMultipartUpload(ctx, &CreateMultipartUploadInput{Bucket: "crash", Key: key})
			if err != nil {
				panic(err)
			}
			var parts []CompletedPart
			for n, chunk := range [][]byte{body[:5<<20], body[5<<20:]} {
				out, err := svc.UploadPart(ctx, &UploadPartInput{Bucket: "crash", Key: key, UploadId: up.UploadId, PartNumber: int32(n + 1), Body: &chunkReader{r: bytes.NewReader(chunk)}})
				if err != nil {
					panic(err)
				}
				parts = append(parts, CompletedPart{PartNumber: int32(n + 1), ETag: out.ETag})
			}
			if _, err := svc.CompleteMultipartUpload(ctx, &CompleteMultipartUploadInput{Bucket: "crash", Key: key, UploadId: up.UploadId, MultipartUpload: &CompletedMultipartUpload{Parts: parts}}); err != nil {
				panic(err)
			}
			ack(key, body)
		}
	})
	wg.Wait()
}

// chunkReader hands out at most 32 KiB a read, as a network body does, so
// that a write is in progress for a while.
type chunkReader struct{ r io.Reader }

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) > 32<<10 {
		p = p[:32<<10]
	}
	return c.r.Read(p)
}

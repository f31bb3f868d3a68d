package s3bench

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The credentials every target is given and every request is signed with.
const (
	accessKey = "benchbench"
	secretKey = "benchbenchbenchbench"
)

// client sends S3 requests over keep-alive HTTP, SigV4-signed with an
// unsigned payload, as SDKs send them over TLS (so that no target hashes
// bodies it is not asked to).
type client struct {
	base   string
	http   *http.Client
	signer *v4.Signer
	creds  aws.Credentials
}

func newClient(addr string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute,
		DisableCompression: true}
	return &client{base: "http://" + addr, http: &http.Client{Transport: tr}, signer: v4.NewSigner(),
		creds: aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}}
}

// do sends one request and reads the whole answer (into w when set).
func (c *client) do(ctx context.Context, method, path string, query url.Values, body []byte, w io.Writer) ([]byte, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := c.signer.SignHTTP(ctx, c.creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if w != nil {
		_, err = io.Copy(w, resp.Body)
		return nil, err
	}
	return io.ReadAll(resp.Body)
}

func (c *client) createBucket(ctx context.Context, bucket string) error {
	_, err := c.do(ctx, "PUT", "/"+bucket, nil, nil, nil)
	return err
}

func (c *client) put(ctx context.Context, bucket, key string, body []byte) error {
	_, err := c.do(ctx, "PUT", "/"+bucket+"/"+key, nil, body, nil)
	return err
}

func (c *client) get(ctx context.Context, bucket, key string) error {
	_, err := c.do(ctx, "GET", "/"+bucket+"/"+key, nil, nil, io.Discard)
	return err
}

// multipart uploads size bytes of part in parts of len(part), conc at a
// time, and returns each part's latency.
func (c *client) multipart(ctx context.Context, bucket, key string, part []byte, parts, conc int) ([]time.Duration, error) {
	out, err := c.do(ctx, "POST", "/"+bucket+"/"+key, url.Values{"uploads": {""}}, nil, nil)
	if err != nil {
		return nil, err
	}
	var init struct{ UploadId string }
	if err := xml.Unmarshal(out, &init); err != nil {
		return nil, err
	}
	type done struct {
		n    int
		etag string
		lat  time.Duration
		err  error
	}
	jobs, results := make(chan int), make(chan done, parts)
	for w := 0; w < conc; w++ {
		go func() {
			for n := range jobs {
				t := time.Now()
				etag, err := c.uploadPart(ctx, bucket, key, init.UploadId, n, part)
				results <- done{n, etag, time.Since(t), err}
			}
		}()
	}
	go func() {
		for n := 1; n <= parts; n++ {
			jobs <- n
		}
		close(jobs)
	}()
	etags := make([]string, parts+1)
	var lat []time.Duration
	for range parts {
		d := <-results
		if d.err != nil && err == nil {
			err = d.err
		}
		etags[d.n], lat = d.etag, append(lat, d.lat)
	}
	if err != nil {
		return nil, err
	}
	var doc bytes.Buffer
	doc.WriteString("<CompleteMultipartUpload>")
	for n := 1; n <= parts; n++ {
		fmt.Fprintf(&doc, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", n, etags[n])
	}
	doc.WriteString("</CompleteMultipartUpload>")
	_, err = c.do(ctx, "POST", "/"+bucket+"/"+key, url.Values{"uploadId": {init.UploadId}}, doc.Bytes(), nil)
	return lat, err
}

func (c *client) uploadPart(ctx context.Context, bucket, key, id string, n int, body []byte) (string, error) {
	u := fmt.Sprintf("%s/%s/%s?partNumber=%d&uploadId=%s", c.base, bucket, key, n, url.QueryEscape(id))
	req, err := http.NewRequestWithContext(ctx, "PUT", u, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := c.signer.SignHTTP(ctx, c.creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		return "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("UploadPart %d: %s", n, resp.Status)
	}
	return resp.Header.Get("ETag"), nil
}

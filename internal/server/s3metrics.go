package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/services/s3"
	"github.com/nubo-dev/nubo/internal/services/s3/s3api"
)

// s3FilterID is the FilterId of the request metrics nubo keeps for every
// bucket, as AWS does for a metrics configuration over the whole bucket.
const s3FilterID = "EntireBucket"

// s3StorageEvery is how often the bill samples what buckets store.
const s3StorageEvery = 10 * time.Minute

// s3Observer turns S3's requests into AWS/S3 request metrics and lines
// of the bill.
type s3Observer struct{ obs *observability }

// Request records one request's metrics and meters it.
func (o s3Observer) Request(r s3api.Request) {
	dims := []cloudwatch.Dimension{{Name: "BucketName", Value: r.Bucket}, {Name: "FilterId", Value: s3FilterID}}
	rec := func(name string, v float64) { o.obs.metrics.Put(cloudwatch.NamespaceS3, name, r.Region, dims, v) }
	rec(cloudwatch.AllRequests, 1)
	if name := methodMetric(r); name != "" {
		rec(name, 1)
	}
	rec(cloudwatch.Errors4xx, flag(r.Status >= 400 && r.Status < 500))
	rec(cloudwatch.Errors5xx, flag(r.Status >= 500))
	// Object bytes: what GETs of objects sent and what uploads brought.
	if r.Status < 300 {
		switch r.Operation {
		case "GetObject":
			rec(cloudwatch.BytesDownloaded, float64(r.BytesOut))
		case "PutObject", "UploadPart", "PostObject":
			rec(cloudwatch.BytesUploaded, float64(r.BytesIn))
		}
	}
	rec(cloudwatch.FirstByteLatency, ms(r.FirstByte))
	rec(cloudwatch.TotalRequestLatency, ms(r.Total))
	if tier, billed := s3Tier(r); billed {
		o.obs.meter.AddS3Request(time.Now(), r.Region, r.Bucket, tier)
	}
}

// methodMetric is the per-method request metric of r: ListRequests for
// listings, else by HTTP method.
func methodMetric(r s3api.Request) string {
	if strings.HasPrefix(r.Operation, "List") {
		return cloudwatch.ListRequests
	}
	switch r.Method {
	case http.MethodGet:
		return cloudwatch.GetRequests
	case http.MethodPut:
		return cloudwatch.PutRequests
	case http.MethodDelete:
		return cloudwatch.DeleteRequests
	case http.MethodHead:
		return cloudwatch.HeadRequests
	case http.MethodPost:
		return cloudwatch.PostRequests
	}
	return ""
}

// s3Tier is how S3 prices a request: tier 1 for PUT, COPY, POST and LIST,
// tier 2 for GET and the others; DELETE (and an abort) is free.
func s3Tier(r s3api.Request) (tier1, billed bool) {
	switch {
	case r.Method == http.MethodDelete:
		return false, false
	case strings.HasPrefix(r.Operation, "List"), r.Method == http.MethodPut, r.Method == http.MethodPost:
		return true, true
	}
	return false, true
}

func flag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// meterS3Storage samples what every bucket stores every s3StorageEvery
// and bills it for the time since the last sample, until ctx ends (what
// was stored since the last sample is not billed).
func (o s3Observer) meterS3Storage(ctx context.Context, svc *s3.Service) error {
	t := time.NewTicker(s3StorageEvery)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			// In a cluster every node sees every bucket: one bills them.
			if svc.Claim(ctx, "storage", s3StorageEvery) {
				for _, u := range svc.Usage() {
					o.obs.meter.AddS3Storage(now, u.Region, u.Bucket, u.Bytes, now.Sub(last))
				}
			}
			last = now
		}
	}
}

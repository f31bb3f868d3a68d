package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/nubo-dev/nubo/internal/meter"
)

// S3's requests become AWS/S3 request metrics per bucket, and lines of
// the bill in S3's two price tiers.
func TestS3MetricsAndBill(t *testing.T) {
	n := sharedNubo(t)
	c := s3Client(n)
	ctx := context.Background()
	b := createBucket(t, c, "metered")
	put(t, c, b, "a", strings.Repeat("x", 1000))
	put(t, c, b, "b", "y")
	getBody(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("a")})
	c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("missing")})
	c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("b")})

	cw := n.cloudwatchClient("")
	sum := func(metric string) float64 {
		t.Helper()
		now := time.Now()
		out, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
			Namespace: aws.String("AWS/S3"), MetricName: aws.String(metric),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("BucketName"), Value: aws.String(b)}, {Name: aws.String("FilterId"), Value: aws.String("EntireBucket")}},
			StartTime:  aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now.Add(time.Minute)), Period: aws.Int32(3660),
			Statistics: []cwtypes.Statistic{cwtypes.StatisticSum},
		})
		if err != nil {
			t.Fatalf("GetMetricStatistics %s: %v", metric, err)
		}
		var s float64
		for _, p := range out.Datapoints {
			s += aws.ToFloat64(p.Sum)
		}
		return s
	}
	// CreateBucket, two PUTs, two GETs, a list and a DELETE.
	for metric, want := range map[string]float64{"AllRequests": 7, "PutRequests": 3, "GetRequests": 2, "ListRequests": 1,
		"DeleteRequests": 1, "4xxErrors": 1, "5xxErrors": 0, "BytesDownloaded": 1000, "BytesUploaded": 1001} {
		if got := sum(metric); got != want {
			t.Errorf("%s: %v, want %v", metric, got, want)
		}
	}
	list, err := cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/S3"), Dimensions: []cwtypes.DimensionFilter{{Name: aws.String("BucketName"), Value: aws.String(b)}}})
	if err != nil || len(list.Metrics) < 9 || aws.ToString(list.Metrics[0].Namespace) != "AWS/S3" {
		t.Errorf("ListMetrics: %v %d", err, len(list.Metrics))
	}

	// The bill is nubo's own path, signed for "nubo" as its CLI signs.
	resp := n.do(t, "GET", meter.Path, signedFor("nubo"), nil)
	var bill meter.Report
	if err := json.Unmarshal(resp.body, &bill); err != nil {
		t.Fatal(err)
	}
	for _, bc := range bill.S3 {
		if bc.Bucket == b {
			// Tier 1: CreateBucket, two PUTs, the list; tier 2: two GETs.
			if bc.Tier1Requests != 4 || bc.Tier2Requests != 2 || bc.Cost <= 0 {
				t.Errorf("bill of %s: %+v", b, bc)
			}
			return
		}
	}
	t.Errorf("no S3 line for %s in %+v", b, bill.S3)
}

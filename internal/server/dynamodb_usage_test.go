package server_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/nubo-dev/nubo/internal/meter"
)

// TestDynamoDBMetricsAndBill checks that DynamoDB's requests show in
// CloudWatch under AWS/DynamoDB and on the bill as request units.
func TestDynamoDBMetricsAndBill(t *testing.T) {
	ctx := context.Background()
	n := startNubo(t, "")
	n.region = region
	c := n.dynamodbClient()
	createStreamTable(t, c, "billed")
	for _, pk := range []string{"a", "b", "c"} {
		putItem(t, c, "billed", pk, "ok")
	}
	if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("billed"), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}}}); err != nil {
		t.Fatal(err)
	}
	c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("billed"), Key: map[string]types.AttributeValue{"nope": &types.AttributeValueMemberS{Value: "a"}}})
	cw := n.cloudwatchClient("")
	sum := func(name string, dims ...cwtypes.Dimension) float64 {
		t.Helper()
		out, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/DynamoDB"), MetricName: aws.String(name),
			Dimensions: dims, StartTime: aws.Time(time.Now().Add(-time.Hour)), EndTime: aws.Time(time.Now().Add(time.Minute)),
			Period: aws.Int32(3600), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum}})
		if err != nil {
			t.Fatal(err)
		}
		total := 0.0
		for _, p := range out.Datapoints {
			total += aws.ToFloat64(p.Sum)
		}
		return total
	}
	table := cwtypes.Dimension{Name: aws.String("TableName"), Value: aws.String("billed")}
	if got := sum("ConsumedWriteCapacityUnits", table); got != 3 {
		t.Errorf("ConsumedWriteCapacityUnits = %v, want 3", got)
	}
	if got := sum("ConsumedReadCapacityUnits", table); got != 0.5 {
		t.Errorf("ConsumedReadCapacityUnits = %v, want 0.5", got)
	}
	if got := sum("UserErrors"); got != 1 {
		t.Errorf("UserErrors = %v, want 1", got)
	}
	lat, err := cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/DynamoDB"), MetricName: aws.String("SuccessfulRequestLatency")})
	if err != nil || len(lat.Metrics) < 2 {
		t.Errorf("ListMetrics SuccessfulRequestLatency: %v %+v", err, lat)
	}
	// The bill is nubo's own path, signed for "nubo" as its CLI signs.
	resp := n.do(t, "GET", meter.Path, signedFor("nubo"), nil)
	var bill meter.Report
	json.Unmarshal(resp.body, &bill)
	if len(bill.DynamoDB) != 1 || bill.DynamoDB[0].WriteRequestUnits != 3 || bill.DynamoDB[0].ReadRequestUnits != 0.5 || bill.DynamoDB[0].Cost <= 0 {
		t.Errorf("bill = %+v", bill.DynamoDB)
	}
}

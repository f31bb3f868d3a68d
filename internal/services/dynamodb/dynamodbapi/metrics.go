package dynamodbapi

import (
	"context"
	"errors"
	"reflect"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/services/dynamodb"
	"github.com/nubo-dev/nubo/internal/wire"
)

// Metrics records DynamoDB's request metrics in AWS/DynamoDB.
type Metrics interface {
	Put(ns, name, region string, dims []cloudwatch.Dimension, value float64)
}

// observe records a request's metrics as DynamoDB does:
// SuccessfulRequestLatency and ReturnedItemCount per table and operation,
// SystemErrors per table and operation, ConditionalCheckFailedRequests
// per table, UserErrors per region. ConsumedRead/WriteCapacityUnits come
// from the domain (dynamodb.Usage). nubo never throttles, so
// ThrottledRequests has no data, as in a table that was never throttled.
func (h handler) observe(ctx context.Context, op string, in, out any, err error, took time.Duration) {
	if h.metrics == nil {
		return
	}
	region := wire.Region(ctx)
	table := tableOf(in)
	dims := []cloudwatch.Dimension{{Name: "TableName", Value: table}, {Name: "Operation", Value: op}}
	var e *awserr.Error
	switch {
	case err == nil && table != "":
		h.metrics.Put(cloudwatch.NamespaceDynamoDB, cloudwatch.SuccessfulRequestLatency, region, dims, float64(took.Microseconds())/1000)
		if q, ok := out.(*dynamodb.QueryOutput); ok {
			h.metrics.Put(cloudwatch.NamespaceDynamoDB, cloudwatch.ReturnedItemCount, region, dims, float64(q.Count))
		}
	case err == nil:
	case errors.As(err, &e) && e.Code == dynamodb.ErrConditionalCheckFailed:
		h.metrics.Put(cloudwatch.NamespaceDynamoDB, cloudwatch.ConditionalCheckFailedRequests, region, dims[:1], 1)
	case errors.As(err, &e) && e.Code.Status < 500:
		h.metrics.Put(cloudwatch.NamespaceDynamoDB, cloudwatch.UserErrors, region, nil, 1)
	case table != "":
		h.metrics.Put(cloudwatch.NamespaceDynamoDB, cloudwatch.SystemErrors, region, dims, 1)
	}
}

// tableOf is the TableName of a request's input, or "".
func tableOf(in any) string {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	f := v.Elem().FieldByName("TableName")
	if !f.IsValid() || f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}

// Package cloudwatch serves the CloudWatch metrics API (SigV4 signing name
// "monitoring") over the metrics of package cloudwatch: ListMetrics, GetMetricStatistics and
// GetMetricData for the AWS/Lambda namespace, declared to the wire layer,
// which serves them in the three protocols CloudWatch's clients speak: the
// query protocol (the AWS CLI v2 of Debian and older SDKs), awsJson1_0
// (X-Amz-Target: GraniteServiceVersion20100801.<Op>) and Smithy RPC v2
// CBOR (the current aws-sdk-go-v2). CloudWatch is awsQueryCompatible: its
// JSON and CBOR errors carry the query code in x-amzn-query-error.
package cloudwatchapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/wire"
)

// serviceName is CloudWatch's service shape, which names its JSON target
// and its CBOR paths.
const serviceName = "GraniteServiceVersion20100801"

// Metrics is what the API needs of the metrics store.
type Metrics interface {
	Query(ctx context.Context, q cloudwatch.Query) ([]cloudwatch.Datapoint, error)
	// QueryMany answers several queries at once (GetMetricData's).
	QueryMany(ctx context.Context, qs []cloudwatch.Query) ([][]cloudwatch.Datapoint, error)
	List(region, name string, dims []cloudwatch.Dimension, recent bool) []cloudwatch.Metric
}

// Error codes: the shape's name (JSON, CBOR) and its query code.
var (
	errInvalidValue  = &awserr.Code{Name: "InvalidParameterValueException", Query: "InvalidParameterValue", Status: http.StatusBadRequest}
	errMissing       = &awserr.Code{Name: "MissingRequiredParameterException", Query: "MissingParameter", Status: http.StatusBadRequest}
	errCombination   = &awserr.Code{Name: "InvalidParameterCombinationException", Query: "InvalidParameterCombination", Status: http.StatusBadRequest}
	errInternalFault = &awserr.Code{Name: "InternalServiceFault", Query: "InternalServiceError", Status: http.StatusInternalServerError}
)

func invalidValue(format string, args ...any) error {
	return awserr.New(errInvalidValue, format, args...)
}
func missing(name string) error {
	return awserr.New(errMissing, "The parameter %s is required.", name)
}
func combination(format string, args ...any) error {
	return awserr.New(errCombination, format, args...)
}

type service struct{ metrics Metrics }

// New returns the API over m, the metrics of account, for the wire layer.
// Its operations act on no particular resource (IAM's "*"); other accounts
// have no metrics.
func New(m Metrics, account string, log *slog.Logger) *wire.Service {
	s := service{m}
	return &wire.Service{
		Name:            "monitoring",
		Query:           &wire.QueryProtocol{Namespace: "http://monitoring.amazonaws.com/doc/2010-08-01/"},
		JSON:            &wire.JSONProtocol{Target: serviceName, Version: "1.0"},
		CBOR:            &wire.CBORProtocol{Service: serviceName},
		QueryCompatible: true,
		Errors:          wire.Errors{Internal: errInternalFault, BadRequest: errInvalidValue},
		Log:             log,
		Home:            account,
		IAMPrefix:       "cloudwatch",
		Ops: []wire.Op{
			wire.Operation("ListMetrics", s.listMetrics).AnyResource(),
			wire.Operation("GetMetricStatistics", s.getMetricStatistics).AnyResource(),
			wire.Operation("GetMetricData", s.getMetricData).AnyResource(),
		},
	}
}

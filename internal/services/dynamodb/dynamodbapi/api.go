// Package dynamodbapi is DynamoDB's wire package: every operation of the
// dynamodb domain declared to the wire layer, in AWS JSON 1.0 under two
// X-Amz-Target prefixes that share the signing name "dynamodb":
// DynamoDB_20120810 (tables, items, PartiQL) and DynamoDBStreams_20120810
// (ListStreams, DescribeStream, GetShardIterator, GetRecords). Every
// response carries x-amz-crc32, the CRC32 of its body, as DynamoDB's do:
// the SDKs verify it when it is there.
package dynamodbapi

import (
	"context"
	"hash/crc32"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb"
	"github.com/nubo-dev/nubo/internal/wire"
)

// maxRequest bounds a request body: DynamoDB takes up to 16 MB (a
// BatchWriteItem of 25 items of 400 KB is far less; PartiQL batches too).
const maxRequest = 16 << 20

// errSerialization is DynamoDB's answer to a body that is not the
// operation's JSON shape.
var errSerialization = &awserr.Code{Name: "SerializationException", Status: http.StatusBadRequest, Namespace: "com.amazon.coral.service"}

type handler struct {
	svc     *dynamodb.Service
	account string
	metrics Metrics
}

// New returns DynamoDB's and DynamoDB Streams' service for the wire layer;
// account is the account every request acts in, m (if not nil) records
// the AWS/DynamoDB request metrics.
func New(svc *dynamodb.Service, account string, m Metrics, log *slog.Logger) *wire.Service {
	h := handler{svc, account, m}
	return &wire.Service{
		Name:        "dynamodb",
		JSON:        &wire.JSONProtocol{Target: "DynamoDB_20120810", Version: "1.0", Also: []string{"DynamoDBStreams_20120810"}},
		BodyHeaders: crc32Header,
		Errors: wire.Errors{
			Internal:        dynamodb.ErrInternalServer,
			InternalMessage: "Internal server error",
			BadRequest:      errSerialization,
			MaxBody:         maxRequest,
		},
		Log: log,
		Ops: []wire.Op{
			// Tables.
			op(h, "CreateTable", (*dynamodb.Service).CreateTable),
			op(h, "DescribeTable", (*dynamodb.Service).DescribeTable),
			op(h, "UpdateTable", (*dynamodb.Service).UpdateTable),
			op(h, "DeleteTable", (*dynamodb.Service).DeleteTable),
			op(h, "ListTables", (*dynamodb.Service).ListTables),
			noOutput(h, "TagResource", (*dynamodb.Service).TagResource),
			noOutput(h, "UntagResource", (*dynamodb.Service).UntagResource),
			op(h, "ListTagsOfResource", (*dynamodb.Service).ListTagsOfResource),
			op(h, "UpdateTimeToLive", (*dynamodb.Service).UpdateTimeToLive),
			op(h, "DescribeTimeToLive", (*dynamodb.Service).DescribeTimeToLive),
			wire.Operation("DescribeLimits", h.describeLimits),
			wire.Operation("DescribeEndpoints", h.describeEndpoints),
			// Items.
			op(h, "PutItem", (*dynamodb.Service).PutItem),
			op(h, "GetItem", (*dynamodb.Service).GetItem),
			op(h, "UpdateItem", (*dynamodb.Service).UpdateItem),
			op(h, "DeleteItem", (*dynamodb.Service).DeleteItem),
			op(h, "Query", (*dynamodb.Service).Query),
			op(h, "Scan", (*dynamodb.Service).Scan),
			op(h, "BatchGetItem", (*dynamodb.Service).BatchGetItem),
			op(h, "BatchWriteItem", (*dynamodb.Service).BatchWriteItem),
			op(h, "TransactWriteItems", (*dynamodb.Service).TransactWriteItems),
			op(h, "TransactGetItems", (*dynamodb.Service).TransactGetItems),
			// PartiQL.
			op(h, "ExecuteStatement", (*dynamodb.Service).ExecuteStatement),
			op(h, "BatchExecuteStatement", (*dynamodb.Service).BatchExecuteStatement),
			op(h, "ExecuteTransaction", (*dynamodb.Service).ExecuteTransaction),
			// Streams (DynamoDBStreams_20120810).
			op(h, "ListStreams", (*dynamodb.Service).ListStreams),
			op(h, "DescribeStream", (*dynamodb.Service).DescribeStream),
			op(h, "GetShardIterator", (*dynamodb.Service).GetShardIterator),
			op(h, "GetRecords", (*dynamodb.Service).GetRecords),
		},
	}
}

// scope is the account and region a request acts in.
func (h handler) scope(ctx context.Context) dynamodb.Scope {
	return dynamodb.Scope{Account: h.account, Region: wire.Region(ctx)}
}

// op declares a domain method as an operation, with its metrics.
func op[In, Out any](h handler, name string, fn func(*dynamodb.Service, context.Context, dynamodb.Scope, *In) (*Out, error)) wire.Op {
	return wire.Operation(name, func(ctx context.Context, in *In) (*Out, error) {
		start := time.Now()
		out, err := fn(h.svc, ctx, h.scope(ctx), in)
		h.observe(ctx, name, in, out, err, time.Since(start))
		return out, err
	})
}

// noOutput declares a domain method without output as an operation.
func noOutput[In any](h handler, name string, fn func(*dynamodb.Service, context.Context, dynamodb.Scope, *In) error) wire.Op {
	return wire.NoOutput(name, func(ctx context.Context, in *In) error {
		start := time.Now()
		err := fn(h.svc, ctx, h.scope(ctx), in)
		h.observe(ctx, name, in, nil, err, time.Since(start))
		return err
	})
}

func (h handler) describeLimits(ctx context.Context, _ *struct{}) (*dynamodb.DescribeLimitsOutput, error) {
	return h.svc.DescribeLimits(ctx, h.scope(ctx))
}

// describeEndpoints names the host the client reached as the endpoint.
func (h handler) describeEndpoints(ctx context.Context, _ *struct{}) (*dynamodb.DescribeEndpointsOutput, error) {
	host := ""
	if r := wire.CallOf(ctx).Request; r != nil {
		host = r.Host
	}
	return h.svc.DescribeEndpoints(ctx, h.scope(ctx), host)
}

// crc32Header is DynamoDB's x-amz-crc32: the IEEE CRC32 of the body, in
// decimal.
func crc32Header(h http.Header, body []byte) {
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
}

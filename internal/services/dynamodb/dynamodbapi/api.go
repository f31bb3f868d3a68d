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
		Log:  log,
		Home: account,
		Ops: []wire.Op{
			// Tables.
			tableOp(h, "CreateTable", (*dynamodb.Service).CreateTable),
			tableOp(h, "DescribeTable", (*dynamodb.Service).DescribeTable),
			tableOp(h, "UpdateTable", (*dynamodb.Service).UpdateTable),
			tableOp(h, "DeleteTable", (*dynamodb.Service).DeleteTable),
			op(h, "ListTables", (*dynamodb.Service).ListTables).AnyResource(),
			wire.ResourceFrom(noOutput(h, "TagResource", (*dynamodb.Service).TagResource), tagged),
			wire.ResourceFrom(noOutput(h, "UntagResource", (*dynamodb.Service).UntagResource), untagged),
			wire.ResourceFrom(op(h, "ListTagsOfResource", (*dynamodb.Service).ListTagsOfResource), tagsOf),
			tableOp(h, "UpdateTimeToLive", (*dynamodb.Service).UpdateTimeToLive),
			tableOp(h, "DescribeTimeToLive", (*dynamodb.Service).DescribeTimeToLive),
			wire.Operation("DescribeLimits", h.describeLimits).AnyResource(),
			wire.Operation("DescribeEndpoints", h.describeEndpoints).AnyResource(),
			// Items.
			tableOp(h, "PutItem", (*dynamodb.Service).PutItem),
			tableOp(h, "GetItem", (*dynamodb.Service).GetItem),
			tableOp(h, "UpdateItem", (*dynamodb.Service).UpdateItem),
			tableOp(h, "DeleteItem", (*dynamodb.Service).DeleteItem),
			tableOp(h, "Query", (*dynamodb.Service).Query),
			tableOp(h, "Scan", (*dynamodb.Service).Scan),
			wire.AccessFrom(op(h, "BatchGetItem", (*dynamodb.Service).BatchGetItem), h.batchGetAccess),
			wire.AccessFrom(op(h, "BatchWriteItem", (*dynamodb.Service).BatchWriteItem), h.batchWriteAccess),
			wire.AccessFrom(op(h, "TransactWriteItems", (*dynamodb.Service).TransactWriteItems), h.transactWriteAccess),
			wire.AccessFrom(op(h, "TransactGetItems", (*dynamodb.Service).TransactGetItems), h.transactGetAccess),
			// PartiQL.
			wire.AccessFrom(op(h, "ExecuteStatement", (*dynamodb.Service).ExecuteStatement), h.executeAccess),
			wire.AccessFrom(op(h, "BatchExecuteStatement", (*dynamodb.Service).BatchExecuteStatement), h.batchExecuteAccess),
			wire.AccessFrom(op(h, "ExecuteTransaction", (*dynamodb.Service).ExecuteTransaction), h.transactionAccess),
			// Streams (DynamoDBStreams_20120810).
			op(h, "ListStreams", (*dynamodb.Service).ListStreams).AnyResource(),
			wire.ResourceFrom(op(h, "DescribeStream", (*dynamodb.Service).DescribeStream), streamOf),
			wire.ResourceFrom(op(h, "GetShardIterator", (*dynamodb.Service).GetShardIterator), iteratorOf),
			wire.ResourceFrom(op(h, "GetRecords", (*dynamodb.Service).GetRecords), recordsOf),
		},
	}
}

// scope is the account and region a request acts in.
func (h handler) scope(ctx context.Context) dynamodb.Scope {
	return dynamodb.Scope{Account: h.account, Region: wire.Region(ctx)}
}

// op declares a domain method as an operation, with its metrics; in a
// cluster it runs on the node that holds DynamoDB (dynamodb.Route).
func op[In, Out any](h handler, name string, fn func(*dynamodb.Service, context.Context, dynamodb.Scope, *In) (*Out, error)) wire.Op {
	run := dynamodb.Route(h.svc, name, fn)
	return wire.Operation(name, func(ctx context.Context, in *In) (*Out, error) {
		start := time.Now()
		out, err := run(ctx, h.scope(ctx), in)
		h.observe(ctx, name, in, out, err, time.Since(start))
		return out, err
	})
}

// noOutput declares a domain method without output as an operation.
func noOutput[In any](h handler, name string, fn func(*dynamodb.Service, context.Context, dynamodb.Scope, *In) error) wire.Op {
	run := dynamodb.Route(h.svc, name, func(s *dynamodb.Service, ctx context.Context, scope dynamodb.Scope, in *In) (*struct{}, error) {
		return &struct{}{}, fn(s, ctx, scope, in)
	})
	return wire.NoOutput(name, func(ctx context.Context, in *In) error {
		start := time.Now()
		_, err := run(ctx, h.scope(ctx), in)
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

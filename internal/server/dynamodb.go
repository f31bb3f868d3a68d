package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/services/dynamodb"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/services/lambda/esm"
	"github.com/nubo-dev/nubo/internal/store/pebblestore"
)

// buildDynamoDB opens DynamoDB's Pebble store under <data-dir>/dynamodb
// and the service on it (in a cluster, with the DYNAMODB log); the store
// is closed after the service's sweeper stopped.
func (s *Server) buildDynamoDB(ctx context.Context) error {
	db, err := pebblestore.Open(filepath.Join(s.cfg.DataDir, "dynamodb"), s.log)
	if err != nil {
		return fmt.Errorf("open dynamodb store: %w", err)
	}
	s.closers = append(s.closers, db.Close)
	opts := dynamodb.Options{Logger: s.log, Usage: dynamoUsage{s.obs}}
	if s.cluster != nil {
		// Each node keeps its Pebble; commits go through the replicated
		// log that every node applies (dynamodb/replica.go).
		if opts.Log, err = s.store.Log(ctx, "DYNAMODB", "dynamodb.log"); err != nil {
			return err
		}
		opts.Cluster = s.cluster
	}
	s.dynamodb, err = dynamodb.New(ctx, db, opts)
	if err != nil {
		return err
	}
	s.runners = append(s.runners, s.dynamodb.Run, s.meterStorage)
	return nil
}

// dynamoUsage turns the capacity DynamoDB's requests consume into
// AWS/DynamoDB metrics and the bill's request units.
type dynamoUsage struct{ o *observability }

func (u dynamoUsage) Consumed(region, table string, read, write float64) {
	dims := []cloudwatch.Dimension{{Name: "TableName", Value: table}}
	if read > 0 {
		u.o.metrics.Put(cloudwatch.NamespaceDynamoDB, cloudwatch.ConsumedReadCapacityUnits, region, dims, read)
	}
	if write > 0 {
		u.o.metrics.Put(cloudwatch.NamespaceDynamoDB, cloudwatch.ConsumedWriteCapacityUnits, region, dims, write)
	}
	u.o.meter.AddDynamoDB(time.Now(), region, table, read, write)
}

// storageSample is how often the tables' sizes are metered.
const storageSample = time.Minute

// meterStorage meters the tables' sizes every storageSample until ctx
// ends, for the bill's GB-months.
func (s *Server) meterStorage(ctx context.Context) error {
	t := time.NewTicker(storageSample)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			for _, size := range s.dynamodb.Sizes() {
				s.obs.meter.AddDynamoDBStorage(now, size.Region, size.Name, size.Bytes, now.Sub(last))
			}
			last = now
		}
	}
}

// streamSource serves DynamoDB streams to event source mappings.
type streamSource struct{ svc *dynamodb.Service }

func (s streamSource) Shards(ctx context.Context, arn string) ([]esm.Shard, error) {
	shards, err := s.svc.StreamShards(ctx, arn)
	out := make([]esm.Shard, len(shards))
	for i, sh := range shards {
		out[i] = esm.Shard{ID: sh.ID, Parent: sh.Parent, First: sh.First, End: sh.End}
	}
	return out, err
}

// eventRecord is a stream record as a function's event carries it.
type eventRecord struct {
	dynamodb.Record
	EventSourceARN string `json:"eventSourceARN"`
}

func (s streamSource) Read(ctx context.Context, arn string, sh esm.Shard, from uint64, limit int) ([]esm.StreamRecord, uint64, error) {
	recs, next, err := s.svc.StreamRead(ctx, arn, dynamodb.StreamShard{ID: sh.ID, Parent: sh.Parent, First: sh.First, End: sh.End}, from, limit)
	out := make([]esm.StreamRecord, len(recs))
	for i, r := range recs {
		data, _ := json.Marshal(eventRecord{r.Record, arn})
		sec, frac := math.Modf(r.Dynamodb.ApproximateCreationDateTime)
		out[i] = esm.StreamRecord{Seq: r.Seq, SeqText: r.Dynamodb.SequenceNumber, Key: string(attr.MarshalItemJSON(r.Dynamodb.Keys)),
			Time: time.Unix(int64(sec), int64(frac*1e9)), Data: data}
	}
	return out, next, err
}

func (s streamSource) Next(arn string) (uint64, error)          { return s.svc.StreamNext(arn) }
func (s streamSource) Wait(arn string) (<-chan struct{}, error) { return s.svc.StreamWait(arn) }

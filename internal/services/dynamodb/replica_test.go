package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/store/pebblestore"
)

// logNode is a service with its own Pebble sharing a log with others and
// no cluster: every node writes, as holders that overlap do, so this is
// the log's worst case, and it runs under the race detector (a clustered
// NATS does not: natstest.SkipRace).
type logNode struct {
	dir  string
	log  store.Log
	s    *Service
	stop func()
	put  func(context.Context, Scope, *PutItemInput) (*PutItemOutput, error)
	txw  func(context.Context, Scope, *TransactWriteItemsInput) (*TransactWriteItemsOutput, error)
}

func (n *logNode) start(t *testing.T) {
	db, err := pebblestore.Open(n.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n.s, err = New(context.Background(), db, Options{Log: n.log, SweepInterval: time.Hour}); err != nil {
		t.Fatal(err)
	}
	n.put = Route(n.s, "PutItem", (*Service).PutItem)
	n.txw = Route(n.s, "TransactWriteItems", (*Service).TransactWriteItems)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.s.Run(ctx) }()
	n.stop = func() { cancel(); <-done; db.Close() }
}

func (n *logNode) catchUp(t *testing.T) {
	t.Helper()
	if err := n.s.rep.catchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// openLog opens a log on a store of its own, closed when the test ends.
func openLog(t *testing.T) store.Log {
	t.Helper()
	st, err := natsstore.Open(context.Background(), natsstore.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	log, err := st.Log(context.Background(), "DYNAMODB", "dynamodb.log")
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// retried runs fn until the log takes its commit.
func retried(fn func() error) error {
	for {
		err := fn()
		var e *awserr.Error
		if !errors.As(err, &e) || e.Code != ErrInternalServer {
			return err
		}
	}
}

func TestLogSharedByTwoNodes(t *testing.T) {
	ctx := context.Background()
	log := openLog(t)
	dir := t.TempDir()
	nodes := []*logNode{{dir: dir + "/a", log: log}, {dir: dir + "/b", log: log}}
	for _, n := range nodes {
		n.start(t)
		defer func() { n.stop() }()
	}
	createTable(t, nodes[0].s, "tab1")
	nodes[1].catchUp(t)

	var wg sync.WaitGroup
	wins := make([]int, 10)
	var mu sync.Mutex
	for _, n := range nodes {
		for sk := range 10 {
			wg.Go(func() {
				err := retried(func() error {
					_, err := n.put(ctx, scope, &PutItemInput{TableName: "tab1", Item: key("race", sk), ConditionExpression: "attribute_not_exists(pk)"})
					return err
				})
				var e *awserr.Error
				switch {
				case err == nil:
					mu.Lock()
					wins[sk]++
					mu.Unlock()
				case !errors.As(err, &e) || e.Code != ErrConditionalCheckFailed:
					t.Error(err)
				}
			})
			wg.Go(func() {
				err := retried(func() error {
					_, err := n.txw(ctx, scope, js[*TransactWriteItemsInput](t, `{"TransactItems": [
						{"Update": {"TableName": "tab1", "Key": {"pk": {"S": "acct"}, "sk": {"N": "1"}}, "UpdateExpression": "SET n = if_not_exists(n, :z) + :one", "ExpressionAttributeValues": {":z": {"N": "0"}, ":one": {"N": "1"}}}}]}`))
					return err
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	for sk, w := range wins {
		if w != 1 {
			t.Fatalf("key %d: %d conditional puts won, want 1", sk, w)
		}
	}
	big := strings.Repeat("y", 300<<10)
	var items []TransactWriteItem
	for i := range 8 {
		it := key("big", i)
		it["blob"] = AttributeValue{T: attr.S, S: big}
		items = append(items, TransactWriteItem{Put: &TransactAction{TableName: "tab1", Item: it}})
	}
	if _, err := nodes[1].txw(ctx, scope, &TransactWriteItemsInput{TransactItems: items}); err != nil {
		t.Fatal(err)
	}

	nodes[1].stop()
	for i := range 5 {
		must(nodes[0].put(ctx, scope, &PutItemInput{TableName: "tab1", Item: key("while-down", i)}))
	}
	nodes[1].start(t)
	var first []string
	for _, n := range nodes {
		n.catchUp(t)
		got := must(n.s.GetItem(ctx, scope, &GetItemInput{TableName: "tab1", Key: key("acct", 1)}))
		if got.Item["n"].S != "20" {
			t.Fatalf("counter = %v, want 20", got.Item["n"])
		}
		// 10 won puts, 20 updates of one item, 8 big, 5 more.
		if c := n.s.commit.get(n.s.lookup(scope, "tab1")); c[0][0] != 24 {
			t.Fatalf("%d items counted, want 24", c[0][0])
		}
		recs := streamRecords(t, n.s)
		if len(recs) != 43 {
			t.Fatalf("%d stream records, want 43", len(recs))
		}
		if first != nil && fmt.Sprint(recs) != fmt.Sprint(first) {
			t.Fatal("the nodes' streams differ")
		}
		first = recs
	}
}

// TestLogJoin: a node's tables from before the cluster go into an empty
// log, so the other nodes have them; a node with tables of its own that
// joins a log with entries is refused.
func TestLogJoin(t *testing.T) {
	ctx := context.Background()
	log := openLog(t)
	dir := t.TempDir()
	single := func(name string) {
		db, err := pebblestore.Open(dir+"/"+name, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s := must(New(ctx, db, Options{}))
		createTable(t, s, "tab1")
		put(t, s, `{"pk": {"S": "from-`+name+`"}, "sk": {"N": "1"}}`)
	}
	single("a")
	single("c")
	a, b := &logNode{dir: dir + "/a", log: log}, &logNode{dir: dir + "/b", log: log}
	a.start(t)
	defer a.stop()
	b.start(t)
	defer b.stop()
	b.catchUp(t)
	if got := must(b.s.GetItem(ctx, scope, &GetItemInput{TableName: "tab1", Key: key("from-a", 1)})); got.Item == nil {
		t.Fatal("a's item from before the cluster is not on b")
	}
	db, err := pebblestore.Open(dir+"/c", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := New(ctx, db, Options{Log: log}); !errors.Is(err, errDivergent) {
		t.Fatalf("a node with tables of its own joined: %v", err)
	}
}

// TestLogMirrorsTables: what a node keeps in memory of tables follows
// another node's changes of them: an index created (and backfilled), a
// stream turned off, a table deleted and created again under its name,
// a token remembered.
func TestLogMirrorsTables(t *testing.T) {
	ctx := context.Background()
	log := openLog(t)
	dir := t.TempDir()
	a, b := &logNode{dir: dir + "/a", log: log}, &logNode{dir: dir + "/b", log: log}
	a.start(t)
	defer a.stop()
	b.start(t)
	defer b.stop()
	createTable(t, a.s, "tab1")
	for i := range 6 {
		put(t, a.s, fmt.Sprintf(`{"pk": {"S": "p%d"}, "sk": {"N": "%d"}, "h": {"S": "h%d"}}`, i, i, i%2))
	}
	must(a.s.UpdateTable(ctx, scope, js[*UpdateTableInput](t, `{"TableName": "tab1", "AttributeDefinitions": [{"AttributeName": "h", "AttributeType": "S"}],
		"GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byH", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}],
		"StreamSpecification": {"StreamEnabled": false}}`)))
	tx := func(s *Service) error {
		_, err := s.TransactWriteItems(ctx, scope, js[*TransactWriteItemsInput](t, `{"ClientRequestToken": "tok", "TransactItems": [
			{"Put": {"TableName": "tab1", "Item": {"pk": {"S": "once"}, "sk": {"N": "1"}}, "ConditionExpression": "attribute_not_exists(pk)"}}]}`))
		return err
	}
	if err := tx(a.s); err != nil {
		t.Fatal(err)
	}
	b.catchUp(t)
	o := must(b.s.Query(ctx, scope, &QueryInput{TableName: "tab1", IndexName: "byH", KeyConditionExpression: "h = :h", ExpressionAttributeValues: js[map[string]AttributeValue](t, `{":h": {"S": "h0"}}`)}))
	if o.Count != 3 {
		t.Fatalf("b's backfilled index holds %d items of h0, want 3", o.Count)
	}
	if d := must(b.s.DescribeTable(ctx, scope, &DescribeTableInput{TableName: "tab1"})).Table; d.StreamSpecification != nil && d.StreamSpecification.StreamEnabled || d.ItemCount != 7 {
		t.Fatalf("b describes %+v", d)
	}
	if err := tx(b.s); err != nil { // the token is known on b: not applied again
		t.Fatal(err)
	}
	must(a.s.DeleteTable(ctx, scope, &DeleteTableInput{TableName: "tab1"}))
	createTable(t, a.s, "tab1")
	put(t, a.s, `{"pk": {"S": "new"}, "sk": {"N": "1"}}`)
	b.catchUp(t)
	d := must(b.s.DescribeTable(ctx, scope, &DescribeTableInput{TableName: "tab1"})).Table
	if d.ItemCount != 1 || len(d.GlobalSecondaryIndexes) != 1 || d.GlobalSecondaryIndexes[0].IndexName != "byG" {
		t.Fatalf("b describes the table created again as %+v", d)
	}
	if got := must(b.s.GetItem(ctx, scope, &GetItemInput{TableName: "tab1", Key: key("p0", 0)})); got.Item != nil {
		t.Fatal("an item of the deleted table is on b")
	}
}

// A stream of a table the log has and this node has not applied yet is
// found: an event source mapping created through a node right after its
// table was (stored by the holder) was refused "Stream not found".
func TestLogStreamShardsCatchUp(t *testing.T) {
	ctx := context.Background()
	log := openLog(t)
	dir := t.TempDir()
	a, b := &logNode{dir: dir + "/a", log: log}, &logNode{dir: dir + "/b", log: log}
	for _, n := range []*logNode{a, b} {
		n.start(t)
		defer func() { n.stop() }()
	}
	for i := range 20 {
		name := fmt.Sprintf("tab%d", i)
		createTable(t, a.s, name)
		arn := must(a.s.DescribeTable(ctx, scope, &DescribeTableInput{TableName: name})).Table.LatestStreamArn
		if _, err := b.s.StreamShards(ctx, arn); err != nil {
			t.Fatalf("the other node's shards of %s: %v", name, err)
		}
	}
}

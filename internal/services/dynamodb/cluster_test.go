package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore/natstest"
	"github.com/nubo-dev/nubo/internal/store/pebblestore"
)

// ddbNode is one node of an in-process cluster: its NATS node, its
// cluster membership, its own Pebble and the service, with the operations
// as the wire layer routes them.
type ddbNode struct {
	st   *natstest.Node
	dir  string
	c    *cluster.Cluster
	db   *pebblestore.DB
	s    *Service
	stop func()
	// step is the service's TruncateStep.
	step int

	create func(context.Context, Scope, *CreateTableInput) (*TableOutput, error)
	put    func(context.Context, Scope, *PutItemInput) (*PutItemOutput, error)
	get    func(context.Context, Scope, *GetItemInput) (*GetItemOutput, error)
	update func(context.Context, Scope, *UpdateItemInput) (*UpdateItemOutput, error)
	txw    func(context.Context, Scope, *TransactWriteItemsInput) (*TransactWriteItemsOutput, error)
}

func startDDB(t testing.TB, n int) []*ddbNode { return startDDBStep(t, n, 0) }

// startDDBStep starts n nodes whose holder truncates the log every step
// entries.
func startDDBStep(t testing.TB, n, step int) []*ddbNode {
	stores := natstest.Start(t, n)
	dir := t.TempDir()
	nodes := make([]*ddbNode, n)
	for i, st := range stores {
		nodes[i] = &ddbNode{st: st, dir: filepath.Join(dir, st.Name), step: step}
		nodes[i].start(t)
		t.Cleanup(nodes[i].shutdown)
	}
	settled(t, nodes)
	return nodes
}

// settled waits until the node rendezvous hashing prefers holds DynamoDB:
// the node that took it first hands it over once the preferred one has
// lived for Settle, and requests meanwhile may be told to try again.
func settled(t testing.TB, nodes []*ddbNode) {
	t.Helper()
	var want *ddbNode
	best := uint64(0)
	for _, n := range nodes {
		h := fnv.New64a()
		h.Write([]byte(n.st.Name + "\x00" + groupName + "\x00" + resource))
		if v := h.Sum64(); want == nil || v > best {
			want, best = n, v
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for !want.s.group.Holds(resource) {
		if time.Now().After(deadline) {
			t.Fatalf("%s does not hold DynamoDB after 30 s", want.st.Name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// start opens the node's Pebble (again, after shutdown) and joins it.
func (n *ddbNode) start(t testing.TB) {
	if err := n.open(t); err != nil {
		t.Fatal(err)
	}
}

// open is start, returning the error of the service's New.
func (n *ddbNode) open(t testing.TB) error {
	ctx := context.Background()
	kv, err := n.st.Store.KV(ctx, "cluster")
	if err != nil {
		t.Fatal(err)
	}
	bus, err := n.st.Store.Bus()
	if err != nil {
		t.Fatal(err)
	}
	log, err := n.st.Store.Log(ctx, "DYNAMODB", "dynamodb.log")
	if err != nil {
		t.Fatal(err)
	}
	n.c, err = cluster.Open(ctx, cluster.Options{Node: n.st.Name, KV: kv.(store.Watchable), Bus: bus,
		Beat: 100 * time.Millisecond, DeadAfter: 2 * time.Second, FenceAfter: 1500 * time.Millisecond, Settle: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if n.db, err = pebblestore.Open(n.dir, nil); err != nil {
		t.Fatal(err)
	}
	if n.s, err = New(ctx, n.db, Options{Log: log, Cluster: n.c, SweepInterval: time.Hour, TruncateStep: n.step}); err != nil {
		n.c.Close()
		n.db.Close()
		return err
	}
	n.create = Route(n.s, "CreateTable", (*Service).CreateTable)
	n.put = Route(n.s, "PutItem", (*Service).PutItem)
	n.get = Route(n.s, "GetItem", (*Service).GetItem)
	n.update = Route(n.s, "UpdateItem", (*Service).UpdateItem)
	n.txw = Route(n.s, "TransactWriteItems", (*Service).TransactWriteItems)
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); n.c.Run(rctx) }()
	go func() { defer wg.Done(); n.s.Run(rctx) }()
	n.stop = func() { cancel(); wg.Wait(); n.c.Close(); n.db.Close() }
	return nil
}

func (n *ddbNode) shutdown() {
	if n.stop != nil {
		n.stop()
		n.stop = nil
	}
}

// catchUp waits until the node applied every entry of the log.
func (n *ddbNode) catchUp(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.s.rep.catchUp(ctx); err != nil {
		t.Fatal(err)
	}
}

// direct writes through this node's own committer, as a node that
// believes it holds DynamoDB does, retrying while another node's entry
// is not applied here yet.
func (n *ddbNode) direct(t *testing.T, fn func() error) error {
	for retry := 0; ; retry++ {
		n.s.rep.gate.RLock()
		err := fn()
		n.s.rep.gate.RUnlock()
		var e *awserr.Error
		if !errors.As(err, &e) || e.Code != ErrInternalServer {
			if retry > 0 {
				t.Logf("%s: a direct write was refused %d times (another node's entry came first)", n.st.Name, retry)
			}
			return err
		}
		n.catchUp(t)
	}
}

// putRetried puts an item through a node, and again, for up to a
// minute, while the put fails with the store unavailable and nothing
// changed, as the SDKs retry a 503: on a loaded machine a node may lose
// touch with the cluster's store for a moment, and answers so at once.
func (n *ddbNode) putRetried(ctx context.Context, in *PutItemInput) (*PutItemOutput, error) {
	return n.putWhile(ctx, in, store.Unchanged)
}

// putWhile puts an item through a node, and again, for up to a minute,
// while again says of its error.
func (n *ddbNode) putWhile(ctx context.Context, in *PutItemInput, again func(error) bool) (*PutItemOutput, error) {
	for deadline := time.Now().Add(time.Minute); ; {
		out, err := n.put(ctx, scope, in)
		if err == nil || !again(err) || time.Now().After(deadline) {
			return out, err
		}
		time.Sleep(100 * time.Millisecond) // a fenced node refuses at once
	}
}

func key(pk string, sk int) Item {
	return Item{"pk": {T: attr.S, S: pk}, "sk": {T: attr.N, S: fmt.Sprint(sk)}}
}

// TestClusterDynamoDB: writes through any node meet (one conditional put
// of a key wins per round, whichever nodes race, even two nodes that both
// write directly), transactions count once, a 4 MB transaction crosses
// the log in pieces, every node's Pebble and streams end equal, and a
// restarted node catches up from its directory.
func TestClusterDynamoDB(t *testing.T) {
	ctx := context.Background()
	nodes := startDDB(t, 3)
	createTable(t, routedService{nodes[0]}, "tab1")

	race := func(name string, a, b func(sk int) error) {
		for r := 0; r < 15; r++ {
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i, fn := range []func(int) error{a, b} {
				wg.Add(1)
				go func() { defer wg.Done(); errs[i] = fn(r) }()
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				var e *awserr.Error
				switch {
				case err == nil:
					won++
				case !errors.As(err, &e) || e.Code != ErrConditionalCheckFailed:
					t.Fatalf("%s round %d: %v", name, r, err)
				}
			}
			if won != 1 {
				t.Fatalf("%s round %d: %d conditional puts won, want 1", name, r, won)
			}
		}
	}
	routedPut := func(n *ddbNode, pk string) func(int) error {
		return func(sk int) error {
			_, err := n.put(ctx, scope, &PutItemInput{TableName: "tab1", Item: key(pk, sk), ConditionExpression: "attribute_not_exists(pk)"})
			return err
		}
	}
	race("routed", routedPut(nodes[0], "routed"), routedPut(nodes[1], "routed"))
	for _, n := range nodes { // as a node that takes DynamoDB over does
		n.catchUp(t)
	}
	directPut := func(n *ddbNode) func(int) error {
		return func(sk int) error {
			return n.direct(t, func() error {
				_, err := n.s.PutItem(ctx, scope, &PutItemInput{TableName: "tab1", Item: key("direct", sk), ConditionExpression: "attribute_not_exists(pk)"})
				return err
			})
		}
	}
	race("direct", directPut(nodes[1]), directPut(nodes[2]))

	// Transactions through every node: each counts once.
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := js[*TransactWriteItemsInput](t, `{"TransactItems": [
				{"Update": {"TableName": "tab1", "Key": {"pk": {"S": "acct"}, "sk": {"N": "1"}}, "UpdateExpression": "SET n = if_not_exists(n, :z) + :one", "ExpressionAttributeValues": {":z": {"N": "0"}, ":one": {"N": "1"}}}},
				{"Put": {"TableName": "tab1", "Item": {"pk": {"S": "tx"}, "sk": {"N": "`+fmt.Sprint(i)+`"}}, "ConditionExpression": "attribute_not_exists(pk)"}}]}`)
			if _, err := nodes[i%3].txw(ctx, scope, in); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, n := range nodes {
		got := must(n.get(ctx, scope, &GetItemInput{TableName: "tab1", Key: key("acct", 1), ConsistentRead: true}))
		if got.Item["n"].S != "30" {
			t.Fatalf("%s: counter = %v, want 30", n.st.Name, got.Item["n"])
		}
	}

	// A transaction of about 4 MB: more than one NATS message.
	big := strings.Repeat("x", 390<<10)
	var items []TransactWriteItem
	for i := range 10 {
		it := key("big", i)
		it["blob"] = AttributeValue{T: attr.S, S: big}
		items = append(items, TransactWriteItem{Put: &TransactAction{TableName: "tab1", Item: it}})
	}
	_, before, _ := nodes[2].s.rep.log.Bounds(ctx)
	if _, err := nodes[2].txw(ctx, scope, &TransactWriteItemsInput{TransactItems: items}); err != nil {
		t.Fatal(err)
	}
	if _, after, _ := nodes[2].s.rep.log.Bounds(ctx); after-before < 4 {
		t.Fatalf("the 4 MB transaction took %d entries of the log, want it in pieces", after-before)
	}

	restarted := nodes[0]
	for _, n := range nodes {
		if !n.s.group.Holds(resource) {
			restarted = n
		}
	}
	restarted.shutdown()
	for i := range 10 {
		other := nodes[0]
		if other == restarted {
			other = nodes[1]
		}
		must(other.putRetried(ctx, &PutItemInput{TableName: "tab1", Item: key("while-down", i)}))
	}
	restarted.start(t)

	var first []string
	for _, n := range nodes {
		n.catchUp(t)
		for i := range 10 {
			got := must(n.s.GetItem(ctx, scope, &GetItemInput{TableName: "tab1", Key: key("big", i)}))
			if got.Item["blob"].S != big {
				t.Fatalf("%s: big item %d missing", n.st.Name, i)
			}
			if got := must(n.s.GetItem(ctx, scope, &GetItemInput{TableName: "tab1", Key: key("while-down", i)})); got.Item == nil {
				t.Fatalf("%s: item %d written while %s was down is missing", n.st.Name, i, restarted.st.Name)
			}
		}
		recs := streamRecords(t, n.s)
		if first == nil {
			first = recs
			// 2x15 conditional puts won, 30 transactions of 2, 10 big and 10
			// more puts: 110 records in order.
			if len(recs) != 110 {
				t.Fatalf("%d stream records, want 110", len(recs))
			}
		} else if strings.Join(recs, "\n") != strings.Join(first, "\n") {
			t.Fatalf("%s's stream differs from %s's", n.st.Name, nodes[0].st.Name)
		}
		// The same writes but the counter's 29 updates: 81 items.
		if c := n.s.commit.get(n.s.lookup(scope, "tab1")); c[0][0] != 81 {
			t.Fatalf("%s counts %d items, want 81", n.st.Name, c[0][0])
		}
	}
}

// TestClusterDynamoDBHolderDies: the node holding DynamoDB stops; another
// takes over from the log, with every acknowledged write, and conditions
// hold there.
func TestClusterDynamoDBHolderDies(t *testing.T) {
	ctx := context.Background()
	nodes := startDDB(t, 3)
	createTable(t, routedService{nodes[0]}, "tab1")
	for i := range 20 {
		must(nodes[i%3].putRetried(ctx, &PutItemInput{TableName: "tab1", Item: key("before", i)}))
	}
	var holder *ddbNode
	var survivors []*ddbNode
	for _, n := range nodes {
		if n.s.group.Holds(resource) {
			holder = n
		} else {
			survivors = append(survivors, n)
		}
	}
	if holder == nil {
		t.Fatal("no node holds DynamoDB")
	}
	holder.shutdown()
	for i := range 20 {
		// A client retries a 503, as the SDKs do: on a loaded machine the
		// survivors may fence themselves for seconds (their heartbeats not
		// stored) before one takes over, past the time a call waits. This
		// put changes nothing whatever happened, so an interrupted one is
		// retried too.
		_, err := survivors[i%2].putWhile(ctx, &PutItemInput{TableName: "tab1", Item: key("before", i), ConditionExpression: "attribute_not_exists(pk)"},
			func(err error) bool { return errors.Is(err, store.ErrUnavailable) })
		wantErr(t, err, ErrConditionalCheckFailed, "")
		must(survivors[i%2].putRetried(ctx, &PutItemInput{TableName: "tab1", Item: key("after", i)}))
	}
	for _, n := range survivors {
		n.catchUp(t)
		if c := n.s.commit.get(n.s.lookup(scope, "tab1")); c[0][0] != 40 {
			t.Fatalf("%s counts %d items, want 40", n.st.Name, c[0][0])
		}
		if recs := streamRecords(t, n.s); len(recs) != 40 {
			t.Fatalf("%s reads %d stream records, want 40", n.st.Name, len(recs))
		}
	}
}

// streamRecords lists a node's records of tab1's stream as sequence,
// event and keys.
func streamRecords(t *testing.T, s *Service) []string {
	ctx := context.Background()
	d := must(s.DescribeTable(ctx, scope, &DescribeTableInput{TableName: "tab1"}))
	shards := must(s.StreamShards(ctx, d.Table.LatestStreamArn))
	var out []string
	for _, sh := range shards {
		for from := sh.First; ; {
			recs, next, err := s.StreamRead(ctx, d.Table.LatestStreamArn, sh, from, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				out = append(out, fmt.Sprintf("%d %s %s", r.Seq, r.EventName, r.Dynamodb.SequenceNumber))
			}
			if len(recs) == 0 {
				break
			}
			from = next
		}
	}
	return out
}

// routedService lets createTable create through a node's routed CreateTable.
type routedService struct{ n *ddbNode }

func (r routedService) CreateTable(ctx context.Context, scope Scope, in *CreateTableInput) (*TableOutput, error) {
	return r.n.create(ctx, scope, in)
}

// BenchmarkClusterPutItem: PutItem of small items in a 3-node in-process
// cluster at 32 concurrent writers, through the holder and through
// another node (one hop more): each commit is a replicated append before
// it is applied.
func BenchmarkClusterPutItem(b *testing.B) {
	ctx := context.Background()
	nodes := startDDB(b, 3)
	createTable(b, routedService{nodes[0]}, "tab1")
	for _, holding := range []bool{true, false} {
		var through *ddbNode
		for _, n := range nodes {
			if n.s.group.Holds(resource) == holding {
				through = n
			}
		}
		b.Run(map[bool]string{true: "holder", false: "other"}[holding], func(b *testing.B) {
			b.SetParallelism(16)
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					it := key("bench", int(next.Add(1)))
					it["v"] = AttributeValue{T: attr.S, S: strings.Repeat("v", 80)}
					if _, err := through.put(ctx, scope, &PutItemInput{TableName: "tab1", Item: it}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

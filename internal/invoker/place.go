package invoker

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/engine"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

// placer sends invocations to other nodes of a cluster: to one with a
// warm, idle environment of the version when this node has none, else to
// the least loaded node.
type placer struct {
	c   *cluster.Cluster
	eng *engine.Engine

	mu sync.Mutex
	// sent counts the invocations under way on each node that this one
	// sent, by pool too: the others' heartbeats tell their load only every
	// beat, so this node adds what it sent since.
	sent     map[string]int
	sentPool map[string]map[string]int
}

const invokeMethod = "lambda.invoke"

func newPlacer(c *cluster.Cluster, eng *engine.Engine) *placer {
	p := &placer{c: c, eng: eng, sent: map[string]int{}, sentPool: map[string]map[string]int{}}
	c.Codes(lambda.Codes...)
	c.Handle(invokeMethod, p.serve)
	return p
}

// Load is this node's load for its heartbeat.
func Load(eng *engine.Engine) cluster.Load {
	total, _ := eng.Concurrency()
	return cluster.Load{Inflight: total, Capacity: runtime.GOMAXPROCS(0), Idle: eng.Idle()}
}

// pick returns the node to run inv on ("" for this one).
func (p *placer) pick(inv *lambda.Invocation) string {
	if p.eng.HasIdle(inv) {
		return ""
	}
	pool := engine.TargetPool(inv)
	self := p.c.Self()
	local := Load(p.eng)
	bestIdle, idleNode := 0, ""
	bestLoad, loadNode := ratio(local.Inflight, local.Capacity), ""
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.c.Nodes() {
		if !m.Live || m.Name == self {
			continue
		}
		if idle := m.Load.Idle[pool] - p.sentPool[m.Name][pool]; idle > bestIdle {
			bestIdle, idleNode = idle, m.Name
		}
		// A node must be clearly less loaded to take a cold start: a tie
		// starts it here, without a hop.
		if l := ratio(m.Load.Inflight+p.sent[m.Name], m.Load.Capacity); l+0.25 < bestLoad {
			bestLoad, loadNode = l, m.Name
		}
	}
	if idleNode != "" {
		return idleNode
	}
	return loadNode
}

// pickOther returns the least loaded other node ("" when there is none).
func (p *placer) pickOther() string {
	self := p.c.Self()
	best, node := 0.0, ""
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.c.Nodes() {
		if !m.Live || m.Name == self {
			continue
		}
		if l := ratio(m.Load.Inflight+p.sent[m.Name], m.Load.Capacity); node == "" || l < best {
			best, node = l, m.Name
		}
	}
	return node
}

func ratio(n, capacity int) float64 { return float64(n) / float64(max(capacity, 1)) }

// run invokes inv on node. It returns errNotSent when the node is gone
// before it took the invocation, so that it runs here instead.
func (p *placer) run(ctx context.Context, node string, inv *lambda.Invocation) (*lambda.Result, error) {
	pool := engine.TargetPool(inv)
	p.mu.Lock()
	p.sent[node]++
	if p.sentPool[node] == nil {
		p.sentPool[node] = map[string]int{}
	}
	p.sentPool[node][pool]++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.sent[node]--
		if p.sentPool[node][pool]--; p.sentPool[node][pool] <= 0 {
			delete(p.sentPool[node], pool)
		}
		p.mu.Unlock()
	}()
	header, err := json.Marshal(invocationHeader{Invocation: *inv})
	if err != nil {
		return nil, err
	}
	// The call lasts as long as the function may, plus its Init.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(inv.Target.Config.Timeout)*time.Second+time.Minute)
	defer cancel()
	out, err := p.c.Call(ctx, node, invokeMethod, frame(header, inv.Payload))
	if errors.Is(err, store.ErrNoResponders) {
		return nil, errNotSent
	}
	if err != nil {
		return nil, err
	}
	h, payload, err := unframe(out)
	if err != nil {
		return nil, err
	}
	var res lambda.Result
	if err := json.Unmarshal(h, &res); err != nil {
		return nil, fmt.Errorf("decode the result from %s: %w", node, err)
	}
	res.Payload = payload
	return &res, nil
}

var errNotSent = errors.New("invoker: the node is gone")

// invocationHeader is an invocation as it travels, but for its payload.
type invocationHeader struct {
	lambda.Invocation
	Payload []byte                `json:"-"`
	Stream  lambda.ResponseStream `json:"-"`
}

// serve runs an invocation another node sent here.
func (p *placer) serve(ctx context.Context, msg []byte) ([]byte, error) {
	h, payload, err := unframe(msg)
	if err != nil {
		return nil, err
	}
	var inv lambda.Invocation
	if err := json.Unmarshal(h, &inv); err != nil || inv.Target == nil || inv.Target.Config == nil {
		return nil, fmt.Errorf("invoker: unreadable invocation: %v", err)
	}
	inv.Payload = payload
	res, err := p.eng.Invoke(ctx, &inv)
	if err != nil {
		return nil, err
	}
	res.RequestID, res.ExecutedVersion = inv.RequestID, inv.Target.Config.Version
	body := res.Payload
	res.Payload = nil
	out, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	return frame(out, body), nil
}

// frame puts a JSON header and raw bytes in one message (the payload is
// not base64'd into the JSON: 6 MB stay 6 MB).
func frame(header, body []byte) []byte {
	out := make([]byte, 0, 4+len(header)+len(body))
	out = binary.BigEndian.AppendUint32(out, uint32(len(header)))
	out = append(out, header...)
	return append(out, body...)
}

func unframe(msg []byte) (header, body []byte, err error) {
	if len(msg) < 4 {
		return nil, nil, errors.New("invoker: short message")
	}
	n := binary.BigEndian.Uint32(msg)
	if uint64(len(msg)) < 4+uint64(n) {
		return nil, nil, errors.New("invoker: short message")
	}
	return msg[4 : 4+n], msg[4+n:], nil
}

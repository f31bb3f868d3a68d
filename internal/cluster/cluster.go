// Package cluster makes several nubo nodes that share one replicated store
// one platform. It owns the membership (each node's heartbeat, with its
// load and warm environments, in a KV bucket every node watches), the
// ownership of resources whose state a single node must hold in memory
// (a Group: an SQS queue's index, an event source mapping's poller,
// DynamoDB's engine), given to live nodes by rendezvous hashing and
// claimed in the bucket with revision checks, and the calls between nodes
// (rpc.go) that send a resource's operations to the node that holds it.
//
// A node that cannot write its heartbeat for FenceAfter stops serving what
// it holds (it may be cut off, and the others take over after DeadAfter,
// which is longer), and serves again only once it can write and has read
// every claim made meanwhile. The store (JetStream with RAFT) keeps a cut
// off minority from writing at all, so two nodes never both change a
// resource's state.
package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// Options configures a Cluster.
type Options struct {
	// Node is this node's name, unique in the cluster.
	Node string
	// API is the address this node serves the AWS APIs on (for status).
	API string
	// KV is the bucket of heartbeats and claims; Bus carries calls.
	KV  store.Watchable
	Bus store.Bus
	// Load, when set, is sampled for every heartbeat.
	Load func() Load
	// Beat is how often the heartbeat is written (250 ms); a node whose
	// heartbeat has not changed for DeadAfter (2.25 s) is dead to the
	// others, and a node that could not write its own for FenceAfter
	// (1 s) stops serving what it holds. DeadAfter must exceed FenceAfter
	// by more than a Beat and the time a heartbeat takes to store: a node
	// stops before the others may take over.
	Beat       time.Duration
	DeadAfter  time.Duration
	FenceAfter time.Duration
	// Settle is how long a node must have been alive before resources
	// move to it from the nodes that took them while it was away (10 s).
	Settle time.Duration
	Logger *slog.Logger
}

// Load is what a node reports of itself with each heartbeat.
type Load struct {
	// Inflight counts the invocations running; Capacity is how many the
	// node's CPUs take comfortably (the placement of new ones compares
	// Inflight/Capacity).
	Inflight int `json:"inflight"`
	Capacity int `json:"capacity"`
	// Idle counts the warm, idle execution environments per pool
	// (engine.PoolID).
	Idle map[string]int `json:"idle,omitempty"`
}

// Info is a node's heartbeat.
type Info struct {
	Name string `json:"name"`
	// Incarnation is new at every start: claims of an earlier one are
	// void, since its memory is gone.
	Incarnation string    `json:"inc"`
	API         string    `json:"api"`
	Started     time.Time `json:"started"`
	Load        Load      `json:"load"`
	Beat        uint64    `json:"beat"`
	// At is when the heartbeat was begun, by its node's clock.
	At time.Time `json:"at"`
	// Applied is, for each replicated log this node applies (ReportApplied),
	// the last entry it had applied when the heartbeat began: the log may
	// be truncated up to the lowest of every member's.
	Applied map[string]uint64 `json:"applied,omitempty"`
}

// member is a node as this one sees it.
type member struct {
	info Info
	// seen is when (by this node's clock) the watch delivered its
	// heartbeat's last change: the heartbeat was stored before then.
	seen time.Time
}

// Cluster is this node's view of, and part in, the cluster.
type Cluster struct {
	opts Options
	log  *slog.Logger
	self Info
	kv   store.Watchable
	bus  store.Bus
	// stop ends the watch and the RPC subscription; done waits for them.
	stop   context.CancelFunc
	follow store.Follower
	served func()

	mu      sync.Mutex
	members map[string]*member
	claims  map[string]claim // by claim key
	groups  map[string]*Group
	// beatOK is when the last heartbeat that was stored had been
	// started; fenced is set once it is older than FenceAfter and
	// cleared once a heartbeat is stored again and the claims were read;
	// fencedSince is the beatOK the fence began with.
	beatOK, fencedSince time.Time
	fenced              bool
	fences              int // times fenced
	// watchAt is the watch's time: when this node began the last of its
	// own heartbeats that the watch delivered. Deaths are judged by it,
	// not by the clock: changes come in the order they were stored, so a
	// node whose last heartbeat was delivered (and so stored) before seen
	// stored none from then until this node's heartbeat begun at watchAt
	// was stored, however late the watch runs (it stalls while the bucket
	// elects a leader, or its consumer moves to another node). A node is
	// dead once watchAt is DeadAfter past its seen. (Not past the watch's
	// time when its heartbeat came: that is when it was stored at the
	// earliest, and a node whose own heartbeats could not be stored for a
	// while would find dead a node that beat a moment ago.)
	watchAt time.Time
	serving chan struct{} // closed while serving; replaced when fenced

	handlers map[string]handler
	codes    map[string]*awserr.Code
	applied  map[string]func() uint64                     // ReportApplied's, by log
	calls    map[string]map[*context.CancelCauseFunc]bool // calls under way, by node
}

const nodePrefix, claimPrefix = "node", "own"

// Open joins the cluster: it reads the bucket, serves calls to this node
// and stores the first heartbeat. Run keeps it beating; Close leaves.
func Open(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Beat == 0 {
		opts.Beat = 250 * time.Millisecond
	}
	if opts.DeadAfter == 0 {
		opts.DeadAfter = 2250 * time.Millisecond
	}
	if opts.FenceAfter == 0 {
		opts.FenceAfter = time.Second
	}
	if opts.Settle == 0 {
		opts.Settle = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	var inc [8]byte
	rand.Read(inc[:])
	c := &Cluster{opts: opts, log: opts.Logger, kv: opts.KV, bus: opts.Bus,
		self:    Info{Name: opts.Node, Incarnation: hex.EncodeToString(inc[:]), API: opts.API, Started: time.Now().UTC()},
		members: map[string]*member{}, claims: map[string]claim{}, groups: map[string]*Group{},
		serving: make(chan struct{}), handlers: map[string]handler{}}
	close(c.serving)
	wctx, stop := context.WithCancel(context.Background())
	c.stop = stop
	var err error
	if c.follow, err = c.kv.Watch(wctx, "", c.changed); err != nil {
		stop()
		return nil, fmt.Errorf("join the cluster: %w", err)
	}
	if c.served, err = c.bus.Serve(wctx, rpcSubject(opts.Node), c.serve); err != nil {
		stop()
		return nil, fmt.Errorf("join the cluster: %w", err)
	}
	if err := c.beat(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("join the cluster: %w", err)
	}
	return c, nil
}

// Close stops serving calls; the others see this node die after
// DeadAfter.
func (c *Cluster) Close() {
	c.stop()
	if c.served != nil {
		c.served()
	}
}

// ReportApplied makes every later heartbeat carry applied() as the last
// entry of the replicated log name this node has applied (Info.Applied).
func (c *Cluster) ReportApplied(name string, applied func() uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.applied == nil {
		c.applied = map[string]func() uint64{}
	}
	c.applied[name] = applied
}

// Self is this node's name.
func (c *Cluster) Self() string { return c.self.Name }

// Run writes heartbeats, fences and unfences this node, and moves
// resources between nodes until ctx ends.
func (c *Cluster) Run(ctx context.Context) error {
	// The view must hold the heartbeats stored before this node joined
	// before it places anything.
	if err := c.follow.Sync(ctx); err != nil && ctx.Err() == nil {
		c.log.Warn("cluster: read the cluster's state", "err", err)
	}
	t := time.NewTicker(c.opts.Beat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		err := c.beat(ctx)
		if err != nil && ctx.Err() == nil {
			c.log.Debug("cluster: heartbeat", "err", err)
		}
		c.checkFence(ctx, err == nil)
		c.checkCalls()
		for _, g := range c.allGroups() {
			g.dropLost() // another node claimed it: it thought this one dead
			if c.Serving() {
				g.tick(ctx)
			}
		}
	}
}

// changed applies a change of the bucket to this node's view.
func (c *Cluster) changed(ch store.Change) {
	parts := store.SplitKey(ch.Key)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case parts[0] == nodePrefix && len(parts) == 2:
		if ch.Deleted {
			delete(c.members, parts[1])
			return
		}
		var info Info
		if json.Unmarshal(ch.Value, &info) != nil {
			return
		}
		if info.Name == c.self.Name && info.Incarnation == c.self.Incarnation {
			c.watchAt = info.At
		}
		m := c.members[info.Name]
		if m == nil || m.info.Beat != info.Beat || m.info.Incarnation != info.Incarnation {
			c.members[info.Name] = &member{info: info, seen: time.Now()}
		}
	case parts[0] == claimPrefix:
		if ch.Deleted {
			// not a claim this node stored since (watched changes come in
			// order; this node's own claims are recorded before theirs)
			if cur, ok := c.claims[ch.Key]; ok && cur.rev < ch.Revision {
				delete(c.claims, ch.Key)
			}
			return
		}
		var cl claim
		if json.Unmarshal(ch.Value, &cl) != nil {
			return
		}
		cl.rev = ch.Revision
		if cur, ok := c.claims[ch.Key]; !ok || cur.rev < cl.rev {
			c.claims[ch.Key] = cl
		}
	}
}

// liveLocked reports whether the incarnation inc of node name is alive:
// this node while it serves, another while its heartbeat changes.
func (c *Cluster) liveLocked(name, inc string) bool {
	if name == c.self.Name {
		return (inc == "" || inc == c.self.Incarnation) && c.servingLocked()
	}
	m := c.members[name]
	if m == nil || inc != "" && m.info.Incarnation != inc {
		return false
	}
	return c.watchAt.Sub(m.seen) < c.opts.DeadAfter
}

// liveNamesLocked are the live nodes' names, sorted; those alive for less
// than Settle are left out when settled is set.
func (c *Cluster) liveNamesLocked(settled bool) []string {
	var out []string
	for name, m := range c.members {
		if !c.liveLocked(name, "") {
			continue
		}
		if settled && name != c.self.Name && time.Since(m.info.Started) < c.opts.Settle {
			continue
		}
		out = append(out, name)
	}
	if c.servingLocked() && !contains(out, c.self.Name) {
		out = append(out, c.self.Name)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Member is a node as Nodes reports it.
type Member struct {
	Info
	Live bool `json:"live"`
	// AgeMs is how long ago its heartbeat last changed.
	AgeMs int64 `json:"heartbeatAgeMs"`
}

// Nodes lists the nodes that ever beat in this node's view, by name.
func (c *Cluster) Nodes() []Member {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Member
	for name, m := range c.members {
		out = append(out, Member{Info: m.info, Live: c.liveLocked(name, m.info.Incarnation), AgeMs: time.Since(m.seen).Milliseconds()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Forget removes the heartbeat of node name, which must be dead: for a
// node that left for good, whose last heartbeat holds back what is kept
// for it (DynamoDB's log is truncated only up to what every node that
// ever beat applied). Should it start again, it beats again.
func (c *Cluster) Forget(ctx context.Context, name string) error {
	if err := c.follow.Sync(ctx); err != nil {
		return err
	}
	c.mu.Lock()
	_, known := c.members[name]
	live := c.liveLocked(name, "")
	c.mu.Unlock()
	switch {
	case !known:
		return fmt.Errorf("%q is not a node of the cluster", name)
	case live:
		return fmt.Errorf("node %q is alive: stop it before it is forgotten", name)
	}
	return c.kv.Delete(ctx, store.Key(nodePrefix, name))
}

// Leave removes this node's own heartbeat, before Run or after it
// returned: a node that was refused at its start (it cannot replay a log)
// must not hold back what is kept for the members.
func (c *Cluster) Leave(ctx context.Context) error {
	return c.kv.Delete(ctx, store.Key(nodePrefix, c.self.Name))
}

// Sync returns once this node's view holds every heartbeat and claim
// stored before the call.
func (c *Cluster) Sync(ctx context.Context) error { return c.follow.Sync(ctx) }

func (c *Cluster) allGroups() []*Group {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Group, 0, len(c.groups))
	for _, g := range c.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Compare(out[i].name, out[j].name) < 0 })
	return out
}

package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// Holder loads and drops the state of the resources of a Group.
type Holder interface {
	// Acquire loads a resource's state; this node serves it once Acquire
	// returned nil.
	Acquire(ctx context.Context, resource string) error
	// Release drops it: another node serves it from now on. No operation
	// on it is under way.
	Release(resource string)
}

// Group is a kind of resource whose state one node at a time holds: the
// live node that rendezvous hashing prefers claims it (in the bucket,
// under own.<group>.<resource>, with a revision check), loads it and
// serves it until it dies, or until the node it prefers now has been
// alive for Settle and it hands it over.
type Group struct {
	c    *Cluster
	name string
	h    Holder

	mu      sync.Mutex
	held    map[string]*holding
	tracked map[string]bool // resources held whether or not they are used
	// tracking is set once Track was called: held resources it does not
	// list are released.
	tracking bool
	// forget are resources to release at the next tick (Forget).
	forget map[string]bool
	// stay is set by KeepHeld: held resources are not handed over.
	stay bool
}

// holding is a resource this node holds or is acquiring: operations hold
// the read lock, Release the write lock.
type holding struct {
	mu    sync.RWMutex
	ready bool // acquired, and not released
	gone  bool // released or failed: the holding is no more
}

// claim is a resource's owner as the bucket says.
type claim struct {
	Node        string `json:"node"`
	Incarnation string `json:"inc"`
	rev         uint64
}

// Group returns the group name, creating it with h.
func (c *Cluster) Group(name string, h Holder) *Group {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g := c.groups[name]; g != nil {
		return g
	}
	g := &Group{c: c, name: name, h: h, held: map[string]*holding{}, tracked: map[string]bool{}}
	c.groups[name] = g
	return g
}

func (g *Group) key(resource string) string { return store.Key(claimPrefix, g.name, resource) }

// preferred is the live node that rendezvous hashing prefers for
// resource: the highest hash of node and resource.
func (g *Group) preferredLocked(resource string, settled bool) string {
	best, bestHash := "", uint64(0)
	for _, n := range g.c.liveNamesLocked(settled) {
		h := fnv.New64a()
		h.Write([]byte(n + "\x00" + g.name + "\x00" + resource))
		if v := h.Sum64(); best == "" || v > bestHash {
			best, bestHash = n, v
		}
	}
	return best
}

// errMoved tells a caller to find the resource's node again.
var errMoved = errors.New("cluster: resource moved")

// Use finds where resource is served. When this node serves it, node is
// "" and done must be called once the operation ends (the resource is not
// released meanwhile); otherwise node is the node to send the operation
// to. Use acquires a resource that no live node holds when this node is
// the one to hold it.
func (g *Group) Use(ctx context.Context, resource string) (node string, done func(), err error) {
	for attempt := 0; attempt < 5; attempt++ {
		if err := g.c.waitServing(ctx); err != nil {
			return "", nil, err
		}
		node, done, err := g.use(ctx, resource)
		if !errors.Is(err, errMoved) {
			return node, done, err
		}
		if err := g.c.Sync(ctx); err != nil {
			return "", nil, err
		}
	}
	return "", nil, store.Unavailable(fmt.Sprintf("the cluster is moving %s %s between nodes", g.name, resource))
}

func (g *Group) use(ctx context.Context, resource string) (string, func(), error) {
	c := g.c
	c.mu.Lock()
	cl, claimed := c.claims[g.key(resource)]
	mine := claimed && c.own(cl)
	alive := claimed && c.liveLocked(cl.Node, cl.Incarnation)
	preferred := g.preferredLocked(resource, false)
	c.mu.Unlock()
	if claimed && !alive && !mine {
		c.mu.Lock()
		m, watchAt := c.members[cl.Node], c.watchAt
		c.mu.Unlock()
		var mi Info
		var seen time.Time
		if m != nil {
			mi, seen = m.info, m.seen
		}
		c.log.Debug("cluster: claim of a dead node", "group", g.name, "resource", resource, "node", c.self.Name, "claim", cl.Node, "claim_inc", cl.Incarnation, "member_inc", mi.Incarnation, "seen", seen, "watch", watchAt, "preferred", preferred)
	}
	switch {
	case mine:
		return g.enter(resource)
	case alive:
		return cl.Node, nil, nil
	case preferred != c.self.Name:
		return preferred, nil, nil
	}
	if err := g.acquire(ctx, resource, cl, claimed); err != nil {
		return "", nil, err
	}
	return g.enter(resource)
}

// enter takes a held resource's read lock.
func (g *Group) enter(resource string) (string, func(), error) {
	g.mu.Lock()
	h := g.held[resource]
	g.mu.Unlock()
	if h == nil {
		return "", nil, errMoved // claimed, and not (yet, or any longer) acquired here
	}
	h.mu.RLock()
	if !h.ready {
		h.mu.RUnlock()
		return "", nil, errMoved
	}
	return "", h.mu.RUnlock, nil
}

// acquire claims resource (over a dead node's claim, or none) and loads
// it. Concurrent acquisitions of one resource wait for the first.
func (g *Group) acquire(ctx context.Context, resource string, old claim, claimed bool) error {
	g.mu.Lock()
	h := g.held[resource]
	if h != nil {
		g.mu.Unlock()
		h.mu.RLock() // waits for the acquisition under way
		h.mu.RUnlock()
		return nil
	}
	h = &holding{}
	h.mu.Lock()
	g.held[resource] = h
	g.mu.Unlock()
	defer h.mu.Unlock()
	fail := func(err error) error {
		h.gone = true
		g.mu.Lock()
		delete(g.held, resource)
		g.mu.Unlock()
		return err
	}
	c := g.c
	data := c.ownClaim()
	var rev uint64
	var err error
	if claimed {
		rev, err = c.kv.Update(ctx, g.key(resource), data, old.rev)
	} else {
		rev, err = c.kv.Create(ctx, g.key(resource), data)
	}
	if errors.Is(err, store.ErrRevision) || errors.Is(err, store.ErrExists) {
		return fail(errMoved) // another node claimed it first
	}
	if err != nil {
		return fail(fmt.Errorf("claim %s %s: %w", g.name, resource, err))
	}
	c.claimed(g.key(resource), rev)
	if err := g.h.Acquire(ctx, resource); err != nil {
		c.kv.Delete(context.WithoutCancel(ctx), g.key(resource))
		return fail(fmt.Errorf("acquire %s %s: %w", g.name, resource, err))
	}
	h.ready = true
	c.log.Info("cluster: acquired", "group", g.name, "resource", resource, "node", c.self.Name)
	return nil
}

// Holds reports whether this node holds resource now.
func (g *Group) Holds(resource string) bool {
	g.mu.Lock()
	h := g.held[resource]
	g.mu.Unlock()
	if h == nil {
		return false
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.ready && g.c.Serving()
}

// Track sets the resources that must be held by some node whether or not
// anything uses them (those with work of their own, such as pollers):
// each is acquired by its preferred live node, and released once it is no
// longer tracked.
func (g *Group) Track(resources []string) {
	set := make(map[string]bool, len(resources))
	for _, r := range resources {
		set[r] = true
	}
	g.mu.Lock()
	g.tracked, g.tracking = set, true
	g.mu.Unlock()
}

// KeepHeld keeps the group's resources on the node that holds them until
// it dies or Forgets them: a node that comes back, or joins, is not handed
// those rendezvous hashing prefers it for (it gets new ones). For
// resources that moving interrupts (a running workflow's tasks), where an
// uneven spread costs less than the move.
func (g *Group) KeepHeld() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stay = true
}

// Forget releases resource (deleted) if this node holds it, at the next
// tick: an operation on resource may call it, and releasing waits for the
// operations on it to end.
func (g *Group) Forget(resource string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.forget == nil {
		g.forget = map[string]bool{}
	}
	g.forget[resource] = true
}

// tick hands over what a settled node is preferred for (unless KeepHeld),
// releases what is no longer tracked, and acquires the tracked resources
// this node should hold.
func (g *Group) tick(ctx context.Context) {
	c := g.c
	g.mu.Lock()
	var held, tracked []string
	for r := range g.forget {
		defer g.release(ctx, r, false)
	}
	g.forget = nil
	for r := range g.held {
		if g.tracking && !g.tracked[r] {
			defer g.release(ctx, r, false)
			continue
		}
		held = append(held, r)
	}
	for r := range g.tracked {
		tracked = append(tracked, r)
	}
	if g.stay {
		held = nil
	}
	g.mu.Unlock()
	for _, r := range held {
		c.mu.Lock()
		pref := g.preferredLocked(r, true)
		c.mu.Unlock()
		if pref != "" && pref != c.self.Name {
			g.release(ctx, r, true)
		}
	}
	g.releaseStray(ctx)
	for _, r := range tracked {
		_, done, err := g.use(ctx, r)
		switch {
		case done != nil:
			done()
		case err != nil && !errors.Is(err, errMoved) && ctx.Err() == nil:
			c.log.Warn("cluster: acquire", "group", g.name, "resource", r, "err", err)
		}
	}
}

// release waits for the operations on resource to end, drops it and, if
// handover, deletes its claim so that the preferred node takes it.
func (g *Group) release(ctx context.Context, resource string, handover bool) {
	g.mu.Lock()
	h := g.held[resource]
	g.mu.Unlock()
	if h == nil {
		return
	}
	h.mu.Lock()
	wasReady := h.ready
	h.ready, h.gone = false, true
	g.mu.Lock()
	if g.held[resource] == h {
		delete(g.held, resource)
	}
	g.mu.Unlock()
	if wasReady {
		g.h.Release(resource)
	}
	h.mu.Unlock()
	c := g.c
	if g.mine(resource) {
		if err := c.kv.Delete(ctx, g.key(resource)); err != nil && !errors.Is(err, store.ErrNotFound) {
			c.log.Warn("cluster: release", "group", g.name, "resource", resource, "err", err)
		}
	}
	if handover {
		c.log.Info("cluster: handed over", "group", g.name, "resource", resource, "node", c.self.Name)
	}
}

// releaseStray gives up the claims of this node that it does not hold:
// an acquisition that failed, or a release, could not delete its claim
// (the store was out of reach), and the claim would otherwise send every
// operation on the resource here, to be told that it is moving. Each is
// marked released (a claim of no node) with a revision check, which the
// preferred node then claims over.
func (g *Group) releaseStray(ctx context.Context) {
	c := g.c
	stray := map[string]claim{}
	c.mu.Lock()
	for key, cl := range c.claims {
		if parts := store.SplitKey(key); len(parts) == 3 && parts[1] == g.name && c.own(cl) {
			stray[parts[2]] = cl
		}
	}
	c.mu.Unlock()
	released, _ := json.Marshal(claim{})
	for r, cl := range stray {
		g.mu.Lock()
		held := g.held[r] != nil
		g.mu.Unlock()
		if held {
			continue
		}
		if _, err := c.kv.Update(ctx, g.key(r), released, cl.rev); err != nil && !errors.Is(err, store.ErrRevision) && !errors.Is(err, store.ErrNotFound) {
			c.log.Warn("cluster: release a stray claim", "group", g.name, "resource", r, "err", err)
		}
	}
}

// dropLost releases, without touching the bucket, what this node holds
// but another node claimed (it found this node dead: fenced, or slow).
func (g *Group) dropLost() {
	for r, h := range g.holdings() {
		if !g.mine(r) {
			g.drop(r, h)
		}
	}
}

// holdings are the resources held or being acquired.
func (g *Group) holdings() map[string]*holding {
	g.mu.Lock()
	defer g.mu.Unlock()
	return maps.Clone(g.held)
}

// drop releases, without touching the bucket, a resource another node
// claimed.
func (g *Group) drop(r string, h *holding) {
	h.mu.Lock()
	defer h.mu.Unlock()
	// An acquisition may have been under way, with the claim not yet
	// recorded: look again now that it is over.
	if !h.ready || g.mine(r) {
		return
	}
	g.h.Release(r)
	h.ready, h.gone = false, true
	g.mu.Lock()
	if g.held[r] == h {
		delete(g.held, r)
	}
	g.mu.Unlock()
	g.c.log.Warn("cluster: another node took it", "group", g.name, "resource", r, "node", g.c.self.Name)
}

// renew stores again, with a revision check, the claim of every resource
// this node holds, after a fence long enough that another node may have
// found it dead: a claim another node made meanwhile, which this node may
// not have read yet, fails the check and the resource is dropped; a claim
// another node makes from now on is checked against the renewed one. It
// fails when the store cannot be written (the node stays fenced). The
// claims are renewed renewers at a time: the node does not beat meanwhile.
func (g *Group) renew(ctx context.Context) error {
	sem := make(chan struct{}, renewers)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for r, h := range g.holdings() {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := g.renewOne(ctx, r, h); err != nil {
				select {
				case errs <- err:
				default:
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// renewers is how many claims renew stores at once.
const renewers = 16

func (g *Group) renewOne(ctx context.Context, r string, h *holding) error {
	c := g.c
	key := g.key(r)
	c.mu.Lock()
	cl, ok := c.claims[key]
	c.mu.Unlock()
	if !ok || !c.own(cl) {
		return nil // being acquired, or dropped
	}
	rev, err := c.kv.Update(ctx, key, c.ownClaim(), cl.rev)
	switch {
	case errors.Is(err, store.ErrRevision) || errors.Is(err, store.ErrNotFound):
		c.mu.Lock()
		if cur := c.claims[key]; cur.rev == cl.rev {
			delete(c.claims, key) // the watch brings the claim that replaced it
		}
		c.mu.Unlock()
		g.drop(r, h)
	case err != nil:
		return fmt.Errorf("renew the claim of %s %s: %w", g.name, r, err)
	default:
		c.claimed(key, rev)
	}
	return nil
}

// mine reports whether the bucket (as this node sees it) says this node
// holds resource.
func (g *Group) mine(resource string) bool {
	c := g.c
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, ok := c.claims[g.key(resource)]
	return ok && c.own(cl)
}

// own reports whether cl is this node's (this incarnation's) claim.
func (c *Cluster) own(cl claim) bool {
	return cl.Node == c.self.Name && cl.Incarnation == c.self.Incarnation
}

// ownClaim is this node's claim as the bucket stores it.
func (c *Cluster) ownClaim() []byte {
	data, _ := json.Marshal(claim{Node: c.self.Name, Incarnation: c.self.Incarnation})
	return data
}

// claimed records in the view that this node stored its claim of key at
// rev, unless the watch brought a later change already.
func (c *Cluster) claimed(key string, rev uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.claims[key]; !ok || cur.rev < rev {
		c.claims[key] = claim{Node: c.self.Name, Incarnation: c.self.Incarnation, rev: rev}
	}
}

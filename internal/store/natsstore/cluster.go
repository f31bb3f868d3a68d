package natsstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	_ "unsafe" // go:linkname, for RAFT's timing below

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/nubo-dev/nubo/internal/store"
)

// Cluster joins the embedded server to a NATS cluster: its JetStream
// replicates every stream with RAFT among the cluster's servers.
type Cluster struct {
	// Name names the cluster ("nubo" when empty); every node must use the
	// same.
	Name string
	// Listen is the host:port this node takes routes from the others on.
	Listen string
	// Peers are the route addresses (host:port) of the other nodes.
	Peers []string
	// Token, when set, is the secret every node's routes must present.
	Token string
}

// ClusterDir is the directory, under the data directory, of a clustered
// server's JetStream. It is not the single-node one ("jetstream"): a
// clustered JetStream deletes the streams it finds on disk that its
// cluster does not know, so a node's single-node data is copied into the
// cluster (migrate.go) rather than reopened.
const ClusterDir = "jetstream-cluster"

// RAFT's timing, which nats-server does not let embedders set: a group
// whose leader died waits 4 to 9 s before it elects another, and a leader
// cut off from its followers notices after 10 s. nubo promises that the
// surviving nodes serve again within 5 s of a node's death and that a cut
// off node refuses writes quickly, so it shortens them (etcd's defaults
// are 100 ms heartbeats and 1 s elections; these leave room for a loaded
// machine).
var (
	//go:linkname raftMinElection github.com/nats-io/nats-server/v2/server.minElectionTimeout
	raftMinElection time.Duration
	//go:linkname raftMaxElection github.com/nats-io/nats-server/v2/server.maxElectionTimeout
	raftMaxElection time.Duration
	//go:linkname raftHeartbeat github.com/nats-io/nats-server/v2/server.hbInterval
	raftHeartbeat time.Duration
	//go:linkname raftLostQuorum github.com/nats-io/nats-server/v2/server.lostQuorumInterval
	raftLostQuorum time.Duration
	//go:linkname raftLostQuorumCheck github.com/nats-io/nats-server/v2/server.lostQuorumCheck
	raftLostQuorumCheck time.Duration

	raftOnce sync.Once
)

// tuneRaft sets RAFT's timing once, before the first clustered server
// starts (the server reads them only while running).
func tuneRaft() {
	raftOnce.Do(func() {
		raftHeartbeat = 250 * time.Millisecond
		raftMinElection = 1500 * time.Millisecond
		raftMaxElection = 3 * time.Second
		raftLostQuorum = 3 * time.Second
		raftLostQuorumCheck = time.Second
	})
}

// clusterOptions adds opts.Cluster's routes to the server's options.
func clusterOptions(sopts *server.Options, opts Options) error {
	c := opts.Cluster
	if opts.Node == "" {
		return errors.New("a clustered node needs a name")
	}
	tuneRaft()
	sopts.ServerName = opts.Node
	sopts.StoreDir = filepath.Join(opts.Dir, ClusterDir)
	host, port, err := hostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("cluster listen address %q: %w", c.Listen, err)
	}
	name := c.Name
	if name == "" {
		name = "nubo"
	}
	// Routes are how a partition is noticed: a route that misses three
	// pings a second apart is closed.
	sopts.Cluster = server.ClusterOpts{Name: name, Host: host, Port: port, PingInterval: time.Second, MaxPingsOut: 3}
	user := ""
	if c.Token != "" {
		user = "nubo"
		sopts.Cluster.Username, sopts.Cluster.Password = user, c.Token
	}
	for _, p := range c.Peers {
		if _, _, err := hostPort(p); err != nil {
			return fmt.Errorf("cluster peer %q: %w", p, err)
		}
		u := &url.URL{Scheme: "nats-route", Host: p}
		if user != "" {
			u.User = url.UserPassword(user, c.Token)
		}
		sopts.Routes = append(sopts.Routes, u)
	}
	// Routing starts only once the client listener is up, so a clustered
	// server always has one: on a random loopback port unless Listen
	// asked for another, behind the client token either way.
	if sopts.DontListen {
		sopts.DontListen, sopts.Host, sopts.Port = false, "127.0.0.1", server.RANDOM_PORT
	}
	return nil
}

func hostPort(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", 0, err
	}
	return host, p, nil
}

// waitForMeta waits until the cluster's JetStream has a leader that this
// server follows: a node that starts first waits for a majority.
func (s *Store) waitForMeta(ctx context.Context) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	logged := time.Now()
	q := &quorum{srv: s.srv}
	for !q.inTouch() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the cluster: %w", ctx.Err())
		case <-t.C:
		}
		if time.Since(logged) > 5*time.Second {
			s.log.Info("store: waiting for a majority of the cluster's nodes", "node", s.node, "routes", s.srv.NumRoutes())
			logged = time.Now()
		}
	}
	return nil
}

// quorum follows whether this node is in touch with a majority of the
// cluster (its JetStream follows a meta leader, or is it), so that writes
// on a node cut off from the others are refused at once with a clear
// error, rather than after a write timeout. A node without a meta leader
// that still has routes to a majority is not cut off: it is part of the
// majority electing a leader (after a node's death; seconds, and on a
// machine loaded far beyond its cores up to a minute), and its writes go
// to the streams' own leaders meanwhile (failing, as any call does, if a
// stream has none). A route across a partition closes after three missed
// pings (see clusterOptions), and the node then counts as cut off.
type quorum struct {
	srv *server.Server
	// peers counts the other nodes.
	peers int
	// lostAt is when the node was last seen cut off after being in touch
	// (unix ns; 0 while in touch); routed is whether, then, it had routes
	// to a majority.
	lostAt atomic.Int64
	routed atomic.Bool
}

// cutOffAfter is how long the node must stay out of touch before writes
// are refused: a loaded machine may miss a heartbeat or two.
const cutOffAfter = 1500 * time.Millisecond

// run samples the server until ctx ends.
func (q *quorum) run(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if q.leaderKnown() {
				q.lostAt.Store(0)
				continue
			}
			q.routed.Store(q.routedToMajority())
			q.lostAt.CompareAndSwap(0, now.UnixNano())
		}
	}
}

// routedToMajority reports whether this server has routes to enough other
// nodes to make a majority with itself.
func (q *quorum) routedToMajority() bool {
	rz, err := q.srv.Routez(&server.RoutezOptions{})
	if err != nil {
		return false
	}
	reached := map[string]bool{}
	for _, r := range rz.Routes {
		reached[r.RemoteID] = true // a node has several routes (a pool)
	}
	return 2*(len(reached)+1) > q.peers+1
}

// inTouch reports whether the meta group has a leader that this server
// follows, or is: a follower whose leader is gone counts itself current
// once it has applied everything, so the leader must be known too.
func (q *quorum) inTouch() bool {
	if !q.srv.JetStreamIsCurrent() {
		return false
	}
	info, err := q.srv.Jsz(&server.JSzOptions{})
	return err == nil && info.Meta != nil && info.Meta.Leader != ""
}

// leaderKnown reports whether the meta group has a leader, as this server
// sees it: a node cut off from the majority loses it once its election
// timeout passes (it campaigns), or once it steps down if it led. Unlike
// inTouch it does not ask for this server to have applied everything: a
// loaded node whose meta group lags (a start creating many streams) is
// slow, not cut off, and its writes go to the leaders anyway.
func (q *quorum) leaderKnown() bool {
	info, err := q.srv.Jsz(&server.JSzOptions{})
	return err == nil && info.Meta != nil && info.Meta.Leader != ""
}

// errCutOff is ErrUnavailable with the reason a cut-off node gives.
var errCutOff = store.Unavailable("this node is cut off from the majority of its cluster's nodes, so it takes no writes, " +
	"and serves no reads, until it is back in touch (the other nodes go on without it; try one of them)")

// check returns errCutOff while the node is cut off.
func (q *quorum) check() error {
	if q == nil {
		return nil
	}
	lost := q.lostAt.Load()
	if lost == 0 {
		return nil
	}
	if time.Since(time.Unix(0, lost)) >= cutOffAfter && !q.routed.Load() {
		return errCutOff
	}
	return nil
}

// cutOff returns errCutOff while this node is cut off from the majority.
func (s *Store) cutOff() error {
	if s.space == nil {
		return nil
	}
	return s.space.quorum.check()
}

// Reachable reports whether this node is in touch with a majority of the
// cluster (always true for a single node or an external NATS).
func (s *Store) Reachable() bool { return s.space.quorum.check() == nil }

// Node is this node's name in the cluster ("" for a single node).
func (s *Store) Node() string { return s.node }

// Replicas is how many copies JetStream keeps of each stream.
func (s *Store) Replicas() int { return s.replicas }

// placed runs fn, a creation of a stream, bucket or consumer, again while
// JetStream cannot place its replicas (a cluster's first start, until as
// many nodes as replicas have joined) or does not answer (electing a
// leader).
//
// In a cluster each attempt has a second: when several nodes create
// the same stream at once, JetStream may leave some of the requests
// unanswered, and the stream is there when asked again.
func placed[T any](ctx context.Context, s *Store, what string, fn func(ctx context.Context) (T, error)) (T, error) {
	logged, started := time.Now(), time.Now()
	for {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if s.replicas > 1 {
			actx, cancel = context.WithTimeout(ctx, time.Second)
		}
		v, err := fn(actx)
		cancel()
		var apiErr *jetstream.APIError
		noPeers := errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeNoPeers
		timeout := errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil || errors.Is(err, nats.ErrTimeout)
		// A server that is joining the cluster answers 503s and has no
		// responders for a while.
		joining := s.replicas > 1 && retryable(ctx, err, false)
		// Nodes that start together create the same streams at once: one
		// of them finds the stream not yet there, or created meanwhile.
		racing := s.replicas > 1 && time.Since(started) < 10*time.Second && (errors.Is(err, jetstream.ErrStreamNotFound) ||
			errors.Is(err, jetstream.ErrBucketExists) || errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeStreamNameInUse)
		if err == nil {
			if st, ok := any(v).(jetstream.Stream); ok {
				s.led(ctx, st)
			}
			return v, nil
		}
		if !noPeers && !(timeout && s.replicas > 1) && !joining && !racing {
			return v, err
		}
		if noPeers || joining {
			// The race of the nodes' creations begins once the stream can
			// be placed: a node may wait long for the others to join.
			started = time.Now()
		}
		if time.Since(logged) > 5*time.Second {
			s.log.Info("store: waiting for enough nodes to place replicas", "of", what, "replicas", s.replicas)
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// led waits, in a cluster, until st has a leader, for 10 s at most: a
// stream just created elects one first, and a write before then finds no
// responders (a failure for its writer; an asynchronous write is not
// tried again, since a later write of its key may have been stored).
func (s *Store) led(ctx context.Context, st jetstream.Stream) {
	if s.replicas <= 1 {
		return
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if info := st.CachedInfo(); info != nil && info.Cluster != nil && info.Cluster.Leader != "" {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
		ictx, cancel := context.WithTimeout(ctx, time.Second)
		st.Info(ictx)
		cancel()
	}
}

// JetStream's "no suitable peers for placement" and "stream name already
// in use with a different configuration".
const errCodeNoPeers, errCodeStreamNameInUse = 10005, 10058

// again runs fn until it succeeds or fails for good. In a cluster a
// stream whose leader died, or that was just created, answers nothing or
// "temporarily unavailable" (a 503) while its group elects a leader, for
// a second or three; fn is tried again then, for up to 10 s. A request
// that JetStream did not serve is tried again whatever it is; one that
// timed out only when it is a read, since a write may have been stored.
func again[T any](ctx context.Context, s *Store, read bool, fn func() (T, error)) (T, error) {
	if s == nil || s.replicas <= 1 {
		return fn()
	}
	// A node cut off from the majority can neither write nor read from
	// the leaders: it answers at once rather than when JetStream times out.
	if err := s.cutOff(); err != nil {
		var zero T
		return zero, err
	}
	v, err := fn()
	deadline := time.Now().Add(10 * time.Second)
	for err != nil && retryable(ctx, err, read) && time.Now().Before(deadline) {
		if cut := s.cutOff(); cut != nil {
			return v, cut
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(100 * time.Millisecond):
		}
		v, err = fn()
	}
	return v, err
}

func retryable(ctx context.Context, err error, read bool) bool {
	var apiErr *jetstream.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == 503,
		errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse):
		return true
	case read && ctx.Err() == nil:
		return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
	}
	return false
}

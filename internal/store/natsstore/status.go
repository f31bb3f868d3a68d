package natsstore

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Status is how the store's JetStream stands: its servers and, for each
// stream, which server leads it.
type Status struct {
	// Node is this node's name; Leader the server that leads the
	// cluster's JetStream (its meta group), "" for a single node or an
	// external NATS.
	Node   string `json:"node"`
	Leader string `json:"leader,omitempty"`
	// Peers are the cluster's servers as this node's JetStream sees them.
	Peers   []Peer         `json:"peers,omitempty"`
	Streams []StreamStatus `json:"streams"`
}

// Peer is a server of the cluster.
type Peer struct {
	Name    string `json:"name"`
	Current bool   `json:"current"`
	Offline bool   `json:"offline,omitempty"`
	// ActiveMs is how long ago it was last heard from.
	ActiveMs int64  `json:"activeMs"`
	Lag      uint64 `json:"lag,omitempty"`
}

// StreamStatus is one stream (KV buckets and object stores are streams
// too: KV_<bucket>, OBJ_<bucket>).
type StreamStatus struct {
	Name     string `json:"name"`
	Leader   string `json:"leader,omitempty"`
	Replicas []Peer `json:"replicas,omitempty"`
	Messages uint64 `json:"messages"`
	Bytes    uint64 `json:"bytes"`
}

// Status reports the cluster's servers and every stream's leader.
func (s *Store) Status(ctx context.Context) (Status, error) {
	st := Status{Node: s.node}
	if s.srv != nil && s.srv.JetStreamIsClustered() {
		if info, err := s.srv.Jsz(&server.JSzOptions{}); err == nil && info.Meta != nil {
			st.Leader = info.Meta.Leader
			st.Peers = append(st.Peers, Peer{Name: s.srv.Name(), Current: s.srv.JetStreamIsCurrent()})
			for _, p := range info.Meta.Replicas {
				st.Peers = append(st.Peers, peerOf(p))
			}
			sort.Slice(st.Peers, func(i, j int) bool { return st.Peers[i].Name < st.Peers[j].Name })
		}
	}
	lister := s.js.ListStreams(ctx)
	for info := range lister.Info() {
		ss := StreamStatus{Name: info.Config.Name, Messages: info.State.Msgs, Bytes: info.State.Bytes}
		if c := info.Cluster; c != nil {
			ss.Leader = c.Leader
			for _, r := range c.Replicas {
				ss.Replicas = append(ss.Replicas, Peer{Name: r.Name, Current: r.Current, Offline: r.Offline,
					ActiveMs: r.Active.Milliseconds(), Lag: r.Lag})
			}
		}
		st.Streams = append(st.Streams, ss)
	}
	if err := lister.Err(); err != nil {
		return st, fmt.Errorf("list streams: %w", unavailable(err))
	}
	sort.Slice(st.Streams, func(i, j int) bool { return st.Streams[i].Name < st.Streams[j].Name })
	return st, nil
}

func peerOf(p *server.PeerInfo) Peer {
	return Peer{Name: p.Name, Current: p.Current, Offline: p.Offline, ActiveMs: p.Active.Round(time.Millisecond).Milliseconds(), Lag: p.Lag}
}

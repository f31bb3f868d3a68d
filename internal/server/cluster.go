package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/cluster"
	"github.com/nubo-dev/nubo/internal/invoker"
	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
)

// ClusterConfig makes this nubo one node of a cluster (nubo serve
// --cluster): its embedded NATS joins the others' with routes (or every
// node uses the external NATS of Config.NATSURL), and every stream, bucket
// and object store keeps Replicas copies.
type ClusterConfig struct {
	// Node names this node; unique in the cluster.
	Node string
	// Listen is where this node takes the other nodes' routes; Peers are
	// the other nodes' route addresses.
	Listen string
	Peers  []string
	// Token, when set, is the secret the routes present.
	Token string
	// Replicas is how many copies JetStream keeps (3 when zero).
	Replicas int
}

// ClusterPath is nubo's cluster status endpoint (nubo cluster status).
const ClusterPath = "/_nubo/cluster"

// storeOptions are the store's options for cfg.
func storeOptions(cfg Config) natsstore.Options {
	opts := natsstore.Options{Dir: cfg.DataDir, URL: cfg.NATSURL, Listen: cfg.NATSListen, Logger: cfg.Logger}
	if c := cfg.Cluster; c != nil {
		opts.Node, opts.Replicas = c.Node, c.Replicas
		if opts.Replicas == 0 {
			opts.Replicas = 3
		}
		if cfg.NATSURL == "" {
			opts.Cluster = &natsstore.Cluster{Listen: c.Listen, Peers: c.Peers, Token: c.Token}
		}
	}
	return opts
}

// joinCluster joins this node to its cluster, before the services are
// built (they declare their groups and operations to it).
func (s *Server) joinCluster(ctx context.Context) error {
	kv, err := s.store.KV(ctx, "cluster")
	if err != nil {
		return err
	}
	bus, err := s.store.Bus()
	if err != nil {
		return err
	}
	s.cluster, err = cluster.Open(ctx, cluster.Options{
		Node: s.cfg.Cluster.Node, API: s.Addr(), KV: kv.(store.Watchable), Bus: bus, Logger: s.log,
		Load: func() cluster.Load {
			if s.engine == nil {
				return cluster.Load{}
			}
			return invoker.Load(s.engine)
		},
	})
	if err != nil {
		return err
	}
	s.runners = append(s.runners, s.cluster.Run)
	s.closers = append(s.closers, func() error { s.cluster.Close(); return nil })
	return nil
}

// follow runs a watch (a KV's Follow) for as long as the server runs.
func follow(start func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if err := start(ctx); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	}
}

// hereInvoker runs the asynchronous queue's events on the node that took
// them.
type hereInvoker struct{ *invoker.Invoker }

func (h hereInvoker) Invoke(ctx context.Context, req *lambda.Invocation) (*lambda.Result, error) {
	return h.InvokeHere(ctx, req)
}

// ClusterStatus is what ClusterPath serves: the nodes with their load, and
// the store's servers and streams with their leaders.
type ClusterStatus struct {
	Node  string           `json:"node"`
	Nodes []cluster.Member `json:"nodes"`
	Store natsstore.Status `json:"store"`
}

func (s *Server) clusterStatus(ctx context.Context) (ClusterStatus, error) {
	st := ClusterStatus{}
	if s.cluster != nil {
		st.Node, st.Nodes = s.cluster.Self(), s.cluster.Nodes()
	}
	var err error
	st.Store, err = s.store.Status(ctx)
	return st, err
}

// clusterHandler serves ClusterPath.
func (s *Server) clusterHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, err := s.clusterStatus(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
	})
}

// ClusterForgetPath is where nubo cluster forget removes the heartbeat of
// a dead node that will not return (POST, ?node=NAME): the last entry of
// DynamoDB's log it applied holds the log's truncation back until then.
const ClusterForgetPath = ClusterPath + "/forget"

// clusterForgetHandler serves ClusterForgetPath.
func (s *Server) clusterForgetHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		node := r.URL.Query().Get("node")
		switch {
		case r.Method != http.MethodPost:
			http.Error(w, "POST "+ClusterForgetPath+"?node=NAME", http.StatusMethodNotAllowed)
			return
		case s.cluster == nil:
			http.Error(w, "this nubo is a single node, not a cluster", http.StatusBadRequest)
			return
		case node == "":
			http.Error(w, "name the node to forget: ?node=NAME", http.StatusBadRequest)
			return
		}
		if err := s.cluster.Forget(r.Context(), node); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// writeClusterMetrics adds the cluster's state to the Prometheus
// exposition: each node's liveness and load as this node sees them, and
// which server leads each stream.
func (s *Server) writeClusterMetrics(w io.Writer) {
	if s.cluster == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := s.clusterStatus(ctx)
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	fmt.Fprintln(w, "# HELP nubo_cluster_node_up Whether a node of the cluster is alive, as this node sees it.")
	fmt.Fprintln(w, "# TYPE nubo_cluster_node_up gauge")
	for _, m := range st.Nodes {
		fmt.Fprintf(w, "nubo_cluster_node_up{node=\"%s\"} %d\n", esc.Replace(m.Name), b2i(m.Live))
	}
	fmt.Fprintln(w, "# HELP nubo_cluster_node_inflight Invocations running on a node (its last heartbeat).")
	fmt.Fprintln(w, "# TYPE nubo_cluster_node_inflight gauge")
	for _, m := range st.Nodes {
		fmt.Fprintf(w, "nubo_cluster_node_inflight{node=\"%s\"} %d\n", esc.Replace(m.Name), m.Load.Inflight)
	}
	if err != nil {
		return
	}
	fmt.Fprintln(w, "# HELP nubo_cluster_stream_leader The server that leads a stream (1 per stream).")
	fmt.Fprintln(w, "# TYPE nubo_cluster_stream_leader gauge")
	led := map[string]int{}
	for _, ss := range st.Store.Streams {
		fmt.Fprintf(w, "nubo_cluster_stream_leader{stream=\"%s\",leader=\"%s\"} 1\n", esc.Replace(ss.Name), esc.Replace(ss.Leader))
		led[ss.Leader]++
	}
	fmt.Fprintln(w, "# HELP nubo_cluster_streams_led How many streams a server leads.")
	fmt.Fprintln(w, "# TYPE nubo_cluster_streams_led gauge")
	leaders := make([]string, 0, len(led))
	for l := range led {
		leaders = append(leaders, l)
	}
	sort.Strings(leaders)
	for _, l := range leaders {
		fmt.Fprintf(w, "nubo_cluster_streams_led{server=\"%s\"} %d\n", esc.Replace(l), led[l])
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

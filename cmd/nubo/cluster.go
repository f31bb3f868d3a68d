package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nubo-dev/nubo/internal/server"
)

// clusterOpts are nubo serve's cluster flags.
type clusterOpts struct {
	on       bool
	listen   string
	peers    string
	node     string
	token    string
	replicas int
}

func clusterFlags(fs *flag.FlagSet) *clusterOpts {
	host, _ := os.Hostname()
	c := &clusterOpts{}
	fs.BoolVar(&c.on, "cluster", envBool("NUBO_CLUSTER", false), "run as one node of a cluster: the embedded NATS joins the peers' (or use --nats-url), streams are replicated (NUBO_CLUSTER)")
	fs.StringVar(&c.listen, "cluster-listen", env("NUBO_CLUSTER_LISTEN", "0.0.0.0:6222"), "host:port where this node takes the other nodes' routes (NUBO_CLUSTER_LISTEN)")
	fs.StringVar(&c.peers, "cluster-peers", env("NUBO_CLUSTER_PEERS", ""), "the other nodes' route addresses, host:port,host:port (NUBO_CLUSTER_PEERS)")
	fs.StringVar(&c.node, "node-name", env("NUBO_NODE_NAME", host), "this node's name in the cluster, unique (NUBO_NODE_NAME)")
	fs.StringVar(&c.token, "cluster-token", env("NUBO_CLUSTER_TOKEN", ""), "secret every node's routes present; set the same on every node (NUBO_CLUSTER_TOKEN)")
	fs.IntVar(&c.replicas, "replicas", envInt("NUBO_REPLICAS", 0), "copies of every stream, bucket and object store: 3 in a cluster, 1 alone (NUBO_REPLICAS)")
	return c
}

// config is the server's cluster configuration (nil without --cluster).
func (c *clusterOpts) config() (*server.ClusterConfig, error) {
	if !c.on {
		if c.replicas > 1 {
			return nil, errors.New("--replicas above 1 needs --cluster")
		}
		return nil, nil
	}
	if c.node == "" {
		return nil, errors.New("--cluster needs --node-name")
	}
	cfg := &server.ClusterConfig{Node: c.node, Listen: c.listen, Token: c.token, Replicas: c.replicas}
	for _, p := range strings.Split(c.peers, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.Peers = append(cfg.Peers, p)
		}
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = min(3, len(cfg.Peers)+1)
	}
	return cfg, nil
}

// clusterCmd is nubo cluster status and nubo cluster forget.
func clusterCmd(args []string) error {
	if len(args) > 0 && args[0] == "forget" {
		return forgetCmd(args[1:])
	}
	if len(args) == 0 || args[0] != "status" {
		return errors.New("usage: nubo cluster status [--addr host:port] [--json] | nubo cluster forget <node> [--addr host:port]")
	}
	fs := flag.NewFlagSet("cluster status", flag.ExitOnError)
	var c clientFlags
	c.register(fs)
	asJSON := fs.Bool("json", false, "print the status as JSON")
	fs.Parse(args[1:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.get(ctx, server.ClusterPath)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", server.ClusterPath, resp.Status)
	}
	var st server.ClusterStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	printStatus(st)
	return nil
}

// forgetCmd is nubo cluster forget <node>: a dead node that will not
// return is removed from the cluster, so that DynamoDB's log is truncated
// past what it applied.
func forgetCmd(args []string) error {
	fs := flag.NewFlagSet("cluster forget", flag.ExitOnError)
	var c clientFlags
	c.register(fs)
	var node string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		node, args = args[0], args[1:]
	}
	fs.Parse(args)
	if node == "" && fs.NArg() == 1 {
		node = fs.Arg(0)
	}
	if node == "" {
		return errors.New("usage: nubo cluster forget <node> [--addr host:port]")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.do(ctx, http.MethodPost, server.ClusterForgetPath+"?node="+url.QueryEscape(node))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("forget %s: %s: %s", node, resp.Status, strings.TrimSpace(string(msg)))
	}
	fmt.Printf("node %s forgotten\n", node)
	return nil
}

func printStatus(st server.ClusterStatus) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	if st.Node == "" {
		fmt.Fprintln(tw, "a single node (not a cluster)")
	} else {
		fmt.Fprintf(tw, "answered by node %s; JetStream's leader is %s\n\n", st.Node, st.Store.Leader)
		// DDB LOG: the last entry of DynamoDB's log the node applied (the
		// log is truncated up to the lowest, dead nodes' included).
		fmt.Fprintln(tw, "NODE\tLIVE\tAPI\tINFLIGHT\tCPUS\tWARM\tDDB LOG\tHEARTBEAT\tSTARTED")
		for _, m := range st.Nodes {
			warm := 0
			for _, n := range m.Load.Idle {
				warm += n
			}
			live := "no"
			if m.Live {
				live = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%dms ago\t%s\n", m.Name, live, m.API, m.Load.Inflight, m.Load.Capacity, warm,
				m.Applied["dynamodb"], m.AgeMs, m.Started.Local().Format(time.DateTime))
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw, "STREAM\tLEADER\tREPLICAS\tMESSAGES\tBYTES")
	for _, ss := range st.Store.Streams {
		var reps []string
		for _, r := range ss.Replicas {
			flag := ""
			if !r.Current {
				flag = " (behind)"
			}
			if r.Offline {
				flag = " (offline)"
			}
			reps = append(reps, r.Name+flag)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", ss.Name, ss.Leader, strings.Join(reps, ", "), ss.Messages, ss.Bytes)
	}
	tw.Flush()
}

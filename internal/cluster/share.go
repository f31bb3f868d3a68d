package cluster

import (
	"hash/fnv"
	"sort"
)

// Share is this node's part of limit, a limit the live nodes share (a
// concurrency limit, say): limit/n each, the remainder one each to the
// first nodes that rendezvous hashing orders for key, so that different
// keys' remainders land on different nodes. The parts of all nodes add
// up to limit, as long as they see the same nodes alive.
func (c *Cluster) Share(limit int, key string) int {
	if limit <= 0 {
		return 0
	}
	c.mu.Lock()
	nodes := c.liveNamesLocked(false)
	c.mu.Unlock()
	if !contains(nodes, c.self.Name) {
		nodes = append(nodes, c.self.Name) // fenced: it keeps its part while it may be back soon
	}
	n := len(nodes)
	part, rest := limit/n, limit%n
	if rest == 0 {
		return part
	}
	for i, name := range Order(nodes, key) {
		if name == c.self.Name && i < rest {
			return part + 1
		}
	}
	return part
}

// Order sorts nodes by rendezvous hashing for key, the preferred first.
func Order(nodes []string, key string) []string {
	type scored struct {
		name  string
		score uint64
	}
	s := make([]scored, len(nodes))
	for i, n := range nodes {
		h := fnv.New64a()
		h.Write([]byte(n + "\x00" + key))
		s[i] = scored{n, h.Sum64()}
	}
	sort.Slice(s, func(i, j int) bool { return s[i].score > s[j].score })
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = v.name
	}
	return out
}

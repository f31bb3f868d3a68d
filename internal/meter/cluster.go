package meter

import (
	"context"
	"fmt"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// In a cluster every node meters what it serves, in memory, and every
// subject it writes names it: meter.node.<node>.<month>.<region>.<function>
// and meter.node.<node>.<month>.<region>.<service>.<resource> (a month
// token is never "node", so either form parses alone). A node loads and
// snapshots only its own subjects, so its rollups never delete another
// node's messages and no node overwrites another's totals; a node that
// restarts under its name goes on from its snapshots. Unprefixed subjects
// (a single node's, from before it joined a cluster) are read, never
// written, by the nodes of a cluster.
//
// The bill is the sum of every node's usage: Report reads the stream's
// subjects of the month asked, every node's and the single node's (after
// rollups, one snapshot and a few recent appends a subject and node),
// loads them with the single node's logic, each subject apart, then adds
// the accounts and ledger rows of one function or resource together. This node's own part comes from its memory instead, which
// also holds what it has not stored yet. Storage (GB-months) sums right
// because one node at a time samples a resource's size (DynamoDB's holder,
// S3's sampler), each integrating the time it sampled.

// nodeToken is the second token of a node's subjects.
const nodeToken = "node"

// splitSubject returns the node that wrote subject ("" for a single
// node's) and its tokens without the node: meter, month, region, then a
// function, or a service and a resource.
func splitSubject(subject string) (node string, tokens []string) {
	t := store.SplitKey(subject)
	if len(t) < 3 || t[1] != nodeToken {
		return "", t
	}
	return t[2], append([]string{t[0]}, t[3:]...)
}

// Report prices month ("2006-01") for the functions named function (all
// if "") in region (all if ""): this node's usage on a single node; every
// node's in a cluster, read from the stream.
func (m *Meter) Report(ctx context.Context, month, region, function string, prices Prices) (Report, error) {
	if m.opts.Node == "" {
		return m.report(month, region, function, prices), nil
	}
	v, err := m.view(ctx, month)
	if err != nil {
		return Report{}, err
	}
	return v.report(month, region, function, prices), nil
}

// view returns a Meter that writes nothing and holds every node's usage
// of month (and this node's of every month), by month, region and
// function or resource.
func (m *Meter) view(ctx context.Context, month string) (*Meter, error) {
	stored := newMeter(nil, Options{Logger: m.log})
	// The month's subjects only: the stream keeps 13 months.
	for _, filter := range []string{store.Key(Prefix, month) + ".>", store.Key(Prefix, nodeToken) + ".*." + store.Key(month) + ".>"} {
		err := m.stream.Read(ctx, filter, time.Time{}, false, func(msg store.Message) bool {
			if node, t := splitSubject(msg.Subject); node != m.opts.Node {
				stored.loadLocked(msg.Subject, t, msg.Data)
			}
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("read the meter: %w", err)
		}
	}
	v := newMeter(nil, Options{Logger: m.log})
	v.absorb(stored)
	m.mu.Lock()
	defer m.mu.Unlock()
	v.absorb(m)
	return v, nil
}

// absorb adds from's usage to m's, by month, region and function or
// resource; m is a view, which no other goroutine uses yet.
func (m *Meter) absorb(from *Meter) {
	for _, a := range from.accounts {
		to := m.accountLocked(subject("", a.month, a.region, a.function), a.month, a.region, a.function)
		for k, l := range a.lines {
			sum := to.lines[k]
			if sum == nil {
				sum = &Line{Architecture: l.Architecture, MemoryMB: l.MemoryMB}
				to.lines[k] = sum
			}
			sum.Requests += l.Requests
			sum.BilledMs += l.BilledMs
			sum.MBMs += l.MBMs
		}
	}
	for i, l := range m.ledgers {
		l.absorb(from.ledgers[i])
	}
}

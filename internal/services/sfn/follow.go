package sfn

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/store"
)

// In a cluster every node follows the sfn bucket: the executions'
// summaries (exec.KEY, for the index) and the state machines, versions,
// aliases and activities that any node writes, so that each node's memory
// holds what the bucket holds. The watch delivers this node's own writes
// too; applying them again is harmless, since a writer holds s.mu from its
// store write to its change of memory and the watch applies changes, under
// s.mu, in revision order: the last change applied is the bucket's last
// (no store.Revisions needed). Writes are not checked against revisions:
// two nodes updating one state machine at once keep the last write.

// follow watches the bucket until ctx ends.
func (s *Service) follow(ctx context.Context) error {
	pending := map[string][]store.Change{} // qualifiers of machines not yet seen, by machine ARN
	f, err := s.cl.kv.Watch(ctx, "", func(ch store.Change) {
		parts := store.SplitKey(ch.Key)
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case parts[0] == "exec":
			s.followExecLocked(strings.TrimPrefix(ch.Key, "exec."), ch)
		case parts[0] == "sm" && len(parts) == 3:
			s.followMachineLocked(parts, ch, pending)
		case (parts[0] == "ver" || parts[0] == "alias") && len(parts) == 4:
			machineArn := machineRef{Region: parts[1], Account: s.opts.Account, Name: parts[2]}.arn()
			if m := s.machines[machineArn]; m != nil {
				followQualifier(m, parts, ch)
			} else if !ch.Deleted {
				pending[machineArn] = append(pending[machineArn], ch)
			}
		case parts[0] == "act" && len(parts) == 3:
			s.followActivityLocked(parts, ch)
		}
	})
	if err != nil {
		return fmt.Errorf("follow the state machines and executions: %w", err)
	}
	s.cl.follow.Started(f)
	return nil
}

// followExecLocked applies an execution's summary to the index.
func (s *Service) followExecLocked(key string, ch store.Change) {
	execArn := s.arnOfKey(key)
	defer s.indexChangedLocked()
	if s.runs[execArn] != nil {
		return // running here: this node's memory is the truth
	}
	if ch.Deleted {
		delete(s.execs, execArn)
		return
	}
	e := &execEntry{}
	if json.Unmarshal(ch.Value, e) == nil && e.Arn == execArn {
		s.execs[e.Arn] = e
	}
}

// followMachineLocked applies a state machine's change (its versions and
// aliases are kept).
func (s *Service) followMachineLocked(parts []string, ch store.Change, pending map[string][]store.Change) {
	machineArn := machineRef{Region: parts[1], Account: s.opts.Account, Name: parts[2]}.arn()
	if ch.Deleted {
		delete(s.machines, machineArn)
		delete(pending, machineArn)
		return
	}
	m := &machine{}
	if json.Unmarshal(ch.Value, m) != nil || m.Arn != machineArn {
		return
	}
	cur := s.machines[machineArn]
	if cur == nil {
		m.versions, m.aliases = map[int]*version{}, map[string]*alias{}
		s.machines[machineArn] = m
		for _, q := range pending[machineArn] {
			followQualifier(m, store.SplitKey(q.Key), q)
		}
		delete(pending, machineArn)
		return
	}
	// A new object, not an update in place: what callers read of the
	// one they found stays as it was.
	m.versions, m.aliases = cur.versions, cur.aliases
	s.machines[machineArn] = m
}

// followQualifier applies a version's or an alias's change to m.
func followQualifier(m *machine, parts []string, ch store.Change) {
	if parts[0] == "ver" {
		n, err := strconv.Atoi(parts[3])
		if err != nil {
			return
		}
		v := &version{}
		switch {
		case ch.Deleted:
			delete(m.versions, n)
		case json.Unmarshal(ch.Value, v) == nil:
			m.versions[v.Number] = v
		}
		return
	}
	a := &alias{}
	switch {
	case ch.Deleted:
		delete(m.aliases, parts[3])
	case json.Unmarshal(ch.Value, a) == nil:
		m.aliases[a.Name] = a
	}
}

// followActivityLocked applies an activity's change.
func (s *Service) followActivityLocked(parts []string, ch store.Change) {
	actArn := activityArn(parts[1], s.opts.Account, parts[2])
	if ch.Deleted {
		delete(s.activities, actArn)
		return
	}
	a := &activity{}
	if json.Unmarshal(ch.Value, a) != nil || a.Arn != actArn {
		return
	}
	s.activities[actArn] = a
}

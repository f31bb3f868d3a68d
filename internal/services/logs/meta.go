package logs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
)

// The errors of log group and stream operations.
var (
	ErrGroupNotFound  = errors.New("log group not found")
	ErrStreamNotFound = errors.New("log stream not found")
	ErrGroupExists    = errors.New("log group exists")
	ErrStreamExists   = errors.New("log stream exists")
)

// GroupInfo describes a log group.
type GroupInfo struct {
	Name string `json:"-"`
	// Created is when the group was created, in Unix milliseconds.
	Created int64 `json:"created"`
	// RetentionDays is how long events are kept; 0 keeps them for the
	// store's own limit.
	RetentionDays int `json:"retention,omitempty"`
	// StoredBytes is the size of the group's events (filled in by Groups).
	StoredBytes int64 `json:"-"`
}

// StreamInfo describes a log stream. Times are Unix milliseconds, zero
// when the stream has no events yet.
type StreamInfo struct {
	Group         string `json:"-"`
	Name          string `json:"-"`
	Created       int64  `json:"created"`
	FirstEvent    int64  `json:"first,omitempty"`
	LastEvent     int64  `json:"last,omitempty"`
	LastIngestion int64  `json:"ingested,omitempty"`
	StoredBytes   int64  `json:"bytes,omitempty"`
}

type group struct {
	info    GroupInfo
	streams map[string]*StreamInfo
}

func groupKey(name string) string         { return store.Key("g", name) }
func streamKey(group, name string) string { return store.Key("s", group, name) }
func (s *Store) markLocked(key string)    { s.dirty[key] = struct{}{} }
func millis(t time.Time) int64            { return t.UnixMilli() }
func (s *Store) nowMs() int64             { return millis(s.opts.Now()) }
func eventBytes(message string) int64     { return int64(len(message)) }

func sortedNames[T any](m map[string]T) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

const groupNameChars = "._-/#ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// ValidGroupName reports whether name is a valid log group name: 1–512 of
// letters, digits and "._-/#".
func ValidGroupName(name string) bool {
	return name != "" && len(name) <= 512 && strings.Trim(name, groupNameChars) == ""
}

// ValidStreamName reports whether name is a valid log stream name: 1–512
// characters, neither ":" nor "*".
func ValidStreamName(name string) bool {
	return name != "" && len(name) <= 512 && !strings.ContainsAny(name, ":*")
}

// groupLocked returns the group, creating it (as Lambda does on a
// function's first log line) when create is set.
func (s *Store) groupLocked(name string, create bool) *group {
	g := s.groups[name]
	if g == nil && create {
		g = &group{info: GroupInfo{Name: name, Created: s.nowMs()}, streams: map[string]*StreamInfo{}}
		s.groups[name] = g
		s.markLocked(groupKey(name))
	}
	return g
}

func (s *Store) streamLocked(g *group, name string, create bool) *StreamInfo {
	st := g.streams[name]
	if st == nil && create {
		st = &StreamInfo{Group: g.info.Name, Name: name, Created: s.nowMs()}
		g.streams[name] = st
		s.markLocked(streamKey(g.info.Name, name))
	}
	return st
}

// noteLocked records that events were stored on a stream.
func (s *Store) noteLocked(groupName, streamName string, first, last, bytes, ingested int64) {
	g := s.groupLocked(groupName, true)
	st := s.streamLocked(g, streamName, true)
	if st.FirstEvent == 0 || first < st.FirstEvent {
		st.FirstEvent = first
	}
	st.LastEvent = max(st.LastEvent, last)
	st.LastIngestion = max(st.LastIngestion, ingested)
	st.StoredBytes += bytes
	s.markLocked(streamKey(groupName, streamName))
}

// CreateGroup creates an empty log group and stores it before returning.
func (s *Store) CreateGroup(ctx context.Context, name string) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	if s.groups[name] != nil {
		s.mu.Unlock()
		return ErrGroupExists
	}
	info := GroupInfo{Name: name, Created: s.nowMs()}
	s.mu.Unlock()
	if err := s.put(ctx, groupKey(name), info); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups[name] == nil { // an Append may have made it meanwhile
		s.groups[name] = &group{info: info, streams: map[string]*StreamInfo{}}
	}
	return nil
}

// CreateStream creates an empty log stream in an existing group and
// stores it before returning.
func (s *Store) CreateStream(ctx context.Context, groupName, name string) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	g := s.groups[groupName]
	switch {
	case g == nil:
		s.mu.Unlock()
		return ErrGroupNotFound
	case g.streams[name] != nil:
		s.mu.Unlock()
		return ErrStreamExists
	}
	st := StreamInfo{Group: groupName, Name: name, Created: s.nowMs()}
	s.mu.Unlock()
	if err := s.put(ctx, streamKey(groupName, name), st); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.groups[groupName]; g != nil && g.streams[name] == nil {
		g.streams[name] = &st
	}
	return nil
}

// SetRetention sets (days > 0) or removes (days == 0) a group's retention,
// and stores it before returning.
func (s *Store) SetRetention(ctx context.Context, groupName string, days int) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	g := s.groups[groupName]
	if g == nil {
		s.mu.Unlock()
		return ErrGroupNotFound
	}
	info := g.info
	info.RetentionDays = days
	s.mu.Unlock()
	if err := s.put(ctx, groupKey(groupName), info); err != nil {
		return err
	}
	s.mu.Lock()
	g.info.RetentionDays = days
	s.mu.Unlock()
	return nil
}

// put stores one metadata record.
func (s *Store) put(ctx context.Context, key string, v any) error {
	b, _ := json.Marshal(v)
	if _, err := s.meta.Put(ctx, key, b); err != nil {
		return fmt.Errorf("store log metadata %s: %w", key, err)
	}
	return nil
}

// DeleteGroup deletes a group, its streams and their events. The memory
// changes only once the store has: a failure leaves the group as it was
// (perhaps with fewer events), and the call can be repeated.
func (s *Store) DeleteGroup(ctx context.Context, name string) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	g := s.groups[name]
	var streams []string
	if g != nil {
		streams = sortedNames(g.streams)
	}
	s.mu.Unlock()
	if g == nil {
		return ErrGroupNotFound
	}
	s.storePending() // so that the purge takes the group's pending events too
	if err := s.stream.Purge(ctx, store.Key(Prefix, name)+".>", time.Time{}); err != nil {
		return fmt.Errorf("delete log group %s: %w", name, err)
	}
	// The records go last: their deletion markers tell recover that
	// events stored before them are gone, should a crash bring purged
	// events back.
	for _, st := range streams {
		if err := s.deleteKey(ctx, streamKey(name, st)); err != nil {
			return err
		}
	}
	if err := s.deleteKey(ctx, groupKey(name)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups[name] == g {
		delete(s.groups, name)
		delete(s.dirty, groupKey(name))
		for st := range g.streams {
			delete(s.dirty, streamKey(name, st))
		}
	}
	return nil
}

// DeleteStream deletes a stream and its events, changing memory only once
// the store has.
func (s *Store) DeleteStream(ctx context.Context, groupName, name string) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	g := s.groups[groupName]
	var found bool
	if g != nil {
		_, found = g.streams[name]
	}
	s.mu.Unlock()
	switch {
	case g == nil:
		return ErrGroupNotFound
	case !found:
		return ErrStreamNotFound
	}
	s.storePending() // so that the purge takes the stream's pending events too
	if err := s.stream.Purge(ctx, Subject(groupName, name), time.Time{}); err != nil {
		return fmt.Errorf("delete log stream %s: %w", name, err)
	}
	if err := s.deleteKey(ctx, streamKey(groupName, name)); err != nil {
		return err
	}
	s.mu.Lock()
	delete(g.streams, name)
	delete(s.dirty, streamKey(groupName, name))
	s.mu.Unlock()
	return nil
}

func (s *Store) deleteKey(ctx context.Context, key string) error {
	if err := s.meta.Delete(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete log metadata %s: %w", key, err)
	}
	return nil
}

// Groups lists the groups whose names start with prefix, by name.
func (s *Store) Groups(prefix string) []GroupInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []GroupInfo
	for _, name := range sortedNames(s.groups) {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		g := s.groups[name]
		info := g.info
		for _, st := range g.streams {
			info.StoredBytes += st.StoredBytes
		}
		out = append(out, info)
	}
	return out
}

// Group describes one group.
func (s *Store) Group(name string) (GroupInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[name]
	if g == nil {
		return GroupInfo{}, ErrGroupNotFound
	}
	return g.info, nil
}

// Streams lists a group's streams, by name.
func (s *Store) Streams(groupName string) ([]StreamInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[groupName]
	if g == nil {
		return nil, ErrGroupNotFound
	}
	out := make([]StreamInfo, 0, len(g.streams))
	for _, name := range sortedNames(g.streams) {
		out = append(out, *g.streams[name])
	}
	return out, nil
}

// sync persists the metadata changed since the last sync.
func (s *Store) sync(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	writes := make(map[string][]byte, len(s.dirty))
	for key := range s.dirty {
		tokens := store.SplitKey(key)
		var v any
		switch {
		case tokens[0] == "g" && s.groups[tokens[1]] != nil:
			v = s.groups[tokens[1]].info
		case tokens[0] == "s" && s.groups[tokens[1]] != nil && s.groups[tokens[1]].streams[tokens[2]] != nil:
			v = s.groups[tokens[1]].streams[tokens[2]]
		default:
			continue
		}
		writes[key], _ = json.Marshal(v)
	}
	clear(s.dirty)
	s.mu.Unlock()
	for key, value := range writes {
		if _, err := s.meta.Put(ctx, key, value); err != nil {
			s.mu.Lock()
			s.markLocked(key) // try again next time
			s.mu.Unlock()
			return fmt.Errorf("store log metadata %s: %w", key, err)
		}
	}
	return nil
}

// load reads the persisted metadata.
func (s *Store) load(ctx context.Context) error {
	keys, err := s.meta.Keys(ctx, "")
	if err != nil {
		return fmt.Errorf("list log metadata: %w", err)
	}
	sort.Strings(keys) // "g." before "s.": groups before their streams
	for _, key := range keys {
		e, err := s.meta.Get(ctx, key)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read log metadata %s: %w", key, err)
		}
		tokens := store.SplitKey(key)
		switch {
		case tokens[0] == "g" && len(tokens) == 2:
			g := &group{streams: map[string]*StreamInfo{}}
			if err := json.Unmarshal(e.Value, &g.info); err != nil {
				return fmt.Errorf("read log metadata %s: %w", key, err)
			}
			g.info.Name = tokens[1]
			s.groups[tokens[1]] = g
		case tokens[0] == "rp" && len(tokens) == 2:
			p := ResourcePolicy{Name: tokens[1]}
			if err := json.Unmarshal(e.Value, &p); err != nil {
				return fmt.Errorf("read log metadata %s: %w", key, err)
			}
			s.policies[p.Name] = p
		case tokens[0] == "s" && len(tokens) == 3:
			st := &StreamInfo{Group: tokens[1], Name: tokens[2]}
			if err := json.Unmarshal(e.Value, st); err != nil {
				return fmt.Errorf("read log metadata %s: %w", key, err)
			}
			g := s.groupLocked(tokens[1], true)
			g.streams[tokens[2]] = st
		}
	}
	return nil
}

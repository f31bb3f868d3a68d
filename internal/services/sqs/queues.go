package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// The queue operations: create, delete, list, attributes, purge; each
// queue's settings stored under queue.<region>.<name> (queueMeta).

// queueMeta is a queue's stored settings.
type queueMeta struct {
	ID       string            `json:"id"`
	Region   string            `json:"region"`
	Name     string            `json:"name"`
	Fifo     bool              `json:"fifo"`
	Attrs    map[string]string `json:"attrs"`
	Tags     map[string]string `json:"tags,omitempty"`
	Created  int64             `json:"created"`
	Modified int64             `json:"modified"`
}

func queueKey(ref Ref) string { return store.Key("queue", ref.Region, ref.Name) }

// saveLocked writes a queue's settings.
func (s *Service) saveLocked(ctx context.Context, q *queue) error {
	b, _ := json.Marshal(queueMeta{ID: q.id, Region: q.region, Name: q.name, Fifo: q.fifo, Attrs: q.attrs, Tags: q.tags,
		Created: q.created.Unix(), Modified: q.modified.Unix()})
	if _, err := s.kv.Put(ctx, queueKey(Ref{q.region, q.name}), b); err != nil {
		return storeError("queue "+q.name, err)
	}
	return nil
}

var queueNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// CreateQueue creates a queue, or returns nil when one with the same name
// and attributes exists (as AWS does).
func (s *Service) CreateQueue(ctx context.Context, ref Ref, attrs, tags map[string]string) error {
	if s.remote(ctx) {
		_, err := s.cl.create.Do(ctx, &queueIn{Ref: ref, Attrs: attrs, Tags: tags})
		return err
	}
	fifo := attrs[attrFifoQueue] == "true"
	base, isFifoName := strings.CutSuffix(ref.Name, ".fifo")
	if !queueNameRE.MatchString(base) || len(ref.Name) > 80 || fifo != isFifoName {
		if fifo || isFifoName {
			return awserr.New(ErrInvalidParameterValue, "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
		}
		return awserr.New(ErrInvalidParameterValue, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	if err := checkAttributes(attrs, fifo, true); err != nil {
		return err
	}
	if err := s.checkRedrive(ref, attrs, fifo); err != nil {
		return err
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	stored := map[string]string{}
	for k, v := range attrs {
		if v != "" || k != attrRedrivePolicy && k != attrRedriveAllowPolicy && k != attrPolicy {
			stored[k] = canonical(k, v)
		}
	}
	delete(stored, attrFifoQueue)
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queues[ref]; q != nil {
		q.mu.Lock()
		defer q.mu.Unlock()
		shown := q.settableLocked()
		for k, v := range stored {
			if shown[k] != v {
				return awserr.New(ErrQueueNameExists, "A queue already exists with the same name and a different value for attribute %s", k)
			}
		}
		return nil
	}
	q := s.newQueue(uuid.NewString(), ref.Region, ref.Name, fifo)
	now := time.Now()
	q.attrs, q.cfg, q.created, q.modified = stored, parseConfig(stored), now, now
	for k, v := range tags {
		q.tags[k] = v
	}
	if err := s.saveLocked(ctx, q); err != nil {
		return err
	}
	s.queues[ref] = q
	return nil
}

// checkRedrive checks a RedrivePolicy's target: an existing queue of the
// same kind that allows this queue as its source.
func (s *Service) checkRedrive(ref Ref, attrs map[string]string, fifo bool) error {
	v := attrs[attrRedrivePolicy]
	if v == "" {
		return nil
	}
	if s.cl != nil {
		s.syncMeta(context.Background()) // the target may be a moment old
	}
	p, _ := parseRedrive(v)
	dlq, err := s.queueByARN(p.DeadLetterTargetArn)
	if err != nil {
		return invalidParameter(attrRedrivePolicy, v, "Dead letter target does not exist.")
	}
	if dlq.fifo != fifo {
		return invalidParameter(attrRedrivePolicy, v, "Dead-letter queue must be same type of queue as the source.")
	}
	dlq.mu.Lock()
	allowed := dlq.cfg.allow.allows(s.ARN(ref))
	dlq.mu.Unlock()
	if !allowed {
		return invalidParameter(attrRedrivePolicy, v, "Dead letter target queue does not allow this queue as a source queue.")
	}
	return nil
}

// settableLocked is every settable attribute with its value or default.
func (q *queue) settableLocked() map[string]string {
	out := map[string]string{}
	for k, v := range defaults {
		out[k] = v
	}
	if q.fifo {
		for k, v := range fifoDefaults {
			out[k] = v
		}
		out[attrFifoQueue] = "true"
	}
	for k, v := range q.attrs {
		out[k] = v
	}
	return out
}

// DeleteQueue deletes a queue and its messages.
func (s *Service) DeleteQueue(ctx context.Context, ref Ref) error {
	if s.remote(ctx) {
		_, err := s.cl.remove.Do(ctx, &queueIn{Ref: ref})
		return err
	}
	s.mu.Lock()
	q := s.queues[ref]
	if q == nil {
		s.mu.Unlock()
		return queueDoesNotExist()
	}
	delete(s.queues, ref)
	s.mu.Unlock()
	q.mu.Lock()
	q.deleted = true
	q.notifyLocked()
	q.mu.Unlock()
	if err := s.kv.Delete(ctx, queueKey(ref)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete queue %s: %w", ref.Name, err)
	}
	if s.cl != nil {
		s.cl.group.Forget(resourceOf(ref))
	}
	return s.table.Purge(ctx, q.id)
}

// ListQueues returns the names of a region's queues with the prefix, in
// order.
func (s *Service) ListQueues(region, prefix string) []string {
	s.syncMeta(context.Background())
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	for ref := range s.queues {
		if ref.Region == region && strings.HasPrefix(ref.Name, prefix) {
			names = append(names, ref.Name)
		}
	}
	sort.Strings(names)
	return names
}

// Exists reports whether a queue exists (GetQueueUrl).
func (s *Service) Exists(ref Ref) error {
	_, err := s.queue(ref)
	if err != nil && s.cl != nil {
		s.syncMeta(context.Background()) // created through another node a moment ago?
		_, err = s.queue(ref)
	}
	return err
}

// QueueAttributes returns the named attributes ("All" for every one).
func (s *Service) QueueAttributes(ref Ref, names []string) (map[string]string, error) {
	if s.cl != nil {
		out, err := s.cl.attrs.Do(context.Background(), &queueIn{Ref: ref, Names: names})
		if err != nil {
			return nil, err
		}
		return out.Attrs, nil
	}
	return s.queueAttributes(ref, names)
}

func (s *Service) queueAttributes(ref Ref, names []string) (map[string]string, error) {
	q, err := s.queue(ref)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	all := q.settableLocked()
	visible, notVisible, delayed := q.countsLocked()
	all[attrQueueArn] = q.arn
	all[attrCreatedTimestamp] = fmt.Sprint(q.created.Unix())
	all[attrLastModifiedTimestamp] = fmt.Sprint(q.modified.Unix())
	all[attrApproximateNumberOfMessages] = fmt.Sprint(visible)
	all[attrApproximateNotVisible] = fmt.Sprint(notVisible)
	all[attrApproximateDelayed] = fmt.Sprint(delayed)
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all, nil
		}
		v, ok := all[n]
		if !ok {
			if !knownAttribute(n) {
				return nil, awserr.New(ErrInvalidAttributeName, "Unknown Attribute %s.", n)
			}
			continue
		}
		out[n] = v
	}
	return out, nil
}

func knownAttribute(n string) bool {
	if _, ok := defaults[n]; ok {
		return true
	}
	if _, ok := fifoDefaults[n]; ok {
		return true
	}
	switch n {
	case attrRedrivePolicy, attrRedriveAllowPolicy, attrPolicy, attrFifoQueue, "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds":
		return true
	}
	for _, r := range readOnlyAttributes {
		if r == n {
			return true
		}
	}
	return false
}

// SetQueueAttributes changes a queue's attributes; an empty RedrivePolicy,
// RedriveAllowPolicy or Policy removes it.
func (s *Service) SetQueueAttributes(ctx context.Context, ref Ref, attrs map[string]string) error {
	if s.remote(ctx) {
		_, err := s.cl.setAttrs.Do(ctx, &queueIn{Ref: ref, Attrs: attrs})
		return err
	}
	q, err := s.queue(ref)
	if err != nil {
		return err
	}
	if err := checkAttributes(attrs, q.fifo, false); err != nil {
		return err
	}
	if err := s.checkRedrive(ref, attrs, q.fifo); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	next := map[string]string{}
	for k, v := range q.attrs {
		next[k] = v
	}
	for k, v := range attrs {
		if v == "" && (k == attrRedrivePolicy || k == attrRedriveAllowPolicy || k == attrPolicy) {
			delete(next, k)
			continue
		}
		next[k] = canonical(k, v)
	}
	old := q.attrs
	q.attrs, q.modified = next, time.Now()
	if err := s.saveLocked(ctx, q); err != nil {
		q.attrs = old
		return err
	}
	q.cfg = parseConfig(next)
	return nil
}

// DeadLetterSourceQueues lists the queues whose RedrivePolicy targets the
// queue.
func (s *Service) DeadLetterSourceQueues(ref Ref) ([]string, error) {
	s.syncMeta(context.Background())
	q, err := s.queue(ref)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, src := range s.all() {
		src.mu.Lock()
		if src.region == ref.Region && src.cfg.redrive != nil && src.cfg.redrive.DeadLetterTargetArn == q.arn {
			names = append(names, src.name)
		}
		src.mu.Unlock()
	}
	sort.Strings(names)
	return names, nil
}

// PurgeQueue deletes every message of a queue; AWS allows one purge per
// minute.
func (s *Service) PurgeQueue(ctx context.Context, ref Ref) error {
	if s.remote(ctx) {
		_, err := s.cl.purge.Do(ctx, &queueIn{Ref: ref})
		return err
	}
	q, err := s.queue(ref)
	if err != nil {
		return err
	}
	q.mu.Lock()
	now := time.Now()
	if now.Sub(q.purging) < time.Minute {
		q.mu.Unlock()
		return awserr.New(ErrPurgeQueueInProgress, "Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.name)
	}
	last := q.purging
	q.purging = now
	rows := make([]store.Row, 0, len(q.msgs))
	removed := make([]*message, 0, len(q.msgs))
	for _, m := range q.msgs {
		q.removeLocked(m)
		removed = append(removed, m)
		rows = append(rows, m.tombstone(q.id))
	}
	p := s.table.Write(rows...)
	q.mu.Unlock()
	if err := p.Wait(ctx); err != nil {
		// Some markers may be stored: the messages whose marker is not
		// come back after a restart, as they do here.
		q.mu.Lock()
		sort.Slice(removed, func(i, j int) bool { return removed[i].seq < removed[j].seq })
		q.readdLocked(removed, time.Now())
		q.purging = last
		q.mu.Unlock()
		return storeError("the purge", err)
	}
	return nil
}

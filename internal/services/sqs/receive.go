package sqs

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// ReceiveInput is a ReceiveMessage request.
type ReceiveInput struct {
	// MaxMessages is 1 to 10 (0 means 1).
	MaxMessages int
	// WaitSeconds and VisibilityTimeout override the queue's when set.
	WaitSeconds       *int
	VisibilityTimeout *int
	// AttributeNames are the system attributes to return ("All" for all);
	// MessageAttributeNames the message attributes ("All", ".*", a name,
	// or a prefix ending in ".*").
	AttributeNames        []string
	MessageAttributeNames []string
}

// Message is a received message.
type Message struct {
	MessageID              string
	ReceiptHandle          string
	Body                   string
	MD5OfBody              string
	MD5OfMessageAttributes string
	Attributes             map[string]string
	MessageAttributes      map[string]MessageAttribute
}

// System attribute names of received messages.
var systemAttributes = []string{"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
	"SequenceNumber", "MessageDeduplicationId", "MessageGroupId", "AWSTraceHeader", "DeadLetterQueueSourceArn"}

func (in *ReceiveInput) check() error {
	if in.MaxMessages == 0 {
		in.MaxMessages = 1
	}
	if in.MaxMessages < 1 || in.MaxMessages > maxBatchEntries {
		return invalidParameter("MaxNumberOfMessages", in.MaxMessages, "Must be between 1 and 10, if provided.")
	}
	if w := in.WaitSeconds; w != nil && (*w < 0 || *w > maxWaitSeconds) {
		return invalidParameter("WaitTimeSeconds", *w, "Must be >= 0 and <= 20, if provided.")
	}
	if v := in.VisibilityTimeout; v != nil && (*v < 0 || *v > maxVisibility) {
		return invalidParameter("VisibilityTimeout", *v, "Must be >= 0 and <= 43200, if provided.")
	}
	for _, n := range in.AttributeNames {
		if n != "All" && !contains(systemAttributes, n) && !knownAttribute(n) {
			return awserr.New(ErrInvalidAttributeName, "Unknown Attribute %s.", n)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Receive takes up to MaxMessages receivable messages, making them
// invisible for the visibility timeout, and waits up to WaitSeconds for
// some to arrive when there are none.
func (s *Service) Receive(ctx context.Context, ref Ref, in ReceiveInput) ([]Message, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	if s.remote(ctx) {
		out, err := s.cl.receive.Do(ctx, &queueIn{Ref: ref, Receive: &in})
		if err != nil {
			return nil, err
		}
		return out.Messages, nil
	}
	q, err := s.queue(ref)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	wait, vis := q.cfg.wait, q.cfg.visibility
	q.mu.Unlock()
	if in.WaitSeconds != nil {
		wait = *in.WaitSeconds
	}
	if in.VisibilityTimeout != nil {
		vis = *in.VisibilityTimeout
	}
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		got, signal, err := s.take(ctx, q, in.MaxMessages, time.Duration(vis)*time.Second)
		if err != nil {
			return nil, err
		}
		if len(got) > 0 || wait == 0 {
			return s.render(q, got, &in), nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, nil
		}
		t := time.NewTimer(left)
		select {
		case <-signal:
			t.Stop()
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		}
	}
}

// received is a message as one receive took it.
type received struct {
	m       *message
	receipt string
	count   int
	first   time.Time
}

// take receives up to max messages and moves those past their
// maxReceiveCount to the dead-letter queue. With nothing to take it
// returns the channel that signals new messages.
func (s *Service) take(ctx context.Context, q *queue, max int, vis time.Duration) ([]received, chan struct{}, error) {
	q.mu.Lock()
	var dlq *queue
	if r := q.cfg.redrive; r != nil {
		dlq, _ = s.queueByARN(r.DeadLetterTargetArn)
	}
	if q.deleted {
		q.mu.Unlock()
		return nil, nil, queueDoesNotExist()
	}
	now := time.Now()
	until := now.Add(vis)
	var out []received
	var dead []*message
	var rows []store.Row
	due := func(m *message) bool {
		return dlq != nil && m.receives >= q.cfg.redrive.MaxReceiveCount
	}
	var before []delivery // the received messages' states as they were
	receive := func(m *message) {
		before = append(before, delivery{m.receives, m.firstReceive, m.receipt, m.visibleAt, m.inflight})
		q.receiveLocked(m, until)
		m.receives++
		if m.firstReceive.IsZero() {
			m.firstReceive = now
		}
		m.receipt = q.nonceLocked()
		rows = append(rows, m.row(q.id))
		out = append(out, received{m: m, receipt: m.receipt, count: m.receives, first: m.firstReceive})
	}
	if q.fifo {
		for e := q.avail.Front(); e != nil && len(out) < max; {
			g := e.Value.(*group)
			e = e.Next()
			var taken []*message
			for i := 0; i < len(g.msgs) && len(out)+len(taken) < max; {
				m := g.msgs[i]
				if m.heapIndex >= 0 {
					break
				}
				if due(m) {
					q.removeLocked(m)
					dead = append(dead, m)
					continue
				}
				taken = append(taken, m)
				i++
			}
			for _, m := range taken {
				receive(m)
			}
		}
	} else {
		for e := q.ready.Front(); e != nil && len(out) < max; {
			m := e.Value.(*message)
			e = e.Next()
			if due(m) {
				q.removeLocked(m)
				dead = append(dead, m)
				continue
			}
			receive(m)
		}
	}
	p := s.table.Write(rows...)
	if err := p.Refused(); err != nil {
		q.unreceiveLocked(out, before, dead, now)
		q.mu.Unlock()
		return nil, nil, storeError("the receive", err)
	}
	signal := q.signal
	q.mu.Unlock()
	if err := p.Wait(ctx); err != nil {
		return nil, nil, storeError("the receive", err)
	}
	if len(dead) > 0 {
		if err := s.move(ctx, q, dlq, dead, q.arn); err != nil {
			q.mu.Lock()
			q.readdLocked(dead, time.Now())
			q.mu.Unlock()
			return nil, nil, err
		}
	}
	return out, signal, nil
}

// unreceiveLocked undoes a receive whose rows were refused: the messages
// get their delivery state back, and those bound for the dead-letter
// queue stay.
// delivery is a message's delivery state, to put back.
type delivery struct {
	receives     int
	firstReceive time.Time
	receipt      string
	visibleAt    time.Time
	inflight     bool
}

func (q *queue) unreceiveLocked(out []received, before []delivery, dead []*message, now time.Time) {
	msgs := make([]*message, 0, len(out)+len(dead))
	for i, r := range out {
		m := r.m
		q.removeLocked(m)
		m.receives, m.firstReceive, m.receipt = before[i].receives, before[i].firstReceive, before[i].receipt
		m.visibleAt, m.inflight = before[i].visibleAt, before[i].inflight
		msgs = append(msgs, m)
	}
	q.readdLocked(append(msgs, dead...), now)
}

// render builds the messages as ReceiveMessage returns them, with the
// attributes asked for.
func (s *Service) render(q *queue, got []received, in *ReceiveInput) []Message {
	all := contains(in.AttributeNames, "All")
	want := func(n string) bool { return all || contains(in.AttributeNames, n) }
	out := make([]Message, len(got))
	for i, r := range got {
		m := r.m
		msg := Message{
			MessageID: m.id, Body: m.body, MD5OfBody: m.md5Body,
			ReceiptHandle: receiptHandle(q.id, m.id, r.receipt),
		}
		if len(in.AttributeNames) > 0 {
			msg.Attributes = systemAttributesOf(q, r, want)
		}
		msg.MessageAttributes = selectAttributes(m.attrs, in.MessageAttributeNames)
		msg.MD5OfMessageAttributes = MD5OfAttributes(msg.MessageAttributes)
		out[i] = msg
	}
	return out
}

// systemAttributesOf are the system attributes of a received message that
// want picks, nil when none.
func systemAttributesOf(q *queue, r received, want func(string) bool) map[string]string {
	m := r.m
	attrs := map[string]string{}
	add := func(name string, v func() string) {
		if want(name) {
			if s := v(); s != "" {
				attrs[name] = s
			}
		}
	}
	add("SenderId", func() string { return m.senderID })
	add("SentTimestamp", func() string { return strconv.FormatInt(m.sent.UnixMilli(), 10) })
	add("ApproximateReceiveCount", func() string { return strconv.Itoa(r.count) })
	add("ApproximateFirstReceiveTimestamp", func() string { return strconv.FormatInt(r.first.UnixMilli(), 10) })
	if q.fifo {
		add("SequenceNumber", func() string { return fmt.Sprintf("%020d", m.seq) })
		add("MessageDeduplicationId", func() string { return m.dedupID })
	}
	add("MessageGroupId", func() string { return m.groupID })
	add("DeadLetterQueueSourceArn", func() string { return m.sourceARN })
	add("AWSTraceHeader", func() string { return m.system["AWSTraceHeader"].StringValue })
	if len(attrs) == 0 {
		return nil
	}
	return attrs
}

// selectAttributes picks the message attributes a receive asked for.
func selectAttributes(attrs map[string]MessageAttribute, names []string) map[string]MessageAttribute {
	if len(attrs) == 0 || len(names) == 0 {
		return nil
	}
	out := map[string]MessageAttribute{}
	for n, a := range attrs {
		for _, want := range names {
			prefix, isPrefix := strings.CutSuffix(want, ".*")
			if want == "All" || want == ".*" || want == n || isPrefix && strings.HasPrefix(n, prefix+".") {
				out[n] = a
				break
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func receiptHandle(queueID, id, receipt string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(queueID + " " + id + " " + receipt))
}

// parseReceipt reads a receipt handle of q: the message id and the nonce of
// its receive.
func parseReceipt(q *queue, handle string) (string, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(handle)
	queueID, rest, ok1 := strings.Cut(string(b), " ")
	id, receipt, ok2 := strings.Cut(rest, " ")
	if err != nil || !ok1 || !ok2 || strings.Contains(receipt, " ") || queueID != q.id {
		return "", "", awserr.New(ErrReceiptHandleIsInvalid, "The input receipt handle \"%s\" is not a valid receipt handle.", handle)
	}
	return id, receipt, nil
}

// Delete deletes messages by receipt handle; a message already deleted is
// no error.
func (s *Service) Delete(ctx context.Context, ref Ref, handles []string) ([]error, error) {
	if s.remote(ctx) {
		out, err := s.cl.del.Do(ctx, &queueIn{Ref: ref, Handles: handles})
		if err != nil {
			return nil, err
		}
		return decodeErrs(s.cl.c, out.Errs), nil
	}
	q, err := s.queue(ref)
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(handles))
	var rows []store.Row
	var removed []*message
	q.mu.Lock()
	for i, h := range handles {
		id, _, err := parseReceipt(q, h)
		if err != nil {
			errs[i] = err
			continue
		}
		if m := q.msgs[id]; m != nil {
			q.removeLocked(m)
			removed = append(removed, m)
			rows = append(rows, m.tombstone(q.id))
		}
	}
	p := s.table.Write(rows...)
	if len(rows) > 0 && q.fifo {
		q.notifyLocked() // deletes unblock groups
	}
	q.mu.Unlock()
	if err := p.Wait(ctx); err != nil {
		q.mu.Lock()
		q.readdLocked(removed, time.Now())
		q.mu.Unlock()
		return nil, storeError("the deletions", err)
	}
	return errs, nil
}

// VisibilityInput changes one message's visibility timeout.
type VisibilityInput struct {
	ReceiptHandle     string
	VisibilityTimeout int
}

// ChangeVisibility sets in-flight messages' visibility timeouts, counted
// from now.
func (s *Service) ChangeVisibility(ctx context.Context, ref Ref, entries []VisibilityInput) ([]error, error) {
	if s.remote(ctx) {
		out, err := s.cl.visibility.Do(ctx, &queueIn{Ref: ref, Visibility: entries})
		if err != nil {
			return nil, err
		}
		return decodeErrs(s.cl.c, out.Errs), nil
	}
	q, err := s.queue(ref)
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(entries))
	var rows []store.Row
	type change struct {
		m   *message
		was time.Time
	}
	var changed []change
	q.mu.Lock()
	now := time.Now()
	for i, e := range entries {
		if e.VisibilityTimeout < 0 || e.VisibilityTimeout > maxVisibility {
			errs[i] = invalidParameter("VisibilityTimeout", e.VisibilityTimeout, "Must be between 0 and 43200, if provided.")
			continue
		}
		id, receipt, err := parseReceipt(q, e.ReceiptHandle)
		if err != nil {
			errs[i] = err
			continue
		}
		m := q.msgs[id]
		switch {
		case m == nil:
			errs[i] = invalidParameter("ReceiptHandle", e.ReceiptHandle, "Message does not exist or is not available for visibility timeout change.")
		case !m.inflight:
			errs[i] = awserr.New(ErrMessageNotInflight, "Message not inflight.")
		case m.receipt != receipt:
			errs[i] = invalidParameter("ReceiptHandle", e.ReceiptHandle, "The receipt handle has expired.")
		default:
			changed = append(changed, change{m, m.visibleAt})
			q.setVisibilityLocked(m, now.Add(time.Duration(e.VisibilityTimeout)*time.Second))
			rows = append(rows, m.row(q.id))
		}
	}
	p := s.table.Write(rows...)
	if err := p.Refused(); err != nil {
		for _, c := range changed {
			q.setVisibilityLocked(c.m, c.was)
		}
		q.mu.Unlock()
		return nil, storeError("the visibility timeouts", err)
	}
	q.mu.Unlock()
	if err := p.Wait(ctx); err != nil {
		return nil, storeError("the visibility timeouts", err)
	}
	return errs, nil
}

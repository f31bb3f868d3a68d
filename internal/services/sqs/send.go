package sqs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// SendInput is one message to send.
type SendInput struct {
	Body string
	// DelaySeconds overrides the queue's delay (standard queues only).
	DelaySeconds     *int
	Attributes       map[string]MessageAttribute
	SystemAttributes map[string]MessageAttribute
	GroupID          string
	DeduplicationID  string
}

// SendResult is a sent message as SendMessage reports it.
type SendResult struct {
	MessageID             string
	MD5OfBody             string
	MD5OfAttributes       string
	MD5OfSystemAttributes string
	SequenceNumber        string // FIFO only
}

// dedupWindow is how long FIFO queues remember deduplication ids.
const dedupWindow = 5 * time.Minute

// fifoID reports whether s is a valid MessageGroupId or
// MessageDeduplicationId: 1 to 128 characters from ! to ~.
func fifoID(s string) bool {
	if len(s) < 1 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Send sends messages to a queue. Each entry gets a result or an error;
// nothing is sent for an entry with an error. The results are stored
// when Send returns.
func (s *Service) Send(ctx context.Context, ref Ref, entries []SendInput) ([]SendResult, []error, error) {
	if s.remote(ctx) {
		out, err := s.cl.send.Do(ctx, &queueIn{Ref: ref, Entries: entries})
		if err != nil {
			return nil, nil, err
		}
		return out.Results, decodeErrs(s.cl.c, out.Errs), nil
	}
	q, err := s.queue(ref)
	if err != nil {
		return nil, nil, err
	}
	return s.send(ctx, q, entries, "")
}

func (s *Service) send(ctx context.Context, q *queue, entries []SendInput, sourceARN string) ([]SendResult, []error, error) {
	sd, err := s.startSend(q, entries, sourceARN)
	if err != nil {
		return nil, nil, err
	}
	return sd.wait(ctx)
}

// sending is a send whose messages are indexed and whose rows are on their
// way to the table.
type sending struct {
	q       *queue
	results []SendResult
	errs    []error
	added   []*message
	p       store.Pending
}

// startSend validates the entries, indexes their messages and queues their
// rows, without waiting for them (see wait).
func (s *Service) startSend(q *queue, entries []SendInput, sourceARN string) (*sending, error) {
	sd := &sending{q: q, results: make([]SendResult, len(entries)), errs: make([]error, len(entries)), added: make([]*message, 0, len(entries))}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return nil, queueDoesNotExist()
	}
	now := time.Now()
	rows := make([]store.Row, 0, 2*len(entries))
	for i := range entries {
		m, dup, err := s.prepareLocked(q, &entries[i], now)
		if err != nil {
			sd.errs[i] = err
			continue
		}
		if dup != nil {
			sd.results[i] = resultOf(q, dup)
			continue
		}
		m.sourceARN = sourceARN
		q.addLocked(m, now)
		sd.added = append(sd.added, m)
		rows = append(rows, m.row(q.id))
		if m.dedupID != "" {
			key := dedupScopeKey(q, m)
			d := dedupEntry{id: m.id, seq: m.seq, expires: now.Add(dedupWindow)}
			q.dedup[key] = d
			rows = append(rows, store.Row{Key: dedupKey(q.id, key), Value: appendDedup(nil, d), TTL: dedupWindow})
		}
		sd.results[i] = resultOf(q, m)
	}
	sd.p = s.table.Write(rows...)
	if err := sd.p.Refused(); err != nil {
		q.unsendLocked(sd.added)
		return nil, storeError("the messages", err)
	}
	if len(rows) > 0 {
		q.notifyLocked()
	}
	return sd, nil
}

// wait returns once the send's rows are stored, taking its messages back
// if they could not be.
func (sd *sending) wait(ctx context.Context) ([]SendResult, []error, error) {
	if err := sd.p.Wait(ctx); err != nil {
		sd.q.mu.Lock()
		sd.q.unsendLocked(sd.added)
		sd.q.mu.Unlock()
		return nil, nil, storeError("the messages", err)
	}
	return sd.results, sd.errs, nil
}

// unsendLocked takes back messages whose rows were not stored, with their
// deduplication ids.
func (q *queue) unsendLocked(added []*message) {
	for _, m := range added {
		if q.msgs[m.id] == m {
			q.removeLocked(m)
		}
		if m.dedupID != "" {
			if key := dedupScopeKey(q, m); q.dedup[key].id == m.id {
				delete(q.dedup, key)
			}
		}
	}
}

func resultOf(q *queue, m *message) SendResult {
	r := SendResult{MessageID: m.id, MD5OfBody: m.md5Body, MD5OfAttributes: m.md5Attrs, MD5OfSystemAttributes: m.md5System}
	if q.fifo {
		r.SequenceNumber = fmt.Sprintf("%020d", m.seq)
	}
	return r
}

func dedupScopeKey(q *queue, m *message) string {
	if q.attrs[attrDeduplicationScope] == "messageGroup" {
		return m.groupID + "\x00" + m.dedupID
	}
	return m.dedupID
}

// prepareLocked validates one entry and builds its message, or finds the
// message it duplicates.
func (s *Service) prepareLocked(q *queue, in *SendInput, now time.Time) (*message, *message, error) {
	if in.Body == "" {
		return nil, nil, awserr.New(ErrMissingParameter, "The request must contain the parameter MessageBody.")
	}
	if !validText(in.Body) {
		return nil, nil, awserr.New(ErrInvalidMessageContents, "Invalid characters found. The message body may contain only #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.")
	}
	size, err := validateAttributes(in.Attributes)
	if err != nil {
		return nil, nil, err
	}
	for name, a := range in.SystemAttributes {
		if name != "AWSTraceHeader" {
			return nil, nil, awserr.New(ErrInvalidParameterValue, "Message system attribute name '%s' is invalid.", name)
		}
		if a.DataType != "String" || a.StringValue == "" {
			return nil, nil, awserr.New(ErrInvalidParameterValue, "Message system attribute '%s' must be of type String and non-empty.", name)
		}
	}
	if size += len(in.Body); size > q.cfg.maxSize {
		return nil, nil, awserr.New(ErrInvalidParameterValue, "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", q.cfg.maxSize)
	}
	delay := q.cfg.delay
	if in.DelaySeconds != nil {
		if q.fifo {
			return nil, nil, invalidParameter("DelaySeconds", *in.DelaySeconds, "The request include parameter that is not valid for this queue type.")
		}
		if *in.DelaySeconds < 0 || *in.DelaySeconds > maxDelaySeconds {
			return nil, nil, invalidParameter("DelaySeconds", *in.DelaySeconds, "DelaySeconds must be >= 0 and <= 900.")
		}
		delay = *in.DelaySeconds
	}
	m := &message{
		id: q.newIDLocked(), body: in.Body, attrs: in.Attributes, system: in.SystemAttributes,
		sent: now, groupID: in.GroupID, senderID: s.account, heapIndex: -1,
	}
	if in.GroupID != "" && !fifoID(in.GroupID) {
		return nil, nil, invalidParameter("MessageGroupId", in.GroupID, "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.")
	}
	if q.fifo {
		if in.GroupID == "" {
			return nil, nil, awserr.New(ErrMissingParameter, "The request must contain the parameter MessageGroupId.")
		}
		m.dedupID = in.DeduplicationID
		if m.dedupID == "" {
			if !q.cfg.contentDedup {
				return nil, nil, awserr.New(ErrInvalidParameterValue, "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
			}
			sum := sha256.Sum256([]byte(in.Body))
			m.dedupID = hex.EncodeToString(sum[:])
		} else if !fifoID(m.dedupID) {
			return nil, nil, invalidParameter("MessageDeduplicationId", m.dedupID, "MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.")
		}
		if d, ok := q.dedup[dedupScopeKey(q, m)]; ok && now.Before(d.expires) {
			return nil, &message{id: d.id, seq: d.seq, md5Body: MD5OfBody(in.Body), md5Attrs: MD5OfAttributes(in.Attributes), md5System: MD5OfAttributes(in.SystemAttributes)}, nil
		}
	} else if in.DeduplicationID != "" {
		return nil, nil, invalidParameter("MessageDeduplicationId", in.DeduplicationID, "The request includes a parameter that is not valid for this queue type.")
	}
	m.seq = q.nextSeqLocked(now)
	m.md5Body, m.md5Attrs, m.md5System = MD5OfBody(m.body), MD5OfAttributes(m.attrs), MD5OfAttributes(m.system)
	if delay > 0 {
		m.visibleAt = now.Add(time.Duration(delay) * time.Second)
	}
	return m, nil, nil
}

// batchID reports whether s is a valid batch entry id: 1 to 80 letters,
// digits, hyphens and underscores.
func batchID(s string) bool {
	if len(s) < 1 || len(s) > maxBatchEntryID {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// CheckBatch checks the entry ids of a batch request as AWS does: 1 to 10
// entries, each id of letters, digits, hyphens and underscores, distinct.
func CheckBatch(ids []string) error {
	if len(ids) == 0 {
		return awserr.New(ErrEmptyBatchRequest, "There should be at least one entry in the request.")
	}
	if len(ids) > maxBatchEntries {
		return awserr.New(ErrTooManyEntries, "Maximum number of entries per request are %d. You have sent %d.", maxBatchEntries, len(ids))
	}
	for i, id := range ids {
		if !batchID(id) {
			return awserr.New(ErrInvalidBatchEntryID, "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		for _, earlier := range ids[:i] { // ten at most
			if earlier == id {
				return awserr.New(ErrBatchEntryIdsNotDistinct, "Id %s repeated.", id)
			}
		}
	}
	return nil
}

// CheckBatchSize refuses a SendMessageBatch whose messages add up to more
// than the largest message.
func CheckBatchSize(entries []SendInput) error {
	total := 0
	for _, e := range entries {
		total += len(e.Body)
		for n, a := range e.Attributes {
			total += len(n) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
		}
	}
	if total > defaultMaxMessage {
		return awserr.New(ErrBatchRequestTooLong, "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", defaultMaxMessage, total)
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

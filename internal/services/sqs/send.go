package sqs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/google/uuid"

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

var fifoIDRE = regexp.MustCompile("^[\\x21-\\x7e]{1,128}$")

// Send sends messages to a queue. Each entry gets a result or an error;
// nothing is sent for an entry with an error. The results are stored
// when Send returns.
func (s *Service) Send(ctx context.Context, ref Ref, entries []SendInput) ([]SendResult, []error, error) {
	q, err := s.queue(ref)
	if err != nil {
		return nil, nil, err
	}
	return s.send(ctx, q, entries, "")
}

func (s *Service) send(ctx context.Context, q *queue, entries []SendInput, sourceARN string) ([]SendResult, []error, error) {
	results := make([]SendResult, len(entries))
	errs := make([]error, len(entries))
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return nil, nil, queueDoesNotExist()
	}
	now := time.Now()
	var rows []store.Row
	var added []*message
	for i := range entries {
		m, dup, err := s.prepareLocked(q, &entries[i], now)
		if err != nil {
			errs[i] = err
			continue
		}
		if dup != nil {
			results[i] = resultOf(q, dup)
			continue
		}
		m.sourceARN = sourceARN
		q.addLocked(m, now)
		added = append(added, m)
		rows = append(rows, m.row(q.id))
		if m.dedupID != "" {
			key := dedupScopeKey(q, m)
			d := dedupEntry{id: m.id, seq: m.seq, expires: now.Add(dedupWindow)}
			q.dedup[key] = d
			b, _ := json.Marshal(dedupRecord{ID: d.id, Seq: d.seq, Exp: msOf(d.expires)})
			rows = append(rows, store.Row{Key: dedupKey(q.id, key), Value: b, TTL: dedupWindow})
		}
		results[i] = resultOf(q, m)
	}
	p := s.table.Write(rows...)
	if err := p.Refused(); err != nil {
		q.unsendLocked(added)
		q.mu.Unlock()
		return nil, nil, storeError("the messages", err)
	}
	if len(rows) > 0 {
		q.notifyLocked()
	}
	q.mu.Unlock()
	if err := p.Wait(ctx); err != nil {
		q.mu.Lock()
		q.unsendLocked(added)
		q.mu.Unlock()
		return nil, nil, storeError("the messages", err)
	}
	return results, errs, nil
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
		id: uuid.NewString(), body: in.Body, attrs: in.Attributes, system: in.SystemAttributes,
		sent: now, groupID: in.GroupID, senderID: s.account, heapIndex: -1,
	}
	if in.GroupID != "" && !fifoIDRE.MatchString(in.GroupID) {
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
		} else if !fifoIDRE.MatchString(m.dedupID) {
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

var batchIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// CheckBatch checks the entry ids of a batch request as AWS does: 1 to 10
// entries, each id of letters, digits, hyphens and underscores, distinct.
func CheckBatch(ids []string) error {
	if len(ids) == 0 {
		return awserr.New(ErrEmptyBatchRequest, "There should be at least one entry in the request.")
	}
	if len(ids) > maxBatchEntries {
		return awserr.New(ErrTooManyEntries, "Maximum number of entries per request are %d. You have sent %d.", maxBatchEntries, len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !batchIDRE.MatchString(id) {
			return awserr.New(ErrInvalidBatchEntryID, "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[id] {
			return awserr.New(ErrBatchEntryIdsNotDistinct, "Id %s repeated.", id)
		}
		seen[id] = true
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

// SendMessage sends one message to the queue with the given ARN and
// returns its id, with SendMessage's validation and semantics. It is the
// Go API of the asynchronous invocation queue (dead-letter messages and
// destination records) and of SNS subscriptions. FIFO queues need a group
// id, so they take the message with group "default" and content-based
// deduplication.
func (s *Service) SendMessage(ctx context.Context, queueARN, body string, attrs map[string]MessageAttribute) (string, error) {
	q, err := s.queueByARN(queueARN)
	if err != nil {
		return "", err
	}
	in := SendInput{Body: body, Attributes: attrs}
	if q.fifo {
		sum := sha256.Sum256([]byte(body))
		in.GroupID, in.DeduplicationID = "default", hex.EncodeToString(sum[:])
	}
	return s.sendOne(ctx, q, in)
}

// SendFIFO is SendMessage with an explicit group and deduplication id
// (SNS FIFO topics delivering to FIFO queues).
func (s *Service) SendFIFO(ctx context.Context, queueARN string, in SendInput) (string, error) {
	q, err := s.queueByARN(queueARN)
	if err != nil {
		return "", err
	}
	return s.sendOne(ctx, q, in)
}

// sendOne sends one message and returns its id.
func (s *Service) sendOne(ctx context.Context, q *queue, in SendInput) (string, error) {
	res, errs, err := s.send(ctx, q, []SendInput{in}, "")
	if err != nil {
		return "", err
	}
	if errs[0] != nil {
		return "", errs[0]
	}
	return res[0].MessageID, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

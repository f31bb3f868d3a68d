package sqs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
)

// SendMessage sends one message to the queue with the given ARN and
// returns its id, with SendMessage's validation and semantics. It is the
// Go API of the asynchronous invocation queue (dead-letter messages and
// destination records) and of SNS subscriptions. FIFO queues need a group
// id, so they take the message with group "default" and content-based
// deduplication.
func (s *Service) SendMessage(ctx context.Context, queueARN, body string, attrs map[string]MessageAttribute) (string, error) {
	q, err := s.target(ctx, queueARN)
	if err != nil {
		return "", err
	}
	return s.sendOne(ctx, q, outgoingInput(q, Outgoing{Body: body, Attributes: attrs}))
}

// SendFIFO is SendMessage with an explicit group and deduplication id
// (SNS FIFO topics delivering to FIFO queues).
func (s *Service) SendFIFO(ctx context.Context, queueARN string, in SendInput) (string, error) {
	q, err := s.target(ctx, queueARN)
	if err != nil {
		return "", err
	}
	return s.sendOne(ctx, q, in)
}

// Outgoing is a message SendMessages sends.
type Outgoing struct {
	QueueARN   string
	Body       string
	Attributes map[string]MessageAttribute
	// GroupID and DeduplicationID order and deduplicate a message to a
	// FIFO queue; without a group it goes as SendMessage sends it.
	GroupID, DeduplicationID string
}

// outgoingInput is the SendInput of o to q.
func outgoingInput(q *queue, o Outgoing) SendInput {
	in := SendInput{Body: o.Body, Attributes: o.Attributes, GroupID: o.GroupID, DeduplicationID: o.DeduplicationID}
	if q.fifo && in.GroupID == "" {
		sum := sha256.Sum256([]byte(o.Body))
		in.GroupID, in.DeduplicationID = "default", hex.EncodeToString(sum[:])
	}
	return in
}

// SendMessages sends messages to the queues their ARNs name, as
// SendMessage and SendFIFO do, and returns each one's error. Their rows
// are queued before any is waited for, so that they are stored together
// (an SNS message to all the queues subscribed to its topic).
func (s *Service) SendMessages(ctx context.Context, msgs []Outgoing) []error {
	errs := make([]error, len(msgs))
	if s.cl != nil {
		// In a cluster each message goes to its queue's holder.
		for i, o := range msgs {
			q, err := s.target(ctx, o.QueueARN)
			if err == nil {
				_, err = s.sendOne(ctx, q, outgoingInput(q, o))
			}
			errs[i] = err
		}
		return errs
	}
	sends := make([]*sending, len(msgs))
	for i, o := range msgs {
		q, err := s.queueByARN(o.QueueARN)
		if err == nil {
			sends[i], err = s.startSend(q, []SendInput{outgoingInput(q, o)}, "")
		}
		errs[i] = err
	}
	for i, sd := range sends {
		if sd == nil {
			continue
		}
		_, entryErrs, err := sd.wait(ctx)
		if err == nil {
			err = entryErrs[0]
		}
		errs[i] = err
	}
	return errs
}

// sendOne sends one message and returns its id.
func (s *Service) sendOne(ctx context.Context, q *queue, in SendInput) (string, error) {
	var res []SendResult
	var errs []error
	var err error
	if s.remote(ctx) {
		res, errs, err = s.Send(ctx, Ref{q.region, q.name}, []SendInput{in})
	} else {
		res, errs, err = s.send(ctx, q, []SendInput{in}, "")
	}
	if err != nil {
		return "", err
	}
	if errs[0] != nil {
		return "", errs[0]
	}
	return res[0].MessageID, nil
}

// target finds the queue a Go API call sends to; in a cluster it may have
// been created through another node a moment ago.
func (s *Service) target(ctx context.Context, queueARN string) (*queue, error) {
	q, err := s.queueByARN(queueARN)
	if err != nil && s.cl != nil {
		s.syncMeta(ctx)
		q, err = s.queueByARN(queueARN)
	}
	return q, err
}

package sns

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/targets"
)

// Paths nubo serves for SNS: the SubscribeURL and UnsubscribeURL of
// messages, and the signing certificate.
const (
	ConfirmPath = "/_nubo/sns/"
	CertPath    = "/_nubo/sns/SimpleNotificationService.pem"
)

// httpJob is one delivery to an HTTP(S) endpoint, stored as a job until it
// succeeds or runs out of retries.
type httpJob struct {
	Subscription string `json:"sub"`
	Endpoint     string `json:"endpoint"`
	Type         string `json:"type"`
	MessageID    string `json:"id"`
	TopicARN     string `json:"topic"`
	Body         string `json:"body"`
	Raw          bool   `json:"raw,omitempty"`
	Attempt      int    `json:"attempt,omitempty"`
}

// httpRetries is the default delivery policy's numRetries.
const httpRetries = 3

func (s *Service) enqueueHTTP(ctx context.Context, j *httpJob, at time.Time) error {
	b, _ := json.Marshal(j)
	if err := s.jobs.Publish(ctx, store.Key("sns", "http"), b, at); err != nil {
		return fmt.Errorf("queue http delivery: %w", err)
	}
	return nil
}

// Run delivers queued HTTP(S) messages until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	return s.jobs.Consume(ctx, store.Key("sns", "http"), 64, func(j store.Job) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runJob(ctx, j)
		}()
	})
}

func (s *Service) runJob(ctx context.Context, j store.Job) {
	var job httpJob
	if err := json.Unmarshal(j.Data(), &job); err != nil {
		s.log.Error("sns: unreadable delivery job", "err", err)
		j.Done()
		return
	}
	err := s.post(ctx, &job)
	if ctx.Err() != nil {
		return // the lease runs out and the job comes back
	}
	if err != nil && job.Attempt < httpRetries {
		next := job
		next.Attempt++
		if e := s.enqueueHTTP(ctx, &next, time.Now().Add(s.opts.RetryDelay)); e != nil {
			s.log.Error("sns: requeue delivery", "err", e)
			return
		}
	} else if err != nil {
		s.log.Warn("sns: delivery failed after retries", "subscription", job.Subscription, "err", err)
		s.deadLetterHTTP(ctx, &job)
	}
	j.Done()
}

// post sends one HTTP delivery as SNS does.
func (s *Service) post(ctx context.Context, job *httpJob) error {
	if job.Type == "Notification" {
		s.mu.RLock()
		sub := s.subs[job.Subscription]
		s.mu.RUnlock()
		if sub == nil {
			return nil // unsubscribed meanwhile
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.Endpoint, bytes.NewReader([]byte(job.Body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	req.Header.Set("x-amz-sns-message-type", job.Type)
	req.Header.Set("x-amz-sns-message-id", job.MessageID)
	req.Header.Set("x-amz-sns-topic-arn", job.TopicARN)
	if job.Type == "Notification" {
		req.Header.Set("x-amz-sns-subscription-arn", job.Subscription)
	}
	if job.Raw {
		req.Header.Set("x-amz-sns-rawdelivery", "true")
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return fmt.Errorf("endpoint answered %s", resp.Status)
	}
	return nil
}

func (s *Service) deadLetterHTTP(ctx context.Context, job *httpJob) {
	s.mu.RLock()
	sub := s.subs[job.Subscription]
	s.mu.RUnlock()
	if sub == nil || job.Type != "Notification" {
		return
	}
	var p struct{ DeadLetterTargetArn string }
	if json.Unmarshal([]byte(sub.Attrs["RedrivePolicy"]), &p) != nil || p.DeadLetterTargetArn == "" {
		return
	}
	if err := s.targets.Deliver(ctx, p.DeadLetterTargetArn, targets.Message{Body: []byte(job.Body), Source: s.source(job.TopicARN)}); err != nil {
		s.log.Warn("sns: dead-letter queue", "subscription", sub.ARN, "err", err)
	}
}

// Certificate is the PEM certificate that signs envelopes.
func (s *Service) Certificate() []byte { return s.signer.cert }

package sqs

import (
	"context"
	"maps"

	"github.com/nubo-dev/nubo/internal/awserr"
)

const maxTags = 50

func checkTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return awserr.New(ErrInvalidParameterValue, "Too many tags added for queue.")
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 {
			return awserr.New(ErrInvalidParameterValue, "Tag keys must be between 1 and 128 characters in length.")
		}
		if len(v) > 256 {
			return awserr.New(ErrInvalidParameterValue, "Tag values must be between 0 and 256 characters in length.")
		}
	}
	return nil
}

// TagQueue adds or replaces tags.
func (s *Service) TagQueue(ctx context.Context, ref Ref, tags map[string]string) error {
	if len(tags) == 0 {
		return awserr.New(ErrMissingParameter, "The request must contain the parameter Tags.")
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	if s.remote(ctx) {
		_, err := s.cl.tag.Do(ctx, &queueIn{Ref: ref, Tags: tags})
		return err
	}
	return s.changeTags(ctx, ref, func(t map[string]string) { maps.Copy(t, tags) })
}

// UntagQueue removes tags.
func (s *Service) UntagQueue(ctx context.Context, ref Ref, keys []string) error {
	if len(keys) == 0 {
		return awserr.New(ErrMissingParameter, "The request must contain the parameter TagKeys.")
	}
	if s.remote(ctx) {
		_, err := s.cl.tag.Do(ctx, &queueIn{Ref: ref, Keys: keys})
		return err
	}
	return s.changeTags(ctx, ref, func(t map[string]string) {
		for _, k := range keys {
			delete(t, k)
		}
	})
}

func (s *Service) changeTags(ctx context.Context, ref Ref, change func(map[string]string)) error {
	q, err := s.queue(ref)
	if err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	next := maps.Clone(q.tags)
	change(next)
	if len(next) > maxTags {
		return awserr.New(ErrInvalidParameterValue, "Too many tags added for queue %s.", q.name)
	}
	old := q.tags
	q.tags = next
	if err := s.saveLocked(ctx, q); err != nil {
		q.tags = old
		return err
	}
	return nil
}

// QueueTags returns a queue's tags.
func (s *Service) QueueTags(ref Ref) (map[string]string, error) {
	if s.cl != nil {
		out, err := s.cl.tags.Do(context.Background(), &queueIn{Ref: ref})
		if err != nil {
			return nil, err
		}
		return out.Attrs, nil
	}
	return s.queueTags(ref)
}

func (s *Service) queueTags(ref Ref) (map[string]string, error) {
	q, err := s.queue(ref)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return maps.Clone(q.tags), nil
}

package funcurl

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
)

func (s *Service) load(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*record, uint64, error) {
	e, err := s.kv.Get(ctx, urlKey(scope.Region, ref.Name, ref.Qualifier))
	if errors.Is(err, store.ErrNotFound) {
		if err := s.exists(ctx, scope, ref); err != nil {
			return nil, 0, err
		}
		return nil, 0, lambda.Errorf(lambda.ErrResourceNotFound, "The resource you requested does not exist.")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load function url: %w", err)
	}
	var rec record
	if err := json.Unmarshal(e.Value, &rec); err != nil {
		return nil, 0, fmt.Errorf("decode function url: %w", err)
	}
	return &rec, e.Revision, nil
}

func getJSON(ctx context.Context, kv store.KV, key string, v any) error {
	e, err := kv.Get(ctx, key)
	if err != nil {
		return err
	}
	return json.Unmarshal(e.Value, v)
}

// newID is a URL id as AWS makes them: 32 lower-case letters and digits.
func newID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// byIDCached finds a URL by id through the cache (nil when there is
// none; absences are not cached, so that made-up ids cost no memory).
func (s *Service) byIDCached(ctx context.Context, id string) (*record, error) {
	rec, err := s.byID.Get(id, func() (*record, error) {
		var r record
		if err := getJSON(ctx, s.kv, idKey(id), &r); err != nil {
			return nil, err
		}
		return &r, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return rec, err
}

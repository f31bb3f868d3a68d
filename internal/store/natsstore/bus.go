package natsstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/nubo-dev/nubo/internal/store"
)

// Bus carries requests between the nodes that share this NATS (see
// store.Bus). Its connection is its own, so that large answers (an
// invocation's payload) do not queue behind JetStream's traffic.
func (s *Store) Bus() (store.Bus, error) {
	nc, err := s.connect()
	if err != nil {
		return nil, err
	}
	return &bus{nc: nc, log: s.log}, nil
}

type bus struct {
	nc  *nats.Conn
	log *slog.Logger
}

func (b *bus) Serve(ctx context.Context, subject string, handle func(ctx context.Context, data []byte) []byte) (func(), error) {
	var mu sync.Mutex // orders Add with Wait
	var handlers sync.WaitGroup
	stopped := false
	sub, err := b.nc.Subscribe(subject, func(m *nats.Msg) {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		handlers.Add(1)
		go func() {
			defer handlers.Done()
			out := handle(ctx, m.Data)
			if m.Reply != "" {
				if err := m.Respond(out); err != nil && ctx.Err() == nil {
					b.log.Warn("store: answer a request", "subject", subject, "err", err)
				}
			}
		}()
	})
	if err != nil {
		return nil, fmt.Errorf("serve %s: %w", subject, err)
	}
	// The subscription must be known to the other servers before a
	// request is sent to it from elsewhere.
	if err := b.nc.FlushTimeout(10 * time.Second); err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("serve %s: %w", subject, err)
	}
	done := func() {
		<-ctx.Done()
		sub.Unsubscribe()
		mu.Lock()
		stopped = true
		mu.Unlock()
		handlers.Wait()
	}
	return done, nil
}

func (b *bus) Request(ctx context.Context, subject string, data []byte) ([]byte, error) {
	m, err := b.nc.RequestWithContext(ctx, subject, data)
	if errors.Is(err, nats.ErrNoResponders) {
		return nil, store.ErrNoResponders
	}
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", subject, unavailable(err))
	}
	return m.Data, nil
}

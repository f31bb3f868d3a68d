package server

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/nubo-dev/nubo/internal/services/dynamodb"
	"github.com/nubo-dev/nubo/internal/store/pebblestore"
)

// buildDynamoDB opens DynamoDB's Pebble store under <data-dir>/dynamodb
// and the service on it; the store is closed after the service's sweeper
// stopped.
func (s *Server) buildDynamoDB(ctx context.Context) error {
	db, err := pebblestore.Open(filepath.Join(s.cfg.DataDir, "dynamodb"), s.log)
	if err != nil {
		return fmt.Errorf("open dynamodb store: %w", err)
	}
	s.closers = append(s.closers, db.Close)
	s.dynamodb, err = dynamodb.New(ctx, db, dynamodb.Options{Logger: s.log})
	if err != nil {
		return err
	}
	s.runners = append(s.runners, s.dynamodb.Run)
	return nil
}

package dynamodb

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// A ClientRequestToken of TransactWriteItems (and ExecuteTransaction) is
// remembered for 10 minutes: a repeated request is answered without being
// applied again, a different request with the same token is refused. The
// token is stored in the batch that applies its transaction
// ('t' account 0 region 0 token -> expiry and request hash), so a restart
// or a crash cannot separate the two. While a request of a token is being
// applied, another one with the same token is told to wait
// (TransactionInProgressException).
const tokenLifetime = 10 * time.Minute

// tokens tracks the tokens whose transactions are being applied.
type tokens struct {
	mu       sync.Mutex
	inflight map[string]bool
}

func tokenKey(scope Scope, token string) []byte {
	k := []byte{prefixToken}
	k = append(k, scope.Account...)
	k = append(k, 0)
	k = append(k, scope.Region...)
	k = append(k, 0)
	return append(k, token...)
}

// claim is a transaction's token: done tells whether it was applied
// already (answer without applying it again); otherwise the caller applies
// it, adds record to the batch, and calls release.
type claim struct {
	key     []byte
	value   []byte
	release func()
}

// claimToken checks a token against what is stored and marks it in
// flight. A request is identified by the hash of req.
func (s *Service) claimToken(ctx context.Context, scope Scope, token string, req any) (c *claim, done bool, err error) {
	if token == "" {
		return &claim{release: func() {}}, false, nil
	}
	body, _ := json.Marshal(req)
	hash := sha256.Sum256(body)
	key := tokenKey(scope, token)
	id := string(key)
	s.tokens.mu.Lock()
	if s.tokens.inflight[id] {
		s.tokens.mu.Unlock()
		return nil, false, awserr.New(ErrTransactionInProgress, "Transaction is ongoing for the provided ClientRequestToken")
	}
	s.tokens.inflight[id] = true
	s.tokens.mu.Unlock()
	release := func() {
		s.tokens.mu.Lock()
		delete(s.tokens.inflight, id)
		s.tokens.mu.Unlock()
	}
	v, err := s.db.Get(ctx, key)
	switch {
	case err == nil && len(v) == 8+len(hash) && s.now().Before(time.UnixMilli(int64(binary.BigEndian.Uint64(v)))):
		release()
		if string(v[8:]) != string(hash[:]) {
			return nil, false, awserr.New(ErrIdempotentParameterMismatch, "Request parameters do not match the parameters of the original request made with the same ClientRequestToken")
		}
		return nil, true, nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		release()
		return nil, false, err
	}
	value := binary.BigEndian.AppendUint64(nil, uint64(s.now().Add(tokenLifetime).UnixMilli()))
	return &claim{key: key, value: append(value, hash[:]...), release: release}, false, nil
}

// record adds the token to the transaction's batch.
func (c *claim) record(w *write) {
	if c.key != nil {
		w.batch.Set(c.key, c.value)
	}
}

// expireTokens forgets tokens past their 10 minutes.
func (s *Service) expireTokens(ctx context.Context) error {
	now := s.now()
	w := newWrite()
	err := s.db.Scan(ctx, []byte{prefixToken}, []byte{prefixToken + 1}, false, func(k, v []byte) bool {
		if len(v) < 8 || !now.Before(time.UnixMilli(int64(binary.BigEndian.Uint64(v)))) {
			w.batch.Delete(append([]byte(nil), k...))
		}
		return true
	})
	if err != nil || w.batch.Len() == 0 {
		return err
	}
	return s.commit.Commit(ctx, w)
}

package dynamodb

import (
	"context"
	"errors"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/partiql"
)

// ExecuteTransaction runs up to 100 PartiQL statements as one transaction:
// all writes (applied all or nothing, as TransactWriteItems) or all
// SELECTs of single items (read from one snapshot, as TransactGetItems).
func (s *Service) ExecuteTransaction(ctx context.Context, scope Scope, in *ExecuteTransactionInput) (*ExecuteTransactionOutput, error) {
	if n := len(in.TransactStatements); n == 0 || n > 100 {
		return nil, validation("1 validation error detected: Value at 'transactStatements' failed to satisfy constraint: Member must have length less than or equal to 100, Member must have length greater than or equal to 1")
	}
	sts := make([]*partiql.Statement, len(in.TransactStatements))
	reads := 0
	for i, ps := range in.TransactStatements {
		st, err := parseStatement(ps.Statement, ps.Parameters)
		if err != nil {
			return nil, err
		}
		if err := checkOnFailure(ps.ReturnValuesOnConditionCheckFailure); err != nil {
			return nil, err
		}
		sts[i] = st
		if st.Kind == "SELECT" {
			reads++
		}
	}
	if reads > 0 && reads < len(sts) {
		return nil, validation("Transaction request cannot include both read and write statements")
	}
	held := &tableSet{s: s, scope: scope}
	defer held.release()
	if reads > 0 {
		return s.readTransaction(ctx, held, sts)
	}
	c, done, err := s.claimToken(ctx, scope, in.ClientRequestToken, in.TransactStatements)
	if err != nil || done {
		return &ExecuteTransactionOutput{}, err
	}
	defer c.release()
	actions := make([]*txAction, len(sts))
	seen := map[string]bool{}
	for i, st := range sts {
		t, err := held.use(st.Table)
		if err != nil {
			return nil, err
		}
		if actions[i], err = s.statementAction(t, st); err != nil {
			return nil, err
		}
		actions[i].a.ReturnValuesOnConditionCheckFailure = in.TransactStatements[i].ReturnValuesOnConditionCheckFailure
		if seen[string(actions[i].skey)] {
			return nil, validation("Transaction request cannot include multiple operations on one item")
		}
		seen[string(actions[i].skey)] = true
	}
	if err := s.commitActions(ctx, actions, c.record); err != nil {
		return nil, err
	}
	return &ExecuteTransactionOutput{}, nil
}

// readTransaction reads the single items SELECTs name from one snapshot.
func (s *Service) readTransaction(ctx context.Context, held *tableSet, sts []*partiql.Statement) (*ExecuteTransactionOutput, error) {
	keys := make([][]byte, len(sts))
	tables := make([]*table, len(sts))
	for i, st := range sts {
		t, err := held.use(st.Table)
		tables[i] = t
		if err != nil {
			return nil, err
		}
		key, err := statementKey(t, st)
		if err != nil || st.Index != "" {
			return nil, validation("Select statements within ExecuteTransaction must specify the primary key in the where clause.")
		}
		keys[i] = t.itemKey(key)
	}
	snap := s.db.Snapshot()
	defer snap.Close()
	out := &ExecuteTransactionOutput{Responses: make([]ItemResponse, len(sts))}
	for i, st := range sts {
		item, err := s.readItem(ctx, snap, keys[i])
		if err != nil {
			return nil, err
		}
		s.charge(tables[i], 2*readUnits(item, true), 0)
		if item != nil && (st.Where == nil || evalWhere(st, item)) {
			out.Responses[i].Item = (&request{proj: st.Project}).project(item)
		}
	}
	return out, nil
}

// BatchExecuteStatement runs up to 25 PartiQL statements, each on its
// own: all SELECTs of single items, or all writes. A statement that fails
// has an Error in its response; the others are applied.
func (s *Service) BatchExecuteStatement(ctx context.Context, scope Scope, in *BatchExecuteStatementInput) (*BatchExecuteStatementOutput, error) {
	if n := len(in.Statements); n == 0 || n > 25 {
		return nil, validation("1 validation error detected: Value at 'statements' failed to satisfy constraint: Member must have length less than or equal to 25, Member must have length greater than or equal to 1")
	}
	out := &BatchExecuteStatementOutput{Responses: make([]BatchStatementResponse, len(in.Statements))}
	reads, writes := 0, 0
	for i, req := range in.Statements {
		st, err := parseStatement(req.Statement, req.Parameters)
		if err != nil {
			out.Responses[i].Error = batchError(err)
			continue
		}
		out.Responses[i].TableName = st.Table
		if st.Kind == "SELECT" {
			reads++
			out.Responses[i].Item, err = s.getStatement(ctx, scope, st)
		} else {
			writes++
			_, err = s.writeStatement(ctx, scope, st, req.ReturnValuesOnConditionCheckFailure)
		}
		if err != nil {
			out.Responses[i].Error = batchError(err)
		}
		if reads > 0 && writes > 0 {
			return nil, validation("Read and write requests together in the same batch is not supported")
		}
	}
	return out, nil
}

// getStatement reads the single item a SELECT names by its key.
func (s *Service) getStatement(ctx context.Context, scope Scope, st *partiql.Statement) (Item, error) {
	t, err := s.use(scope, st.Table)
	if err != nil {
		return nil, err
	}
	defer t.release()
	key, err := statementKey(t, st)
	if err != nil || st.Index != "" {
		return nil, validation("Select statements within BatchExecuteStatement must specify the primary key in the where clause.")
	}
	item, err := s.readItem(ctx, s.db, t.itemKey(key))
	s.charge(t, readUnits(item, false), 0)
	if err != nil || item == nil || !evalWhere(st, item) {
		return nil, err
	}
	return (&request{proj: st.Project}).project(item), nil
}

// batchErrorCodes name a batch statement's failure by its error.
var batchErrorCodes = map[*awserr.Code]string{
	ErrConditionalCheckFailed: "ConditionalCheckFailed", ErrDuplicateItem: "DuplicateItem", ErrValidation: "ValidationError",
	ErrResourceNotFound: "ResourceNotFound", ErrTransactionConflict: "TransactionConflict", ErrItemCollectionSizeLimit: "ItemCollectionSizeLimitExceeded",
}

func batchError(err error) *BatchStatementError {
	var e *awserr.Error
	if !errors.As(err, &e) {
		return &BatchStatementError{Code: "InternalServerError", Message: "Internal server error"}
	}
	code := batchErrorCodes[e.Code]
	if code == "" {
		code = "InternalServerError"
	}
	out := &BatchStatementError{Code: code, Message: e.Message}
	if item, ok := e.Fields["Item"].(Item); ok {
		out.Item = item
	}
	return out
}

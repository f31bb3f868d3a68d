package dynamodb

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/expr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/partiql"
)

// PartiQL statements run on the same paths as the item operations: a
// SELECT is a Query when its WHERE clause fixes the partition key with =,
// else a Scan, with the whole WHERE clause as its filter; INSERT, UPDATE
// and DELETE are conditional writes of one item (and so are streamed like
// any write).

// parseStatement parses a statement with its parameters.
func parseStatement(src string, params []AttributeValue) (*partiql.Statement, error) {
	for _, v := range params {
		if m := v.Validate(); m != "" {
			return nil, invalid(m)
		}
	}
	st, err := partiql.Parse(src, params)
	var pe *partiql.Error
	if errors.As(err, &pe) {
		return nil, invalid(pe.Message)
	}
	return st, err
}

// StatementTarget is what a PartiQL statement does (SELECT, INSERT, UPDATE
// or DELETE) and to which table and index: the IAM action
// (dynamodb:PartiQLSelect, ...) and resource it is authorised with. ok is
// false for a statement that does not parse, which ExecuteStatement
// refuses.
func StatementTarget(statement string, params []AttributeValue) (kind, table, index string, ok bool) {
	st, err := partiql.Parse(statement, params)
	if err != nil {
		return "", "", "", false
	}
	return st.Kind, st.Table, st.Index, true
}

// ExecuteStatement runs one PartiQL statement.
func (s *Service) ExecuteStatement(ctx context.Context, scope Scope, in *ExecuteStatementInput) (*ExecuteStatementOutput, error) {
	st, err := parseStatement(in.Statement, in.Parameters)
	if err != nil {
		return nil, err
	}
	if st.Kind != "SELECT" {
		if in.NextToken != "" {
			return nil, validation("NextToken is only valid on a SELECT statement")
		}
		item, err := s.writeStatement(ctx, scope, st, in.ReturnValuesOnConditionCheckFailure)
		out := &ExecuteStatementOutput{Items: []Item{}}
		if item != nil {
			out.Items = append(out.Items, item)
		}
		return out, err
	}
	return s.selectStatement(ctx, scope, st, in)
}

// selectStatement runs a SELECT, one page at a time.
func (s *Service) selectStatement(ctx context.Context, scope Scope, st *partiql.Statement, in *ExecuteStatementInput) (*ExecuteStatementOutput, error) {
	t, err := s.use(scope, st.Table)
	if err != nil {
		return nil, err
	}
	defer t.release()
	ix, err := s.target(t, st.Index, in.ConsistentRead)
	if err != nil {
		return nil, err
	}
	limit, err := checkLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	r := &read{t: t, ix: ix, limit: limit, filter: st.Where, req: &request{proj: st.Project}}
	ks, no := t.key, uint16(0)
	if ix != nil {
		ks, no = ix.key, ix.meta.No
	}
	if pk, ok := keyEquality(st.Where, ks.hash); ok && pk.T == ks.hashType {
		r.lower = partitionPrefix(t.meta.ID, no, pk)
		r.upper = prefixEnd(r.lower)
	} else {
		r.lower, r.upper = segmentBounds(t.meta.ID, no, 0, 1)
	}
	if in.NextToken != "" {
		esk, err := decodeNextToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		if err := r.startAfter(esk); err != nil {
			return nil, err
		}
	}
	page, err := s.run(ctx, r)
	if err != nil {
		return nil, err
	}
	out := &ExecuteStatementOutput{Items: page.Items(), LastEvaluatedKey: page.LastEvaluatedKey,
		ConsumedCapacity: s.consumed(in.ReturnConsumedCapacity, t, scanUnits(r.size, in.ConsistentRead), false)}
	if page.LastEvaluatedKey != nil {
		out.NextToken = base64.StdEncoding.EncodeToString(attr.MarshalItemJSON(page.LastEvaluatedKey))
	}
	return out, nil
}

func decodeNextToken(token string) (Item, error) {
	raw, err := base64.StdEncoding.DecodeString(token)
	var esk Item
	if err != nil || json.Unmarshal(raw, &esk) != nil || len(esk) == 0 {
		return nil, validation("Invalid NextToken")
	}
	return esk, nil
}

// keyEquality finds name = value among the conditions cond ANDs.
func keyEquality(cond expr.Cond, name string) (attr.Value, bool) {
	switch c := cond.(type) {
	case *expr.And:
		if v, ok := keyEquality(c.L, name); ok {
			return v, true
		}
		return keyEquality(c.R, name)
	case *expr.Compare:
		if c.Op != "=" {
			return attr.Value{}, false
		}
		for _, pair := range [][2]expr.Operand{{c.L, c.R}, {c.R, c.L}} {
			p, pok := pair[0].(*expr.PathOperand)
			v, vok := pair[1].(*expr.ValueOperand)
			if pok && vok && len(p.Path) == 1 && p.Path[0].Name == name && !p.Path[0].IsIndex {
				return v.Value, true
			}
		}
	}
	return attr.Value{}, false
}

// statementKey is the primary key a statement's WHERE clause fixes.
func statementKey(t *table, st *partiql.Statement) (Item, error) {
	missing := validation("Where clause does not contain a mandatory equality on all key attributes")
	key := Item{}
	for _, name := range []string{t.key.hash, t.key.sort} {
		if name == "" {
			continue
		}
		v, ok := keyEquality(st.Where, name)
		if !ok {
			return nil, missing
		}
		key[name] = v
	}
	return key, t.checkKey(key)
}

// writeStatement runs an INSERT, UPDATE or DELETE; it returns the item
// RETURNING asks for.
func (s *Service) writeStatement(ctx context.Context, scope Scope, st *partiql.Statement, onFailure string) (Item, error) {
	if err := checkOnFailure(onFailure); err != nil {
		return nil, err
	}
	t, err := s.use(scope, st.Table)
	if err != nil {
		return nil, err
	}
	defer t.release()
	act, err := s.statementAction(t, st)
	if err != nil {
		return nil, err
	}
	old, new, err := s.mutate(ctx, t, act.key, func(old Item) (Item, bool, error) {
		if act.kind == "Delete" && old == nil {
			return nil, true, nil // deleting what is not there does nothing
		}
		if act.cond != nil && !expr.Eval(act.cond, old) {
			if act.duplicate {
				return nil, false, awserr.New(ErrDuplicateItem, "Duplicate primary key exists in table")
			}
			return nil, false, checkCondition(act.cond, old, onFailure)
		}
		new, err := act.newItem(old)
		return new, false, err
	})
	if err != nil {
		return nil, err
	}
	s.charge(t, 0, writeUnits(new, old))
	switch st.Returning {
	case "ALL OLD":
		return old, nil
	case "ALL NEW":
		return new, nil
	case "MODIFIED OLD":
		return updated(act.update, old), nil
	case "MODIFIED NEW":
		return updated(act.update, new), nil
	}
	return nil, nil
}

// statementAction is a write statement as a transaction's action: an
// INSERT is a Put if the key is not there, an UPDATE an Update of an item
// that is there and matches the WHERE clause, a DELETE a Delete of one that
// is not there or matches.
func (s *Service) statementAction(t *table, st *partiql.Statement) (*txAction, error) {
	act := &txAction{t: t, a: &TransactAction{TableName: t.meta.Name}}
	notThere := &expr.Func{Name: "attribute_not_exists", Args: []expr.Operand{&expr.PathOperand{Path: expr.Path{{Name: t.key.hash}}}}}
	switch st.Kind {
	case "INSERT":
		if err := t.checkItem(st.Item); err != nil {
			return nil, err
		}
		act.kind, act.a.Item, act.key, act.cond, act.duplicate = "Put", st.Item, t.primaryKey(st.Item), notThere, true
	case "UPDATE", "DELETE":
		key, err := statementKey(t, st)
		if err != nil {
			return nil, err
		}
		act.key, act.cond = key, st.Where
		if st.Kind == "UPDATE" {
			act.kind, act.update = "Update", exprUpdate{st.Update}
		} else {
			act.kind, act.cond = "Delete", &expr.Or{L: notThere, R: st.Where}
		}
	default:
		return nil, validation("Only INSERT, UPDATE and DELETE statements may change items")
	}
	act.skey = t.itemKey(act.key)
	return act, nil
}

// evalWhere tells whether item matches a statement's WHERE clause.
func evalWhere(st *partiql.Statement, item Item) bool {
	return st.Where == nil || expr.Eval(st.Where, item)
}

package dynamodb

import (
	"bytes"
	"context"

	"github.com/nubo-dev/nubo/internal/services/dynamodb/attr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/expr"
)

// pageBytes is how much data one Query or Scan page reads at most.
const pageBytes = 1 << 20

// read is one Query's or Scan's range and what to do with its items.
type read struct {
	t            *table
	ix           *index
	lower, upper []byte
	reverse      bool
	limit        int
	filter       expr.Cond
	req          *request
	count        bool
	consistent   bool
	// size is what run read, in bytes as items count; last is the last
	// item of a full page.
	size int
	last Item
}

// run reads the range and builds the page.
func (s *Service) run(ctx context.Context, r *read) (*QueryOutput, error) {
	out := &QueryOutput{count: r.count}
	var takeErr error
	err := s.db.Scan(ctx, r.lower, r.upper, r.reverse, func(k, v []byte) bool {
		full, err := r.take(out, v)
		takeErr = err
		return !full && err == nil
	})
	if err == nil {
		err = takeErr
	}
	if err != nil {
		return nil, err
	}
	if r.last != nil {
		out.LastEvaluatedKey = r.t.indexKey(r.ix, r.last)
	}
	return out, nil
}

// take adds a stored item v to the page, if it passes the filter, and
// tells whether the page is full. An item is decoded only when the
// request filters or projects, or it ends a full page (r.last).
func (r *read) take(out *QueryOutput, v []byte) (full bool, err error) {
	var item Item
	n := 0
	if r.filter != nil || r.req.proj != nil {
		if item, err = attr.UnmarshalItem(v); err != nil {
			return false, err
		}
		n = attr.ItemSize(item)
	} else if n, err = attr.StoredSize(v); err != nil {
		return false, err
	}
	out.ScannedCount++
	r.size += n
	if r.filter == nil || expr.Eval(r.filter, item) {
		out.Count++
		switch {
		case r.count:
		case r.req.proj != nil:
			err = out.add(r.req.project(item), nil)
		default:
			err = out.add(nil, v)
		}
	}
	if full = out.ScannedCount == r.limit || r.size >= pageBytes; full && err == nil {
		if r.last = item; item == nil {
			r.last, err = attr.UnmarshalItem(v)
		}
	}
	return full, err
}

// target resolves a Query's or Scan's table and index.
func (s *Service) target(t *table, indexName string, consistent bool) (*index, error) {
	if indexName == "" {
		return nil, nil
	}
	ix := t.index(indexName)
	if ix == nil {
		return nil, validation("The table does not have the specified index: %s", indexName)
	}
	if ix.meta.Global && consistent {
		return nil, validation("Consistent reads are not supported on global secondary indexes")
	}
	return ix, nil
}

// selection checks Select against the projection and index, and tells
// whether only a count is wanted.
func selection(sel string, ix *index, r *request, toGet []string) (bool, error) {
	switch sel {
	case "", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT":
	default:
		return false, validation("1 validation error detected: Value '%s' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]", sel)
	}
	if r.proj != nil && sel != "" && sel != "SPECIFIC_ATTRIBUTES" {
		if toGet != nil {
			return false, validation("Cannot specify the AttributesToGet when choosing to get %s", sel)
		}
		return false, validation("One or more parameter values were invalid: Select type %s is not supported when a ProjectionExpression is specified", sel)
	}
	if sel == "SPECIFIC_ATTRIBUTES" && r.proj == nil {
		return false, validation("One or more parameter values were invalid: Select type SPECIFIC_ATTRIBUTES requires a projection")
	}
	if sel == "ALL_PROJECTED_ATTRIBUTES" && ix == nil {
		return false, validation("One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is not supported when not querying an index")
	}
	if sel == "ALL_ATTRIBUTES" && ix != nil && ix.attrs != nil {
		return false, validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", ix.meta.Name)
	}
	return sel == "COUNT", nil
}

func checkLimit(limit *int) (int, error) {
	if limit == nil {
		return 0, nil
	}
	if *limit < 1 {
		return 0, validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *limit)
	}
	return *limit, nil
}

// startKey is the storage key of ExclusiveStartKey in the table or index.
func (t *table) startKey(ix *index, esk Item) ([]byte, error) {
	bad := validation("The provided starting key is invalid: The provided key element does not match the schema")
	if err := t.checkKey(t.primaryKey(esk)); err != nil {
		return nil, bad
	}
	if ix == nil {
		if len(esk) != len(t.primaryKey(esk)) {
			return nil, bad
		}
		return t.itemKey(esk), nil
	}
	k := t.entryKey(ix, esk)
	if k == nil {
		return nil, bad
	}
	return k, nil
}

// Query reads the items of one partition of a table or index, in sort key
// order, one page at a time.
func (s *Service) Query(ctx context.Context, scope Scope, in *QueryInput) (*QueryOutput, error) {
	t, err := s.use(scope, in.TableName)
	if err != nil {
		return nil, err
	}
	defer t.release()
	ix, err := s.target(t, in.IndexName, in.ConsistentRead)
	if err != nil {
		return nil, err
	}
	limit, err := checkLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	r := &read{t: t, ix: ix, limit: limit, reverse: in.ScanIndexForward != nil && !*in.ScanIndexForward}
	ks := t.key
	no := uint16(0)
	if ix != nil {
		ks, no = ix.key, ix.meta.No
	}
	kc, err := s.queryParams(in, r, ks)
	if err != nil {
		return nil, err
	}
	if kc.Value.T != ks.hashType {
		return nil, validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
	}
	prefix := partitionPrefix(t.meta.ID, no, kc.Value)
	if r.lower, r.upper, err = sortRange(prefix, kc, ks.sortType); err != nil {
		return nil, err
	}
	if in.ExclusiveStartKey != nil {
		if err := r.startAfter(in.ExclusiveStartKey); err != nil {
			return nil, err
		}
	}
	out, err := s.run(ctx, r)
	if err == nil {
		out.ConsumedCapacity = s.consumed(in.ReturnConsumedCapacity, t, scanUnits(r.size, in.ConsistentRead), false)
	}
	return out, err
}

// startAfter narrows r to the keys after ExclusiveStartKey.
func (r *read) startAfter(esk Item) error {
	k, err := r.t.startKey(r.ix, esk)
	if err != nil {
		return err
	}
	if r.reverse {
		if bytes.Compare(k, r.upper) < 0 {
			r.upper = k
		}
	} else if after := append(k, 0); bytes.Compare(after, r.lower) > 0 {
		r.lower = after
	}
	return nil
}

// queryParams parses a Query's key condition, filter and projection.
func (s *Service) queryParams(in *QueryInput, r *read, ks keySchema) (*expr.KeyCondition, error) {
	if in.KeyConditions != nil && in.KeyConditionExpression != "" {
		return nil, mixed("KeyConditions", "KeyConditionExpression")
	}
	if in.QueryFilter != nil && in.FilterExpression != "" {
		return nil, mixed("QueryFilter", "FilterExpression")
	}
	req, err := newRequest(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	if in.AttributesToGet != nil {
		if req, err = projectionOf(nil, in.ProjectionExpression, in.AttributesToGet); err != nil {
			return nil, err
		}
		req.ctx = expr.NewContext(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	}
	var kc *expr.KeyCondition
	switch {
	case in.KeyConditionExpression != "":
		if kc, err = expr.ParseKeyCondition(req.ctx, in.KeyConditionExpression, ks.hash, ks.sort); err != nil {
			return nil, asValidation(err)
		}
	case in.KeyConditions != nil:
		if kc, err = legacyKeyCondition(in.KeyConditions, ks); err != nil {
			return nil, err
		}
	default:
		return nil, validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	if err := req.parse(expr.KindFilter, in.FilterExpression, "", in.ProjectionExpression); err != nil {
		return nil, err
	}
	if err := req.finish(); err != nil {
		return nil, err
	}
	if in.QueryFilter != nil {
		if req.cond, err = legacyFilter(in.QueryFilter, in.ConditionalOperator); err != nil {
			return nil, err
		}
	}
	r.req, r.filter = req, req.cond
	r.count, err = selection(in.Select, r.ix, req, in.AttributesToGet)
	return kc, err
}

// legacyKeyCondition reads KeyConditions.
func legacyKeyCondition(conds map[string]Condition, ks keySchema) (*expr.KeyCondition, error) {
	kc := &expr.KeyCondition{Partition: ks.hash}
	ops := map[string]string{"EQ": "=", "LT": "<", "LE": "<=", "GT": ">", "GE": ">=", "BETWEEN": "BETWEEN", "BEGINS_WITH": "begins_with"}
	for name, c := range conds {
		op, ok := ops[c.ComparisonOperator]
		n := legacyOperands[c.ComparisonOperator]
		if !ok || len(c.AttributeValueList) != n {
			return nil, validation("One or more parameter values were invalid: Invalid number of argument(s) for the %s ComparisonOperator", c.ComparisonOperator)
		}
		switch {
		case name == ks.hash && op == "=":
			kc.Value = c.AttributeValueList[0]
		case name == ks.sort:
			kc.Sort, kc.Op, kc.Values = name, op, c.AttributeValueList
		default:
			return nil, validation("Query key condition not supported")
		}
	}
	if kc.Value.T == attr.Invalid {
		return nil, validation("Query condition missed key schema element: %s", ks.hash)
	}
	return kc, nil
}

// sortRange is the key range of a partition that a sort key condition
// selects.
func sortRange(prefix []byte, kc *expr.KeyCondition, sortType attr.Type) (lower, upper []byte, err error) {
	end := prefixEnd(prefix)
	if kc.Sort == "" {
		return prefix, end, nil
	}
	for _, v := range kc.Values {
		if v.T != sortType {
			return nil, nil, validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
		}
	}
	at := func(v attr.Value) []byte { return attr.AppendKey(append([]byte(nil), prefix...), v) }
	switch kc.Op {
	case "=":
		k := at(kc.Values[0])
		return k, prefixEnd(k), nil
	case "<":
		return prefix, at(kc.Values[0]), nil
	case "<=":
		return prefix, prefixEnd(at(kc.Values[0])), nil
	case ">":
		return prefixEnd(at(kc.Values[0])), end, nil
	case ">=":
		return at(kc.Values[0]), end, nil
	case "BETWEEN":
		if c, _ := attr.Compare(kc.Values[0], kc.Values[1]); c > 0 {
			return nil, nil, validation("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s:%s}, upper bound operand: AttributeValue: {%s:%s}", kc.Values[0].T, kc.Values[0].S, kc.Values[1].T, kc.Values[1].S)
		}
		return at(kc.Values[0]), prefixEnd(at(kc.Values[1])), nil
	case "begins_with":
		if sortType == attr.N {
			return nil, nil, validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
		}
		k := attr.AppendKeyPrefix(append([]byte(nil), prefix...), kc.Values[0])
		return k, prefixEnd(k), nil
	}
	return nil, nil, validation("Query key condition not supported")
}

// Scan reads every item of a table or index (or of one segment of it),
// one page at a time.
func (s *Service) Scan(ctx context.Context, scope Scope, in *ScanInput) (*ScanOutput, error) {
	t, err := s.use(scope, in.TableName)
	if err != nil {
		return nil, err
	}
	defer t.release()
	ix, err := s.target(t, in.IndexName, in.ConsistentRead)
	if err != nil {
		return nil, err
	}
	limit, err := checkLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	seg, total, err := segments(in.Segment, in.TotalSegments)
	if err != nil {
		return nil, err
	}
	r := &read{t: t, ix: ix, limit: limit}
	if err := s.scanParams(in, r); err != nil {
		return nil, err
	}
	no := uint16(0)
	if ix != nil {
		no = ix.meta.No
	}
	r.lower, r.upper = segmentBounds(t.meta.ID, no, seg, total)
	if in.ExclusiveStartKey != nil {
		if err := r.startAfter(in.ExclusiveStartKey); err != nil {
			return nil, err
		}
	}
	out, err := s.run(ctx, r)
	if err == nil {
		out.ConsumedCapacity = s.consumed(in.ReturnConsumedCapacity, t, scanUnits(r.size, in.ConsistentRead), false)
	}
	return out, err
}

func segments(seg, total *int) (int, int, error) {
	switch {
	case seg == nil && total == nil:
		return 0, 1, nil
	case total == nil:
		return 0, 0, validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	case seg == nil:
		return 0, 0, validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	case *total < 1 || *total > 1000000:
		return 0, 0, validation("1 validation error detected: Value '%d' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000", *total)
	case *seg < 0 || *seg >= *total:
		return 0, 0, validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", *seg, *total)
	}
	return *seg, *total, nil
}

func (s *Service) scanParams(in *ScanInput, r *read) error {
	if in.ScanFilter != nil && in.FilterExpression != "" {
		return mixed("ScanFilter", "FilterExpression")
	}
	var req *request
	var err error
	if in.AttributesToGet != nil {
		if req, err = projectionOf(nil, in.ProjectionExpression, in.AttributesToGet); err != nil {
			return err
		}
	} else if req, err = parseExpressions(in.ExpressionAttributeNames, in.ExpressionAttributeValues, expr.KindFilter, in.FilterExpression, "", in.ProjectionExpression); err != nil {
		return err
	}
	if in.ScanFilter != nil {
		if req.cond, err = legacyFilter(in.ScanFilter, in.ConditionalOperator); err != nil {
			return err
		}
	}
	r.req, r.filter = req, req.cond
	r.count, err = selection(in.Select, r.ix, req, in.AttributesToGet)
	return err
}

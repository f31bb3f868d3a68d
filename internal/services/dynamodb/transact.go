package dynamodb

import (
	"context"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/expr"
)

// TransactWriteItem is one action of TransactWriteItems.
type TransactWriteItem struct {
	ConditionCheck *TransactAction `json:"ConditionCheck,omitempty"`
	Put            *TransactAction `json:"Put,omitempty"`
	Delete         *TransactAction `json:"Delete,omitempty"`
	Update         *TransactAction `json:"Update,omitempty"`
}

// TransactAction is the content of a transaction's action (Item for Put,
// Key for the others, UpdateExpression for Update).
type TransactAction struct {
	TableName                           string                    `json:"TableName"`
	Key                                 Item                      `json:"Key,omitempty"`
	Item                                Item                      `json:"Item,omitempty"`
	UpdateExpression                    string                    `json:"UpdateExpression,omitempty"`
	ConditionExpression                 string                    `json:"ConditionExpression,omitempty"`
	ExpressionAttributeNames            map[string]string         `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues           map[string]AttributeValue `json:"ExpressionAttributeValues,omitempty"`
	ReturnValuesOnConditionCheckFailure string                    `json:"ReturnValuesOnConditionCheckFailure,omitempty"`
}

// TransactWriteItemsInput is TransactWriteItems' request.
type TransactWriteItemsInput struct {
	TransactItems               []TransactWriteItem `json:"TransactItems"`
	ReturnConsumedCapacity      string              `json:"ReturnConsumedCapacity,omitempty"`
	ReturnItemCollectionMetrics string              `json:"ReturnItemCollectionMetrics,omitempty"`
	ClientRequestToken          string              `json:"ClientRequestToken,omitempty"`
}

// TransactWriteItemsOutput is TransactWriteItems' response.
type TransactWriteItemsOutput struct {
	ConsumedCapacity []ConsumedCapacity `json:"ConsumedCapacity,omitempty"`
}

// CancellationReason is why one action of a cancelled transaction failed
// (Code "None" when it did not).
type CancellationReason struct {
	Item    Item   `json:"Item,omitempty"`
	Code    string `json:"Code"`
	Message string `json:"Message,omitempty"`
}

// txAction is a resolved action: its table, key and how it changes the
// item.
type txAction struct {
	t      *table
	kind   string
	a      *TransactAction
	key    Item
	skey   []byte
	cond   expr.Cond
	update updater
	// duplicate marks a PartiQL INSERT, whose failed condition is a
	// DuplicateItem.
	duplicate bool
}

// TransactWriteItems applies up to 100 actions on distinct items
// atomically: every condition holds and every change is stored in one
// batch, or nothing is and TransactionCanceledException lists a reason
// per action, in order.
func (s *Service) TransactWriteItems(ctx context.Context, scope Scope, in *TransactWriteItemsInput) (*TransactWriteItemsOutput, error) {
	if n := len(in.TransactItems); n == 0 || n > 100 {
		return nil, validation("1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	c, done, err := s.claimToken(ctx, scope, in.ClientRequestToken, in.TransactItems)
	if err != nil || done {
		return &TransactWriteItemsOutput{}, err
	}
	defer c.release()
	actions, release, err := s.resolveActions(scope, in.TransactItems)
	defer release()
	if err != nil {
		return nil, err
	}
	if err := s.commitActions(ctx, actions, c.record); err != nil {
		return nil, err
	}
	return &TransactWriteItemsOutput{}, nil
}

// resolveActions validates the actions, holding each table read-locked
// until release.
func (s *Service) resolveActions(scope Scope, items []TransactWriteItem) ([]*txAction, func(), error) {
	held := &tableSet{s: s, scope: scope}
	release := held.release
	seen := map[string]bool{}
	var actions []*txAction
	for _, it := range items {
		act, err := s.resolveAction(scope, it, held)
		if err != nil {
			return nil, release, err
		}
		id := string(act.skey)
		if seen[id] {
			return nil, release, validation("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		actions = append(actions, act)
	}
	return actions, release, nil
}

func (s *Service) resolveAction(scope Scope, it TransactWriteItem, held *tableSet) (*txAction, error) {
	act := &txAction{}
	n := 0
	for kind, a := range map[string]*TransactAction{"ConditionCheck": it.ConditionCheck, "Put": it.Put, "Delete": it.Delete, "Update": it.Update} {
		if a != nil {
			n++
			act.kind, act.a = kind, a
		}
	}
	if n != 1 {
		return nil, validation("TransactItems can only contain one of Check, Put, Update or Delete")
	}
	t, err := held.use(act.a.TableName)
	if err != nil {
		return nil, err
	}
	act.t = t
	if err := checkOnFailure(act.a.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	a := act.a
	switch act.kind {
	case "Put":
		if err := t.checkItem(a.Item); err != nil {
			return nil, err
		}
		act.key = t.primaryKey(a.Item)
	default:
		if err := t.checkKey(a.Key); err != nil {
			return nil, err
		}
		act.key = a.Key
	}
	if act.kind == "ConditionCheck" && a.ConditionExpression == "" {
		return nil, validation("The ConditionExpression parameter is required for ConditionCheck")
	}
	r, err := parseExpressions(a.ExpressionAttributeNames, a.ExpressionAttributeValues, expr.KindCondition, a.ConditionExpression, a.UpdateExpression, "")
	if err != nil {
		return nil, err
	}
	act.cond = r.cond
	if act.kind == "Update" {
		if r.update == nil {
			return nil, validation("The UpdateExpression parameter is required for Update")
		}
		act.update = exprUpdate{r.update}
	}
	act.skey = t.itemKey(act.key)
	return act, nil
}

// commitActions locks every item, checks every condition, and stores
// every change in one batch.
func (s *Service) commitActions(ctx context.Context, actions []*txAction, extra func(*write)) error {
	keys := make([][]byte, len(actions))
	for i, a := range actions {
		keys[i] = a.skey
	}
	unlock := s.locks.lock(keys...)
	defer unlock()
	reasons := make([]CancellationReason, len(actions))
	failed := false
	w := newWrite()
	units := make([]float64, len(actions))
	for i, a := range actions {
		old, err := s.readItem(ctx, s.db, a.skey)
		if err != nil {
			return err
		}
		units[i] = 2 * writeUnits(old, nil)
		reasons[i].Code = "None"
		if a.cond != nil && !expr.Eval(a.cond, old) {
			failed = true
			reasons[i] = CancellationReason{Code: "ConditionalCheckFailed", Message: "The conditional request failed"}
			if a.duplicate {
				reasons[i] = CancellationReason{Code: "DuplicateItem", Message: "Duplicate primary key exists in table"}
			}
			if a.a.ReturnValuesOnConditionCheckFailure == "ALL_OLD" {
				reasons[i].Item = old
			}
			continue
		}
		new, err := a.newItem(old)
		if err != nil {
			failed = true
			reasons[i] = CancellationReason{Code: "ValidationError", Message: errMessage(err)}
			continue
		}
		units[i] = 2 * writeUnits(new, old)
		if a.kind != "ConditionCheck" && !(old == nil && new == nil) {
			s.change(w, a.t, old, new, false)
		}
	}
	if failed {
		return cancelled(reasons)
	}
	extra(w)
	if err := s.commit.Commit(ctx, w); err != nil {
		return err
	}
	for i, a := range actions {
		s.charge(a.t, 0, units[i])
	}
	return nil
}

func (a *txAction) newItem(old Item) (Item, error) {
	switch a.kind {
	case "Put":
		return a.a.Item, nil
	case "Update":
		new, _, err := a.t.applyUpdate(a.update, old, a.key)
		return new, err
	case "Delete":
		return nil, nil
	}
	return old, nil
}

func errMessage(err error) string {
	if e, ok := err.(*awserr.Error); ok {
		return e.Message
	}
	return err.Error()
}

// cancelled is TransactionCanceledException with its reasons in order.
func cancelled(reasons []CancellationReason) error {
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = r.Code
	}
	return awserr.New(ErrTransactionCanceled, "Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", strings.Join(codes, ", ")).With("CancellationReasons", reasons)
}

// TransactGetItem is one Get of TransactGetItems.
type TransactGetItem struct {
	Get *struct {
		TableName                string            `json:"TableName"`
		Key                      Item              `json:"Key"`
		ProjectionExpression     string            `json:"ProjectionExpression,omitempty"`
		ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames,omitempty"`
	} `json:"Get"`
}

// TransactGetItemsInput is TransactGetItems' request.
type TransactGetItemsInput struct {
	TransactItems          []TransactGetItem `json:"TransactItems"`
	ReturnConsumedCapacity string            `json:"ReturnConsumedCapacity,omitempty"`
}

// ItemResponse is one item of TransactGetItems (Item nil when absent).
type ItemResponse struct {
	Item Item `json:"Item,omitempty"`
}

// TransactGetItemsOutput is TransactGetItems' response.
type TransactGetItemsOutput struct {
	Responses        []ItemResponse     `json:"Responses"`
	ConsumedCapacity []ConsumedCapacity `json:"ConsumedCapacity,omitempty"`
}

// TransactGetItems reads up to 100 items from one consistent snapshot.
func (s *Service) TransactGetItems(ctx context.Context, scope Scope, in *TransactGetItemsInput) (*TransactGetItemsOutput, error) {
	if n := len(in.TransactItems); n == 0 || n > 100 {
		return nil, validation("1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	type get struct {
		t   *table
		key []byte
		req *request
	}
	gets := make([]get, len(in.TransactItems))
	seen := map[string]bool{}
	held := &tableSet{s: s, scope: scope}
	defer held.release()
	for i, it := range in.TransactItems {
		if it.Get == nil {
			return nil, validation("1 validation error detected: Value null at 'transactItems.%d.member.get' failed to satisfy constraint: Member must not be null", i+1)
		}
		t, err := held.use(it.Get.TableName)
		if err != nil {
			return nil, err
		}
		if err := t.checkKey(it.Get.Key); err != nil {
			return nil, err
		}
		r, err := projectionOf(it.Get.ExpressionAttributeNames, it.Get.ProjectionExpression, nil)
		if err != nil {
			return nil, err
		}
		gets[i] = get{t, t.itemKey(it.Get.Key), r}
		if seen[string(gets[i].key)] {
			return nil, validation("Transaction request cannot include multiple operations on one item")
		}
		seen[string(gets[i].key)] = true
	}
	snap := s.db.Snapshot()
	defer snap.Close()
	out := &TransactGetItemsOutput{Responses: make([]ItemResponse, len(gets))}
	for i, g := range gets {
		item, err := s.readItem(ctx, snap, g.key)
		if err != nil {
			return nil, err
		}
		s.charge(g.t, 2*readUnits(item, true), 0)
		out.Responses[i].Item = g.req.project(item)
	}
	return out, nil
}

// tableSet holds the tables of a multi-table request read-locked, each
// once (a second read lock of one table could wait behind a writer that
// waits for the first).
type tableSet struct {
	s      *Service
	scope  Scope
	tables map[string]*table
}

func (h *tableSet) use(name string) (*table, error) {
	if t := h.tables[name]; t != nil {
		return t, nil
	}
	t, err := h.s.use(h.scope, name)
	if err != nil {
		return nil, err
	}
	if h.tables == nil {
		h.tables = map[string]*table{}
	}
	h.tables[name] = t
	return t, nil
}

func (h *tableSet) release() {
	for _, t := range h.tables {
		t.release()
	}
}

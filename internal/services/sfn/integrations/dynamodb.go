package integrations

import (
	"context"
	"encoding/json"

	"github.com/nubo-dev/nubo/internal/services/dynamodb"
)

// Tables reads and writes DynamoDB items (dynamodb.Service).
type Tables interface {
	GetItem(ctx context.Context, scope dynamodb.Scope, in *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, scope dynamodb.Scope, in *dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, scope dynamodb.Scope, in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, scope dynamodb.Scope, in *dynamodb.DeleteItemInput) (*dynamodb.DeleteItemOutput, error)
}

// item runs one of the DynamoDB item operations: its parameters are the
// API's request, its result the API's response.
func item[In, Out any](s *Services, ctx context.Context, t *task, action string, table func(*In) string,
	op func(Tables, context.Context, dynamodb.Scope, *In) (*Out, error)) (json.RawMessage, error) {
	if s.Tables == nil {
		return nil, missing("DynamoDB")
	}
	id := newRequestID()
	in := new(In)
	if err := params(t, in); err != nil {
		return nil, err
	}
	if err := s.allow(ctx, t, dynamoService, id, action, tableARN(t, table(in))); err != nil {
		return nil, err
	}
	out, err := op(s.Tables, ctx, dynamodb.Scope{Account: t.Account, Region: t.Region}, in)
	if err != nil {
		return nil, dynamoService.failure(t, id, err)
	}
	return result(t, id, response{out: out, contentType: "application/x-amz-json-1.0"})
}

func (s *Services) getItem(ctx context.Context, t *task) (json.RawMessage, error) {
	return item(s, ctx, t, "dynamodb:GetItem", func(in *dynamodb.GetItemInput) string { return in.TableName }, Tables.GetItem)
}

func (s *Services) putItem(ctx context.Context, t *task) (json.RawMessage, error) {
	return item(s, ctx, t, "dynamodb:PutItem", func(in *dynamodb.PutItemInput) string { return in.TableName }, Tables.PutItem)
}

func (s *Services) updateItem(ctx context.Context, t *task) (json.RawMessage, error) {
	return item(s, ctx, t, "dynamodb:UpdateItem", func(in *dynamodb.UpdateItemInput) string { return in.TableName }, Tables.UpdateItem)
}

func (s *Services) deleteItem(ctx context.Context, t *task) (json.RawMessage, error) {
	return item(s, ctx, t, "dynamodb:DeleteItem", func(in *dynamodb.DeleteItemInput) string { return in.TableName }, Tables.DeleteItem)
}

package dynamodbapi

import (
	"context"
	"reflect"
	"slices"

	"github.com/nubo-dev/nubo/internal/services/dynamodb"
	"github.com/nubo-dev/nubo/internal/wire"
)

// What each operation needs of its caller, in the names of AWS's Service
// Authorization Reference: an operation on a table is authorised on the
// table's ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME, and
// .../index/INDEX for a Query or Scan of an index), the Streams operations
// on the stream's ARN. Batches authorise their own action on every table
// they name; transactions and PartiQL authorise each item's action
// (dynamodb:PutItem, dynamodb:ConditionCheckItem, dynamodb:PartiQLSelect,
// ...) on its table, as DynamoDB does.

// tableARN is the ARN of the table name names in the caller's account ("" for
// no name).
func (h handler) tableARN(ctx context.Context, name string) string {
	if name == "" {
		return ""
	}
	acct := wire.CallOf(ctx).Account
	if acct == "" {
		acct = h.account
	}
	return "arn:aws:dynamodb:" + wire.Region(ctx) + ":" + acct + ":table/" + name
}

// indexARN is a table's ARN, or its index's when index is set.
func (h handler) indexARN(ctx context.Context, table, index string) string {
	arn := h.tableARN(ctx, table)
	if arn != "" && index != "" {
		arn += "/index/" + index
	}
	return arn
}

// tableOp declares a domain method on the table its input's TableName (and
// index its IndexName, when the input has one) names.
func tableOp[In, Out any](h handler, name string, fn func(*dynamodb.Service, context.Context, dynamodb.Scope, *In) (*Out, error)) wire.Op {
	t := reflect.TypeFor[In]()
	table, ok := t.FieldByName("TableName")
	if !ok {
		panic("dynamodbapi: " + name + "'s input has no TableName")
	}
	index, hasIndex := t.FieldByName("IndexName")
	return wire.ResourceFrom(op(h, name, fn), func(ctx context.Context, in *In) string {
		v := reflect.ValueOf(in).Elem()
		idx := ""
		if hasIndex {
			idx = v.FieldByIndex(index.Index).String()
		}
		return h.indexARN(ctx, v.FieldByIndex(table.Index).String(), idx)
	})
}

// onTables is one access of action on each table, in order of name.
func (h handler) onTables(ctx context.Context, action string, tables []string) []wire.Access {
	slices.Sort(tables)
	out := make([]wire.Access, 0, len(tables))
	for _, t := range slices.Compact(tables) {
		out = append(out, wire.Access{Action: action, Resource: h.tableARN(ctx, t)})
	}
	return out
}

func (h handler) batchGetAccess(ctx context.Context, in *dynamodb.BatchGetItemInput) []wire.Access {
	var tables []string
	for t := range in.RequestItems {
		tables = append(tables, t)
	}
	return h.onTables(ctx, "", tables)
}

func (h handler) batchWriteAccess(ctx context.Context, in *dynamodb.BatchWriteItemInput) []wire.Access {
	var tables []string
	for t := range in.RequestItems {
		tables = append(tables, t)
	}
	return h.onTables(ctx, "", tables)
}

func (h handler) transactGetAccess(ctx context.Context, in *dynamodb.TransactGetItemsInput) []wire.Access {
	var out []wire.Access
	for _, it := range in.TransactItems {
		if it.Get != nil {
			out = append(out, wire.Access{Action: "dynamodb:GetItem", Resource: h.tableARN(ctx, it.Get.TableName)})
		}
	}
	return out
}

func (h handler) transactWriteAccess(ctx context.Context, in *dynamodb.TransactWriteItemsInput) []wire.Access {
	var out []wire.Access
	for _, it := range in.TransactItems {
		for _, a := range []struct {
			action string
			do     *dynamodb.TransactAction
		}{{"dynamodb:ConditionCheckItem", it.ConditionCheck}, {"dynamodb:PutItem", it.Put},
			{"dynamodb:DeleteItem", it.Delete}, {"dynamodb:UpdateItem", it.Update}} {
			if a.do != nil {
				out = append(out, wire.Access{Action: a.action, Resource: h.tableARN(ctx, a.do.TableName)})
			}
		}
	}
	return out
}

// partiQLActions are the IAM actions of PartiQL statements, by kind.
var partiQLActions = map[string]string{"SELECT": "dynamodb:PartiQLSelect", "INSERT": "dynamodb:PartiQLInsert",
	"UPDATE": "dynamodb:PartiQLUpdate", "DELETE": "dynamodb:PartiQLDelete"}

// statementAccess is what a PartiQL statement needs: its kind's action on
// its table or index (on "*" for a statement that does not parse).
func (h handler) statementAccess(ctx context.Context, statement string, params []dynamodb.AttributeValue) wire.Access {
	kind, table, index, ok := dynamodb.StatementTarget(statement, params)
	if !ok {
		return wire.Access{}
	}
	return wire.Access{Action: partiQLActions[kind], Resource: h.indexARN(ctx, table, index)}
}

func (h handler) executeAccess(ctx context.Context, in *dynamodb.ExecuteStatementInput) []wire.Access {
	return []wire.Access{h.statementAccess(ctx, in.Statement, in.Parameters)}
}

func (h handler) batchExecuteAccess(ctx context.Context, in *dynamodb.BatchExecuteStatementInput) []wire.Access {
	var out []wire.Access
	for _, st := range in.Statements {
		out = append(out, h.statementAccess(ctx, st.Statement, st.Parameters))
	}
	return out
}

func (h handler) transactionAccess(ctx context.Context, in *dynamodb.ExecuteTransactionInput) []wire.Access {
	var out []wire.Access
	for _, st := range in.TransactStatements {
		out = append(out, h.statementAccess(ctx, st.Statement, st.Parameters))
	}
	return out
}

func tagged(ctx context.Context, in *dynamodb.TagResourceInput) string { return in.ResourceArn }

func untagged(ctx context.Context, in *dynamodb.UntagResourceInput) string { return in.ResourceArn }

func tagsOf(ctx context.Context, in *dynamodb.ListTagsOfResourceInput) string { return in.ResourceArn }

func streamOf(ctx context.Context, in *dynamodb.DescribeStreamInput) string { return in.StreamArn }

func iteratorOf(ctx context.Context, in *dynamodb.GetShardIteratorInput) string { return in.StreamArn }

func recordsOf(ctx context.Context, in *dynamodb.GetRecordsInput) string {
	return dynamodb.IteratorStream(in.ShardIterator)
}

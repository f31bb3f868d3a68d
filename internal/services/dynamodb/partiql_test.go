package dynamodb

import (
	"context"
	"fmt"
	"testing"
)

func stmt(t *testing.T, s *Service, src string, params ...AttributeValue) (*ExecuteStatementOutput, error) {
	t.Helper()
	return s.ExecuteStatement(context.Background(), scope, &ExecuteStatementInput{Statement: src, Parameters: params})
}

func TestPartiQL(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	createTable(t, s, "tab1")
	for i := 1; i <= 5; i++ {
		must(stmt(t, s, fmt.Sprintf(`INSERT INTO "tab1" VALUE {'pk': 'a', 'sk': %d, 'g': ?, 'n': %d}`, i, i*10), js[AttributeValue](t, `{"S": "x"}`)))
	}
	_, err := stmt(t, s, `INSERT INTO "tab1" VALUE {'pk': 'a', 'sk': 1}`)
	wantErr(t, err, ErrDuplicateItem, "Duplicate primary key exists in table")
	// A SELECT on the partition key is a query, paged by Limit.
	var got []string
	in := &ExecuteStatementInput{Statement: `SELECT sk, n FROM "tab1" WHERE pk = ? AND n >= 20`, Parameters: []AttributeValue{js[AttributeValue](t, `{"S": "a"}`)}, Limit: ptr(2)}
	for {
		out := must(s.ExecuteStatement(ctx, scope, in))
		for _, it := range out.Items {
			got = append(got, it["sk"].S+"/"+it["n"].S)
			if len(it) != 2 {
				t.Errorf("projected item %v", it)
			}
		}
		if out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	if fmt.Sprint(got) != "[2/20 3/30 4/40 5/50]" {
		t.Errorf("SELECT pages = %v", got)
	}
	// Without the partition key, a scan; on the index too.
	if out := must(stmt(t, s, `SELECT * FROM "tab1" WHERE n BETWEEN 15 AND 35`)); len(out.Items) != 2 {
		t.Errorf("scan SELECT = %v", out.Items)
	}
	if out := must(stmt(t, s, `SELECT * FROM "tab1"."byG" WHERE g = 'x'`)); len(out.Items) != 5 {
		t.Errorf("index SELECT = %v", out.Items)
	}
	// UPDATE of an existing item, with RETURNING; of a missing one fails.
	out := must(stmt(t, s, `UPDATE "tab1" SET n = n + 1 SET tags = <<'t'>> REMOVE g WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *`))
	if len(out.Items) != 1 || out.Items[0]["n"].S != "11" || out.Items[0]["g"].T != 0 {
		t.Errorf("UPDATE RETURNING = %v", out.Items)
	}
	_, err = stmt(t, s, `UPDATE "tab1" SET n = 1 WHERE pk = 'a' AND sk = 99`)
	wantErr(t, err, ErrConditionalCheckFailed, "The conditional request failed")
	_, err = stmt(t, s, `UPDATE "tab1" SET n = 1 WHERE pk = 'a'`)
	wantErr(t, err, ErrValidation, "Where clause does not contain a mandatory equality on all key attributes")
	_, err = stmt(t, s, `UPDATE "tab1" SET n = 1 WHERE pk = 'a' AND sk = 2 AND n = 0`)
	wantErr(t, err, ErrConditionalCheckFailed, "The conditional request failed")
	// DELETE: a missing item is no error; a failed condition is.
	must(stmt(t, s, `DELETE FROM "tab1" WHERE pk = 'a' AND sk = 99`))
	out = must(stmt(t, s, `DELETE FROM "tab1" WHERE pk = 'a' AND sk = 5 RETURNING ALL OLD *`))
	if len(out.Items) != 1 || out.Items[0]["n"].S != "50" {
		t.Errorf("DELETE RETURNING = %v", out.Items)
	}
	// A transaction is all or nothing, with reasons in order.
	_, err = s.ExecuteTransaction(ctx, scope, &ExecuteTransactionInput{TransactStatements: []ParameterizedStatement{
		{Statement: `INSERT INTO "tab1" VALUE {'pk': 'b', 'sk': 1}`},
		{Statement: `INSERT INTO "tab1" VALUE {'pk': 'a', 'sk': 2}`},
		{Statement: `UPDATE "tab1" SET n = 0 WHERE pk = 'a' AND sk = 3`},
	}})
	wantErr(t, err, ErrTransactionCanceled, "Transaction cancelled, please refer cancellation reasons for specific reasons [None, DuplicateItem, None]")
	if o := must(stmt(t, s, `SELECT * FROM "tab1" WHERE pk = 'b'`)); len(o.Items) != 0 {
		t.Error("a cancelled transaction wrote")
	}
	must(s.ExecuteTransaction(ctx, scope, &ExecuteTransactionInput{TransactStatements: []ParameterizedStatement{
		{Statement: `INSERT INTO "tab1" VALUE {'pk': 'b', 'sk': 1}`},
		{Statement: `DELETE FROM "tab1" WHERE pk = 'a' AND sk = 4`},
	}}))
	tx := must(s.ExecuteTransaction(ctx, scope, &ExecuteTransactionInput{TransactStatements: []ParameterizedStatement{
		{Statement: `SELECT * FROM "tab1" WHERE pk = 'b' AND sk = 1`}, {Statement: `SELECT * FROM "tab1" WHERE pk = 'a' AND sk = 4`},
	}}))
	if tx.Responses[0].Item == nil || tx.Responses[1].Item != nil {
		t.Errorf("read transaction = %+v", tx.Responses)
	}
	// A batch: each statement on its own.
	b := must(s.BatchExecuteStatement(ctx, scope, &BatchExecuteStatementInput{Statements: []BatchStatementRequest{
		{Statement: `INSERT INTO "tab1" VALUE {'pk': 'c', 'sk': 1}`},
		{Statement: `INSERT INTO "tab1" VALUE {'pk': 'b', 'sk': 1}`},
		{Statement: `UPDATE "tab1" SET x = 1 WHERE pk = 'zz' AND sk = 1`},
	}}))
	if b.Responses[0].Error != nil || b.Responses[1].Error.Code != "DuplicateItem" || b.Responses[2].Error.Code != "ConditionalCheckFailed" {
		t.Errorf("batch = %+v %+v %+v", b.Responses[0], b.Responses[1].Error, b.Responses[2].Error)
	}
	// Deletions and updates by PartiQL are streamed: 5 inserts, an update,
	// a delete, an insert and a delete, an insert.
	arn := must(s.DescribeTable(ctx, scope, &DescribeTableInput{TableName: "tab1"})).Table.LatestStreamArn
	shard := must(s.DescribeStream(ctx, scope, &DescribeStreamInput{StreamArn: arn})).StreamDescription.Shards[0].ShardId
	it := must(s.GetShardIterator(ctx, scope, &GetShardIteratorInput{StreamArn: arn, ShardId: shard, ShardIteratorType: "TRIM_HORIZON"}))
	recs := must(s.GetRecords(ctx, scope, &GetRecordsInput{ShardIterator: it.ShardIterator})).Records
	var names []string
	for _, r := range recs {
		names = append(names, r.EventName)
	}
	if fmt.Sprint(names) != "[INSERT INSERT INSERT INSERT INSERT MODIFY REMOVE INSERT REMOVE INSERT]" {
		t.Errorf("stream = %v", names)
	}
	_, err = stmt(t, s, `SELEC * FROM "tab1"`)
	wantErr(t, err, ErrValidation, "Statement wasn't well formed, can't be processed: Expected data manipulation")
}

package integrations

import (
	"context"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/dynamodb"
	"github.com/nubo-dev/nubo/internal/store/pebblestore"
)

// The DynamoDB tasks run on nubo's DynamoDB.
func TestDynamoDB(t *testing.T) {
	ctx := context.Background()
	db, err := pebblestore.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tables, err := dynamodb.New(ctx, db, dynamodb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	scope := dynamodb.Scope{Account: account, Region: region}
	if _, err := tables.CreateTable(ctx, scope, &dynamodb.CreateTableInput{TableName: "orders", BillingMode: "PAY_PER_REQUEST",
		AttributeDefinitions: []dynamodb.AttributeDefinition{{AttributeName: "id", AttributeType: "S"}},
		KeySchema:            []dynamodb.KeySchemaElement{{AttributeName: "id", KeyType: "HASH"}}}); err != nil {
		t.Fatal(err)
	}
	s := &Services{Tables: tables}
	run := func(res, input string) (string, error) {
		out, err := s.Invoke(ctx, req(res, input))
		return string(out), err
	}
	if _, err := run("arn:aws:states:::dynamodb:putItem", `{"TableName":"orders","Item":{"id":{"S":"1"},"n":{"N":"5"}}}`); err != nil {
		t.Fatal(err)
	}
	out, err := run("arn:aws:states:::dynamodb:updateItem", `{"TableName":"orders","Key":{"id":{"S":"1"}},"UpdateExpression":"SET n = n + :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"UPDATED_NEW"}`)
	if err != nil || object(t, []byte(out))["SdkHttpMetadata"] == nil {
		t.Fatalf("updateItem: %s %v", out, err)
	}
	out, err = run("arn:aws:states:::aws-sdk:dynamodb:getItem", `{"TableName":"orders","Key":{"id":{"S":"1"}}}`)
	if err != nil || out != `{"Item":{"id":{"S":"1"},"n":{"N":"6"}}}` {
		t.Errorf("getItem: %s %v", out, err)
	}
	_, err = run("arn:aws:states:::dynamodb:putItem", `{"TableName":"orders","Item":{"id":{"S":"1"}},"ConditionExpression":"attribute_not_exists(id)"}`)
	failed(t, err, "DynamoDB.ConditionalCheckFailedException", `^The conditional request failed \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException;`)
	_, err = run("arn:aws:states:::dynamodb:deleteItem", `{"TableName":"missing","Key":{"id":{"S":"1"}}}`)
	failed(t, err, "DynamoDB.ResourceNotFoundException", `^Requested resource not found \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: [0-9a-f-]{36}; Proxy: null\)$`)
	_, err = run("arn:aws:states:::dynamodb:putItem", `{"TableName":"orders"}`)
	failed(t, err, "DynamoDB.AmazonDynamoDBException", `Error Code: ValidationException`)
	_, err = run("arn:aws:states:::aws-sdk:dynamodb:putItem", `{"TableName":"orders"}`)
	failed(t, err, "DynamoDb.DynamoDbException", `\(Service: DynamoDb, Status Code: 400, Request ID: `)
	if _, err := run("arn:aws:states:::dynamodb:deleteItem", `{"TableName":"orders","Key":{"id":{"S":"1"}}}`); err != nil {
		t.Fatal(err)
	}
}

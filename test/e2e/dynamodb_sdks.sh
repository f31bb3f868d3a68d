#!/usr/bin/env bash
# End-to-end test of DynamoDB with Python boto3 (Debian's python3-boto3:
# the client, the resource API and boto3.dynamodb.conditions) and the
# JavaScript SDK v3 with @aws-sdk/lib-dynamodb's document client (installed
# with npm into a cached folder when missing; NUBO_NPM_CACHE moves it).
# Both verify every response's x-amz-crc32. Exits non-zero at the first
# failure and always stops its server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"

$PY -c 'import boto3' 2>/dev/null || fail "boto3 is missing for $PY; install Debian's python3-boto3 (scripts/test does)"
command -v npm >/dev/null || fail "npm is missing; install Debian's npm (scripts/test does)"

JS=${NUBO_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nubo}/js-sdk-dynamodb
if [[ ! -d "$JS/node_modules/@aws-sdk/lib-dynamodb" ]]; then
	step "install the JavaScript SDK into $JS"
	mkdir -p "$JS"
	npm install --prefix "$JS" --no-audit --no-fund @aws-sdk/client-dynamodb@3 @aws-sdk/lib-dynamodb@3 >/dev/null
fi

build_nubo "$WORK/nubo"
start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data"

step "boto3: client, resource and conditions"
ENDPOINT=$ENDPOINT $PY - <<'PYEOF'
import os, sys
from decimal import Decimal
import boto3, botocore
from boto3.dynamodb.conditions import Key, Attr

session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
ddb = session.resource("dynamodb", endpoint_url=os.environ["ENDPOINT"])
client = ddb.meta.client
print("boto3", boto3.__version__, "botocore", botocore.__version__)

def check(name, got, want):
    if got != want:
        print(f"FAIL: {name}: got {got!r}, want {want!r}")
        sys.exit(1)
    print(f"   ok: {name} = {got!r}")

table = ddb.create_table(TableName="people", BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": "team", "AttributeType": "S"}, {"AttributeName": "name", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "team", "KeyType": "HASH"}, {"AttributeName": "name", "KeyType": "RANGE"}])
table.wait_until_exists()
table.reload()
check("table status", table.table_status, "ACTIVE")
with table.batch_writer() as batch:
    for i in range(30):
        batch.put_item(Item={"team": "a" if i % 2 else "b", "name": f"n{i:02}", "age": Decimal(20 + i), "tags": {"x", f"t{i}"}, "meta": {"score": Decimal("1.5")}})
got = table.get_item(Key={"team": "a", "name": "n01"})["Item"]
check("get_item", (got["age"], got["meta"]["score"], "x" in got["tags"]), (Decimal(21), Decimal("1.5"), True))
q = table.query(KeyConditionExpression=Key("team").eq("a") & Key("name").between("n05", "n15"), FilterExpression=Attr("age").gt(26))
check("query with conditions", [i["name"] for i in q["Items"]], ["n07", "n09", "n11", "n13", "n15"])
pages = list(client.get_paginator("scan").paginate(TableName="people", PaginationConfig={"PageSize": 7}))
check("paged scan", sum(p["Count"] for p in pages), 30)
table.update_item(Key={"team": "a", "name": "n01"}, UpdateExpression="SET age = age + :d REMOVE meta", ExpressionAttributeValues={":d": 1})
try:
    table.put_item(Item={"team": "a", "name": "n01"}, ConditionExpression=Attr("name").not_exists())
    check("conditional put", "succeeded", "ConditionalCheckFailedException")
except client.exceptions.ConditionalCheckFailedException as e:
    check("conditional put", e.response["Error"]["Code"], "ConditionalCheckFailedException")
try:
    # The resource's client takes and returns plain Python values.
    client.transact_write_items(TransactItems=[{"ConditionCheck": {"TableName": "people", "Key": {"team": "a", "name": "n01"}, "ConditionExpression": "age = :x", "ExpressionAttributeValues": {":x": 0}}}])
    check("transaction", "succeeded", "cancelled")
except client.exceptions.TransactionCanceledException as e:
    check("cancellation reasons", [r["Code"] for r in e.response["CancellationReasons"]], ["ConditionalCheckFailed"])
out = client.execute_statement(Statement='SELECT name FROM "people" WHERE team = ? AND age >= ?', Parameters=["b", 46])
check("PartiQL", sorted(i["name"] for i in out["Items"]), ["n26", "n28"])
table.delete()
table.wait_until_not_exists()
print("boto3: all passed")
PYEOF

step "JavaScript SDK v3 and the document client"
ENDPOINT=$ENDPOINT NODE_PATH="$JS/node_modules" node - <<'JSEOF'
const { DynamoDBClient, CreateTableCommand, waitUntilTableExists } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand, QueryCommand, BatchWriteCommand, TransactWriteCommand, ExecuteStatementCommand, paginateScan } = require("@aws-sdk/lib-dynamodb");

function check(name, got, want) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g !== w) { console.log(`FAIL: ${name}: got ${g}, want ${w}`); process.exit(1); }
  console.log(`   ok: ${name} = ${g}`);
}

(async () => {
  const client = new DynamoDBClient({ region: "us-east-1", endpoint: process.env.ENDPOINT, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  await client.send(new CreateTableCommand({ TableName: "carts", BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: "user", AttributeType: "S" }, { AttributeName: "sku", AttributeType: "N" }],
    KeySchema: [{ AttributeName: "user", KeyType: "HASH" }, { AttributeName: "sku", KeyType: "RANGE" }] }));
  await waitUntilTableExists({ client, minDelay: 1, maxWaitTime: 30 }, { TableName: "carts" });
  await doc.send(new PutCommand({ TableName: "carts", Item: { user: "u1", sku: 1, qty: 2, tags: new Set(["gift"]), info: { color: "red", sizes: [1, 2] } } }));
  const got = await doc.send(new GetCommand({ TableName: "carts", Key: { user: "u1", sku: 1 } }));
  check("get", [got.Item.qty, [...got.Item.tags], got.Item.info.sizes], [2, ["gift"], [1, 2]]);
  await doc.send(new BatchWriteCommand({ RequestItems: { carts: [2, 3, 4].map((i) => ({ PutRequest: { Item: { user: "u1", sku: i, qty: i } } })) } }));
  const upd = await doc.send(new UpdateCommand({ TableName: "carts", Key: { user: "u1", sku: 1 }, UpdateExpression: "SET qty = qty + :n", ExpressionAttributeValues: { ":n": 3 }, ReturnValues: "ALL_NEW" }));
  check("update", upd.Attributes.qty, 5);
  const q = await doc.send(new QueryCommand({ TableName: "carts", KeyConditionExpression: "#u = :u AND sku > :i", ExpressionAttributeNames: { "#u": "user" }, ExpressionAttributeValues: { ":u": "u1", ":i": 1 }, ScanIndexForward: false }));
  check("query", q.Items.map((i) => i.sku), [4, 3, 2]);
  let scanned = 0;
  for await (const page of paginateScan({ client: doc, pageSize: 2 }, { TableName: "carts" })) scanned += page.Count;
  check("paginated scan", scanned, 4);
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: "carts", Item: { user: "u2", sku: 1 }, ConditionExpression: "attribute_not_exists(#u)", ExpressionAttributeNames: { "#u": "user" } } },
      { Update: { TableName: "carts", Key: { user: "u1", sku: 9 }, UpdateExpression: "SET qty = :q", ConditionExpression: "attribute_exists(qty)", ExpressionAttributeValues: { ":q": 1 } } }] }));
    check("transaction", "succeeded", "cancelled");
  } catch (e) {
    check("transaction", [e.name, e.CancellationReasons.map((r) => r.Code)], ["TransactionCanceledException", ["None", "ConditionalCheckFailed"]]);
  }
  const st = await doc.send(new ExecuteStatementCommand({ Statement: 'SELECT qty FROM "carts" WHERE "user" = ? AND sku = ?', Parameters: ["u1", 4] }));
  check("PartiQL", st.Items, [{ qty: 4 }]);
  console.log("JavaScript SDK: all passed");
})().catch((e) => { console.log("FAIL:", e); process.exit(1); });
JSEOF
echo "dynamodb_sdks: all passed"

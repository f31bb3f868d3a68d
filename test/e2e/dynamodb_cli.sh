#!/usr/bin/env bash
# End-to-end test of DynamoDB and DynamoDB Streams with the real AWS CLI
# v2 (AWS JSON 1.0; the CLI checks every response's x-amz-crc32): tables
# and the table-exists waiter, items with conditions and updates, queries
# and scans with the CLI's own paging, batches, transactions, PartiQL,
# TTL, streams read with the dynamodbstreams commands, a stream mapped to
# a function, and a kill -9 after acknowledged writes (none lost). Exits
# non-zero at the first failed step and always stops its server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws

step "build nubo and the function"
build_nubo "$WORK/nubo"
mkdir -p "$WORK/fn"
(cd "$ROOT" && CGO_ENABLED=0 go build -ldflags='-s -w' -o "$WORK/fn/bootstrap" ./internal/server/testdata/ddbfn)
(cd "$WORK/fn" && $PY -m zipfile -c "$WORK/fn.zip" bootstrap)

serve() { start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data" --sandbox process; }
step "start nubo on $ENDPOINT"
serve

ddb() { "$AWS" --endpoint-url "$ENDPOINT" dynamodb "$@"; }
streams() { "$AWS" --endpoint-url "$ENDPOINT" dynamodbstreams "$@"; }
lam() { "$AWS" --endpoint-url "$ENDPOINT" lambda "$@"; }

step "tables: create with a GSI and a stream, wait table-exists, describe, list"
status=$(ddb create-table --table-name music --billing-mode PAY_PER_REQUEST \
	--attribute-definitions AttributeName=artist,AttributeType=S AttributeName=song,AttributeType=S AttributeName=year,AttributeType=N \
	--key-schema AttributeName=artist,KeyType=HASH AttributeName=song,KeyType=RANGE \
	--global-secondary-indexes 'IndexName=byYear,KeySchema=[{AttributeName=year,KeyType=HASH}],Projection={ProjectionType=ALL}' \
	--stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES --query TableDescription.TableStatus --output text)
expect "create-table status" "$status" CREATING
ddb wait table-exists --table-name music
expect "describe-table status" "$(ddb describe-table --table-name music --query Table.TableStatus --output text)" ACTIVE
expect "list-tables" "$(ddb list-tables --query 'TableNames[0]' --output text)" music
err=$(refused ddb create-table --table-name music --billing-mode PAY_PER_REQUEST --attribute-definitions AttributeName=a,AttributeType=S --key-schema AttributeName=a,KeyType=HASH)
contains "create twice" "$err" "ResourceInUseException"

step "items: put with a condition, get with a projection, update, conditional failure, delete"
ddb put-item --table-name music --item '{"artist": {"S": "Nina"}, "song": {"S": "Sinnerman"}, "year": {"N": "1965"}, "plays": {"N": "1"}}'
ddb put-item --table-name music --item '{"artist": {"S": "Nina"}, "song": {"S": "Feeling Good"}, "year": {"N": "1965"}}'
ddb put-item --table-name music --item '{"artist": {"S": "Miles"}, "song": {"S": "So What"}, "year": {"N": "1959"}, "tags": {"SS": ["modal", "jazz"]}}'
err=$(refused ddb put-item --table-name music --item '{"artist": {"S": "Nina"}, "song": {"S": "Sinnerman"}}' --condition-expression 'attribute_not_exists(artist)')
contains "conditional put" "$err" "ConditionalCheckFailedException"
got=$(ddb get-item --table-name music --key '{"artist": {"S": "Nina"}, "song": {"S": "Sinnerman"}}' --projection-expression '#y, plays' --expression-attribute-names '{"#y": "year"}' --output json)
expect "projected year" "$(echo "$got" | $PY -c 'import json,sys; print(json.load(sys.stdin)["Item"]["year"]["N"])')" 1965
new=$(ddb update-item --table-name music --key '{"artist": {"S": "Nina"}, "song": {"S": "Sinnerman"}}' \
	--update-expression 'SET plays = plays + :one, genres = list_append(if_not_exists(genres, :empty), :g) REMOVE nothing' \
	--expression-attribute-values '{":one": {"N": "1"}, ":empty": {"L": []}, ":g": {"L": [{"S": "soul"}]}}' --return-values UPDATED_NEW --query 'Attributes.plays.N' --output text)
expect "updated plays" "$new" 2
err=$(refused ddb update-item --table-name music --key '{"artist": {"S": "Nina"}, "song": {"S": "Sinnerman"}}' --update-expression 'SET plays = :p' --condition-expression 'plays > :p' --expression-attribute-values '{":p": {"N": "5"}}')
contains "conditional update" "$err" "ConditionalCheckFailedException"
err=$(refused ddb get-item --table-name music --key '{"artist": {"S": "Nina"}}')
contains "key mismatch" "$err" "The provided key element does not match the schema"

step "query and scan: key conditions, the GSI, filters, the CLI's paging"
expect "query" "$(ddb query --table-name music --key-condition-expression 'artist = :a AND begins_with(song, :s)' --expression-attribute-values '{":a": {"S": "Nina"}, ":s": {"S": "S"}}' --query Count --output text)" 1
expect "GSI query" "$(ddb query --table-name music --index-name byYear --key-condition-expression '#y = :y' --expression-attribute-names '{"#y": "year"}' --expression-attribute-values '{":y": {"N": "1965"}}' --query Count --output text)" 2
expect "paged scan" "$(ddb scan --table-name music --page-size 1 --output json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["Items"]))')" 3
expect "filtered scan" "$(ddb scan --table-name music --filter-expression 'contains(tags, :t)' --expression-attribute-values '{":t": {"S": "jazz"}}' --query Count --output text)" 1

step "batches and transactions"
ddb batch-write-item --request-items '{"music": [{"PutRequest": {"Item": {"artist": {"S": "Bill"}, "song": {"S": "Peace Piece"}, "year": {"N": "1958"}}}}, {"DeleteRequest": {"Key": {"artist": {"S": "Miles"}, "song": {"S": "So What"}}}}]}' >/dev/null
expect "batch-get" "$(ddb batch-get-item --request-items '{"music": {"Keys": [{"artist": {"S": "Bill"}, "song": {"S": "Peace Piece"}}, {"artist": {"S": "Miles"}, "song": {"S": "So What"}}]}}' --query 'length(Responses.music)' --output text)" 1
err=$(refused ddb transact-write-items --transact-items '[{"Put": {"TableName": "music", "Item": {"artist": {"S": "X"}, "song": {"S": "Y"}}}}, {"ConditionCheck": {"TableName": "music", "Key": {"artist": {"S": "Bill"}, "song": {"S": "Peace Piece"}}, "ConditionExpression": "attribute_not_exists(artist)"}}]')
contains "cancelled transaction" "$err" "TransactionCanceledException"
contains "cancellation reasons" "$err" "[None, ConditionalCheckFailed]"
ddb transact-write-items --client-request-token tok-1 --transact-items '[{"Update": {"TableName": "music", "Key": {"artist": {"S": "Bill"}, "song": {"S": "Peace Piece"}}, "UpdateExpression": "ADD plays :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}]'
ddb transact-write-items --client-request-token tok-1 --transact-items '[{"Update": {"TableName": "music", "Key": {"artist": {"S": "Bill"}, "song": {"S": "Peace Piece"}}, "UpdateExpression": "ADD plays :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}]'
expect "idempotent transaction" "$(ddb get-item --table-name music --key '{"artist": {"S": "Bill"}, "song": {"S": "Peace Piece"}}' --query 'Item.plays.N' --output text)" 1

step "PartiQL"
ddb execute-statement --statement "INSERT INTO \"music\" VALUE {'artist': 'Ella', 'song': 'Summertime', 'year': 1968}" >/dev/null
expect "SELECT" "$(ddb execute-statement --statement 'SELECT song FROM "music" WHERE artist = ?' --parameters '[{"S": "Ella"}]' --query 'Items[0].song.S' --output text)" Summertime
ddb execute-statement --statement "UPDATE \"music\" SET plays = 7 WHERE artist = 'Ella' AND song = 'Summertime'" >/dev/null
err=$(refused ddb execute-statement --statement "INSERT INTO \"music\" VALUE {'artist': 'Ella', 'song': 'Summertime'}")
contains "duplicate INSERT" "$err" "DuplicateItemException"
err=$(refused ddb execute-statement --statement "DELETE FROM \"music\" WHERE artist = 'Ella'")
contains "DELETE without the whole key" "$err" "Where clause does not contain a mandatory equality on all key attributes"
ddb execute-transaction --transact-statements '[{"Statement": "DELETE FROM \"music\" WHERE artist = ? AND song = ?", "Parameters": [{"S": "Ella"}, {"S": "Summertime"}]}]' >/dev/null
expect "batch-execute-statement" "$(ddb batch-execute-statement --statements '[{"Statement": "SELECT * FROM \"music\" WHERE artist = '"'"'Ella'"'"' AND song = '"'"'Summertime'"'"'"}]' --query 'length(Responses[0].Item || `{}`)' --output text)" 0

step "TTL"
ddb update-time-to-live --table-name music --time-to-live-specification Enabled=true,AttributeName=expires >/dev/null
expect "describe-time-to-live" "$(ddb describe-time-to-live --table-name music --query TimeToLiveDescription.TimeToLiveStatus --output text)" ENABLED

step "streams: list, describe, iterate; every write is a record"
ARN=$(streams list-streams --table-name music --query 'Streams[0].StreamArn' --output text)
SHARD=$(streams describe-stream --stream-arn "$ARN" --query 'StreamDescription.Shards[0].ShardId' --output text)
IT=$(streams get-shard-iterator --stream-arn "$ARN" --shard-id "$SHARD" --shard-iterator-type TRIM_HORIZON --query ShardIterator --output text)
names=$(streams get-records --shard-iterator "$IT" --query 'Records[].eventName' --output text)
expect "stream records" "$(echo $names)" "INSERT INSERT INSERT MODIFY INSERT REMOVE MODIFY INSERT MODIFY REMOVE"

step "a stream mapped to a function"
create_role fn # the function's role, which reads the stream for its mapping
lam create-function --function-name streamfn --runtime provided.al2023 --handler bootstrap \
	--role arn:aws:iam::000000000000:role/fn --zip-file "fileb://$WORK/fn.zip" >/dev/null
lam wait function-active-v2 --function-name streamfn
UUID=$(lam create-event-source-mapping --function-name streamfn --event-source-arn "$ARN" --starting-position LATEST \
	--batch-size 5 --maximum-retry-attempts 2 --bisect-batch-on-function-error --parallelization-factor 2 \
	--function-response-types ReportBatchItemFailures --filter-criteria '{"Filters": [{"Pattern": "{\"eventName\": [\"INSERT\"]}"}]}' \
	--query UUID --output text)
for _ in $(seq 1 100); do
	[[ $(lam get-event-source-mapping --uuid "$UUID" --query State --output text) == Enabled ]] && break
	sleep 0.1
done
# LATEST: the mapping reads what is written after its first poll, which
# no call shows; an item is put again until one is processed.
for i in $(seq 1 30); do
	ddb put-item --table-name music --item "{\"artist\": {\"S\": \"Chet\"}, \"song\": {\"S\": \"Almost Blue $i\"}, \"year\": {\"N\": \"1987\"}}"
	for _ in $(seq 1 5); do
		result=$(lam get-event-source-mapping --uuid "$UUID" --query LastProcessingResult --output text)
		[[ "$result" == OK ]] && break 2
		sleep 0.2
	done
done
expect "mapping result" "$result" OK

step "kill -9 after acknowledged writes: none lost"
for i in $(seq 1 20); do
	ddb put-item --table-name music --item "{\"artist\": {\"S\": \"k9\"}, \"song\": {\"S\": \"s$i\"}}"
done
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
PID=
serve
expect "items after kill -9" "$(ddb query --table-name music --key-condition-expression 'artist = :a' --expression-attribute-values '{":a": {"S": "k9"}}' --query Count --output text)" 20

step "delete the table; wait table-not-exists"
ddb delete-table --table-name music >/dev/null
ddb wait table-not-exists --table-name music
echo "dynamodb_cli: all passed"

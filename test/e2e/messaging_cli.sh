#!/usr/bin/env bash
# End-to-end test of SQS, SNS and SQS event source mappings with the real
# AWS CLI v2 (which speaks SQS's and SNS's query protocol): every queue
# and message operation and their important errors, FIFO queues, redrive
# and move tasks, topics and subscriptions with filter policies and raw
# delivery, an event source mapping with partial batch failures, and a
# kill -9 with messages in flight (none lost, the in-flight ones back after
# their visibility timeout). Exits non-zero at the first failed step and
# always stops its server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws

step "build nubo and the function"
build_nubo "$WORK/nubo"
mkdir -p "$WORK/fn"
(cd "$ROOT" && CGO_ENABLED=0 go build -ldflags='-s -w' -o "$WORK/fn/bootstrap" ./internal/server/testdata/sqsfn)
(cd "$WORK/fn" && $PY -m zipfile -c "$WORK/fn.zip" bootstrap)

ACCOUNT=000000000000

serve() { start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data"; }
step "start nubo on $ENDPOINT"
serve
create_role e2e

sqs() { "$AWS" --endpoint-url "$ENDPOINT" sqs "$@"; }
sns() { "$AWS" --endpoint-url "$ENDPOINT" sns "$@"; }
lam() { "$AWS" --endpoint-url "$ENDPOINT" lambda "$@"; }
arn() { echo "arn:aws:sqs:us-east-1:$ACCOUNT:$1"; }
# received ARGS... counts the messages a receive-message gets (the CLI
# prints nothing for an empty receive).
received() {
	local n
	n=$(sqs receive-message "$@" --query 'length(Messages || `[]`)' --output text)
	echo "${n:-0}"
}

step "queues: create, get-queue-url, list with prefix and paging, attributes, tags"
Q=$(sqs create-queue --queue-name orders --attributes VisibilityTimeout=30,DelaySeconds=0 --tags team=a --query QueueUrl --output text)
expect "queue url" "$Q" "$ENDPOINT/$ACCOUNT/orders"
expect "same again" "$(sqs create-queue --queue-name orders --attributes VisibilityTimeout=30 --query QueueUrl --output text)" "$Q"
contains "different attributes" "$(refused sqs create-queue --queue-name orders --attributes VisibilityTimeout=31)" "QueueAlreadyExists"
expect "get-queue-url" "$(sqs get-queue-url --queue-name orders --query QueueUrl --output text)" "$Q"
contains "missing queue" "$(refused sqs get-queue-url --queue-name nope)" "AWS.SimpleQueueService.NonExistentQueue"
for i in 1 2 3; do sqs create-queue --queue-name "page-$i" >/dev/null; done
expect "list prefix" "$(sqs list-queues --queue-name-prefix page- --query 'length(QueueUrls)')" "3"
expect "list paged" "$(sqs list-queues --queue-name-prefix page- --max-results 2 --query 'length(QueueUrls)' --no-paginate)" "2"
contains "next token" "$(sqs list-queues --queue-name-prefix page- --max-results 2 --no-paginate --query NextToken --output text)" ""
sqs set-queue-attributes --queue-url "$Q" --attributes MessageRetentionPeriod=86400
expect "retention" "$(sqs get-queue-attributes --queue-url "$Q" --attribute-names MessageRetentionPeriod --query Attributes.MessageRetentionPeriod --output text)" "86400"
expect "arn" "$(sqs get-queue-attributes --queue-url "$Q" --attribute-names All --query Attributes.QueueArn --output text)" "$(arn orders)"
contains "bad attribute value" "$(refused sqs set-queue-attributes --queue-url "$Q" --attributes VisibilityTimeout=99999)" "InvalidAttributeValue"
contains "unknown attribute" "$(refused sqs get-queue-attributes --queue-url "$Q" --attribute-names Colour)" "InvalidAttributeName"
sqs tag-queue --queue-url "$Q" --tags env=dev
sqs untag-queue --queue-url "$Q" --tag-keys team
expect "tags" "$(sqs list-queue-tags --queue-url "$Q" --query Tags --output json | tr -d ' \n')" '{"env":"dev"}'

step "messages: send (attributes; the CLI checks the MD5s), receive, visibility, delete, batches"
ID=$(sqs send-message --queue-url "$Q" --message-body "hello ünïcode" \
	--message-attributes '{"n":{"DataType":"Number","StringValue":"7"},"b":{"DataType":"Binary","BinaryValue":"AAEC"}}' --query MessageId --output text)
OUT=$(sqs receive-message --queue-url "$Q" --attribute-names All --message-attribute-names All --output json)
expect "received id" "$(echo "$OUT" | $PY -c 'import json,sys; print(json.load(sys.stdin)["Messages"][0]["MessageId"])')" "$ID"
expect "receive count" "$(echo "$OUT" | $PY -c 'import json,sys; print(json.load(sys.stdin)["Messages"][0]["Attributes"]["ApproximateReceiveCount"])')" "1"
expect "number attribute" "$(echo "$OUT" | $PY -c 'import json,sys; print(json.load(sys.stdin)["Messages"][0]["MessageAttributes"]["n"]["StringValue"])')" "7"
RH=$(echo "$OUT" | $PY -c 'import json,sys; print(json.load(sys.stdin)["Messages"][0]["ReceiptHandle"])')
expect "invisible" "$(received --queue-url "$Q")" "0"
sqs change-message-visibility --queue-url "$Q" --receipt-handle "$RH" --visibility-timeout 0
RH=$(sqs receive-message --queue-url "$Q" --wait-time-seconds 5 --query 'Messages[0].ReceiptHandle' --output text)
sqs delete-message --queue-url "$Q" --receipt-handle "$RH"
contains "bad handle" "$(refused sqs delete-message --queue-url "$Q" --receipt-handle garbage)" "ReceiptHandleIsInvalid"
head -c 1048577 /dev/zero | tr '\0' x >"$WORK/big.txt"
contains "too big" "$(refused sqs send-message --queue-url "$Q" --message-body "file://$WORK/big.txt")" "Message must be shorter than 1048576 bytes"
contains "max messages" "$(refused sqs receive-message --queue-url "$Q" --max-number-of-messages 11)" "MaxNumberOfMessages"
R=$(sqs send-message-batch --queue-url "$Q" --entries Id=a,MessageBody=one Id=b,MessageBody=two Id=c,MessageBody=three,DelaySeconds=901 --output json)
expect "batch successful" "$(echo "$R" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["Successful"]))')" "2"
expect "batch failed id" "$(echo "$R" | $PY -c 'import json,sys; print(json.load(sys.stdin)["Failed"][0]["Id"])')" "c"
contains "duplicate ids" "$(refused sqs send-message-batch --queue-url "$Q" --entries Id=a,MessageBody=x Id=a,MessageBody=y)" "BatchEntryIdsNotDistinct"
H=$(sqs receive-message --queue-url "$Q" --max-number-of-messages 10 --wait-time-seconds 2 --output json)
ENTRIES=$(echo "$H" | $PY -c 'import json,sys; print(" ".join("Id=m%d,ReceiptHandle=%s,VisibilityTimeout=60" % (i, m["ReceiptHandle"]) for i, m in enumerate(json.load(sys.stdin)["Messages"])))')
# shellcheck disable=SC2086
expect "visibility batch" "$(sqs change-message-visibility-batch --queue-url "$Q" --entries $ENTRIES --query 'length(Successful)')" "2"
ENTRIES=$(echo "$H" | $PY -c 'import json,sys; print(" ".join("Id=m%d,ReceiptHandle=%s" % (i, m["ReceiptHandle"]) for i, m in enumerate(json.load(sys.stdin)["Messages"])))')
# shellcheck disable=SC2086
expect "delete batch" "$(sqs delete-message-batch --queue-url "$Q" --entries $ENTRIES --query 'length(Successful)')" "2"
# The delayed count is read of a message delayed 15 minutes (one CLI call
# can take seconds on a loaded machine); the purge below removes it.
sqs send-message --queue-url "$Q" --message-body parked --delay-seconds 900 >/dev/null
expect "delayed" "$(sqs get-queue-attributes --queue-url "$Q" --attribute-names ApproximateNumberOfMessagesDelayed --query Attributes.ApproximateNumberOfMessagesDelayed --output text)" "1"
sqs send-message --queue-url "$Q" --message-body later --delay-seconds 5 >/dev/null
expect "long poll" "$(sqs receive-message --queue-url "$Q" --wait-time-seconds 20 --query 'Messages[0].Body' --output text)" "later"
sqs purge-queue --queue-url "$Q"
contains "second purge" "$(refused sqs purge-queue --queue-url "$Q")" "PurgeQueueInProgress"

step "FIFO: order per group, deduplication, sequence numbers"
F=$(sqs create-queue --queue-name jobs.fifo --attributes FifoQueue=true,ContentBasedDeduplication=true --query QueueUrl --output text)
S1=$(sqs send-message --queue-url "$F" --message-body a1 --message-group-id a --query SequenceNumber --output text)
S2=$(sqs send-message --queue-url "$F" --message-body a1 --message-group-id a --query SequenceNumber --output text)
expect "duplicate keeps its sequence number" "$S2" "$S1"
sqs send-message --queue-url "$F" --message-body a2 --message-group-id a >/dev/null
contains "group required" "$(refused sqs send-message --queue-url "$F" --message-body x)" "MessageGroupId"
expect "first of the group" "$(sqs receive-message --queue-url "$F" --query 'Messages[0].Body' --output text)" "a1"
expect "group blocked" "$(received --queue-url "$F")" "0"

step "redrive to a dead-letter queue, list-dead-letter-source-queues"
DLQ=$(sqs create-queue --queue-name dead --query QueueUrl --output text)
SRC=$(sqs create-queue --queue-name src --attributes "{\"VisibilityTimeout\":\"0\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$(arn dead)\\\",\\\"maxReceiveCount\\\":\\\"1\\\"}\"}" --query QueueUrl --output text)
sqs send-message --queue-url "$SRC" --message-body poison >/dev/null
expect "first receive" "$(sqs receive-message --queue-url "$SRC" --query 'Messages[0].Body' --output text)" "poison"
sleep 0.2
expect "moved away" "$(received --queue-url "$SRC" --wait-time-seconds 1)" "0"
expect "source queues" "$(sqs list-dead-letter-source-queues --queue-url "$DLQ" --query 'queueUrls[0]' --output text)" "$SRC"
expect "in the dlq" "$(sqs get-queue-attributes --queue-url "$DLQ" --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages --output text)" "1"
# The CLI 2.9 predates StartMessageMoveTask; the Go SDK tests cover it.

step "SNS: topics, subscriptions with a filter policy and raw delivery, publish, publish-batch"
T=$(sns create-topic --name news --tags Key=team,Value=a --query TopicArn --output text)
expect "topic arn" "$T" "arn:aws:sns:us-east-1:$ACCOUNT:news"
sns set-topic-attributes --topic-arn "$T" --attribute-name DisplayName --attribute-value News
expect "display name" "$(sns get-topic-attributes --topic-arn "$T" --query Attributes.DisplayName --output text)" "News"
expect "topics" "$(sns list-topics --query 'length(Topics)')" "1"
sns tag-resource --resource-arn "$T" --tags Key=env,Value=dev
expect "topic tags" "$(sns list-tags-for-resource --resource-arn "$T" --query 'length(Tags)')" "2"
sns untag-resource --resource-arn "$T" --tag-keys env
# As on AWS, a queue takes SNS's deliveries only if its policy says so.
NQ=$(sqs create-queue --queue-name news-all --attributes "$(from_topic "$(arn news-all)" "$T")" --query QueueUrl --output text)
RQ=$(sqs create-queue --queue-name news-raw --attributes "$(from_topic "$(arn news-raw)" "$T")" --query QueueUrl --output text)
SUB=$(sns subscribe --topic-arn "$T" --protocol sqs --notification-endpoint "$(arn news-all)" \
	--attributes '{"FilterPolicy":"{\"kind\":[\"big\"]}"}' --query SubscriptionArn --output text)
sns subscribe --topic-arn "$T" --protocol sqs --notification-endpoint "$(arn news-raw)" --attributes RawMessageDelivery=true >/dev/null
expect "subscriptions" "$(sns list-subscriptions-by-topic --topic-arn "$T" --query 'length(Subscriptions)')" "2"
expect "filter policy" "$(sns get-subscription-attributes --subscription-arn "$SUB" --query Attributes.FilterPolicy --output text)" '{"kind":["big"]}'
sns publish --topic-arn "$T" --subject Hello --message small --message-attributes '{"kind":{"DataType":"String","StringValue":"small"}}' >/dev/null
sns publish --topic-arn "$T" --subject Hello --message big --message-attributes '{"kind":{"DataType":"String","StringValue":"big"}}' >/dev/null
ENV=$(sqs receive-message --queue-url "$NQ" --wait-time-seconds 2 --query 'Messages[0].Body' --output text)
expect "envelope message" "$(echo "$ENV" | $PY -c 'import json,sys; e=json.load(sys.stdin); print(e["Type"], e["Message"], e["Subject"], e["MessageAttributes"]["kind"]["Value"])')" "Notification big Hello big"
expect "filtered" "$(sqs get-queue-attributes --queue-url "$NQ" --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages --output text)" "0"
expect "raw bodies" "$(sqs receive-message --queue-url "$RQ" --max-number-of-messages 10 --wait-time-seconds 2 --query 'sort(Messages[].Body)' --output text)" "big	small"
expect "publish-batch" "$(sns publish-batch --topic-arn "$T" --publish-batch-request-entries Id=1,Message=m1 Id=2,Message=m2 --query 'length(Successful)')" "2"
contains "missing topic" "$(refused sns publish --topic-arn "arn:aws:sns:us-east-1:$ACCOUNT:nope" --message x)" "NotFound"
sns unsubscribe --subscription-arn "$SUB"
expect "after unsubscribe" "$(sns list-subscriptions --query 'length(Subscriptions)')" "1"

step "event source mapping: partial batch failures, dead-letter queue"
lam create-function --function-name consumer --runtime provided.al2023 --handler bootstrap \
	--role arn:aws:iam::$ACCOUNT:role/e2e --zip-file "fileb://$WORK/fn.zip" >/dev/null
lam wait function-active-v2 --function-name consumer
sqs create-queue --queue-name in-dlq >/dev/null
IN=$(sqs create-queue --queue-name in --attributes "{\"VisibilityTimeout\":\"1\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$(arn in-dlq)\\\",\\\"maxReceiveCount\\\":\\\"2\\\"}\"}" --query QueueUrl --output text)
M=$(lam create-event-source-mapping --function-name consumer --event-source-arn "$(arn in)" --batch-size 10 \
	--function-response-types ReportBatchItemFailures --output json)
expect "state" "$(echo "$M" | $PY -c 'import json,sys; print(json.load(sys.stdin)["State"])')" "Creating"
UUID=$(echo "$M" | $PY -c 'import json,sys; print(json.load(sys.stdin)["UUID"])')
contains "duplicate mapping" "$(refused lam create-event-source-mapping --function-name consumer --event-source-arn "$(arn in)")" "ResourceConflictException"
contains "batch window" "$(refused lam create-event-source-mapping --function-name consumer --event-source-arn "$(arn in-dlq)" --batch-size 50)" "Maximum batch window"
sqs send-message-batch --queue-url "$IN" --entries Id=1,MessageBody=ok1 Id=2,MessageBody=ok2 Id=3,MessageBody=fail-me >/dev/null
for _ in $(seq 1 100); do
	[[ "$(sqs get-queue-attributes --queue-url "$(sqs get-queue-url --queue-name in-dlq --query QueueUrl --output text)" --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages --output text)" == 1 ]] && break
	sleep 0.2
done
expect "failed message in the dlq" "$(sqs receive-message --queue-url "$ENDPOINT/$ACCOUNT/in-dlq" --query 'Messages[0].Body' --output text)" "fail-me"
expect "source drained" "$(sqs get-queue-attributes --queue-url "$IN" --attribute-names All --query '[Attributes.ApproximateNumberOfMessages,Attributes.ApproximateNumberOfMessagesNotVisible]' --output text)" "0	0"
expect "list mappings" "$(lam list-event-source-mappings --function-name consumer --query 'EventSourceMappings[0].UUID' --output text)" "$UUID"
lam update-event-source-mapping --uuid "$UUID" --batch-size 5 >/dev/null
expect "updated" "$(lam get-event-source-mapping --uuid "$UUID" --query BatchSize)" "5"
expect "delete mapping" "$(lam delete-event-source-mapping --uuid "$UUID" --query State --output text)" "Deleting"

step "kill -9 with messages waiting and in flight"
K=$(sqs create-queue --queue-name crash --query QueueUrl --output text)
for b in $(seq 1 10); do
	sqs send-message-batch --queue-url "$K" --entries $(for i in $(seq 1 10); do printf 'Id=m%d,MessageBody=b%d-%d ' "$i" "$b" "$i"; done) >/dev/null
done
INFLIGHT=$(sqs receive-message --queue-url "$K" --max-number-of-messages 10 --visibility-timeout 25 --query 'length(Messages)')
RECEIVED_AT=$SECONDS
expect "in flight" "$INFLIGHT" "10"
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
PID=
serve
expect "after kill -9" "$(sqs get-queue-attributes --queue-url "$K" --attribute-names All --query '[Attributes.ApproximateNumberOfMessages,Attributes.ApproximateNumberOfMessagesNotVisible]' --output text)" "90	10"
sleep $((RECEIVED_AT + 26 - SECONDS))
expect "in-flight messages back" "$(sqs get-queue-attributes --queue-url "$K" --attribute-names All --query '[Attributes.ApproximateNumberOfMessages,Attributes.ApproximateNumberOfMessagesNotVisible]' --output text)" "100	0"
expect "topics kept" "$(sns list-topics --query 'length(Topics)')" "1"

step "delete queues and topics"
sqs delete-queue --queue-url "$K"
contains "deleted" "$(refused sqs get-queue-url --queue-name crash)" "NonExistentQueue"
sns delete-topic --topic-arn "$T"
expect "no topics" "$(sns list-topics --query 'length(Topics)')" "0"

printf '\nmessaging_cli.sh: all steps passed\n'

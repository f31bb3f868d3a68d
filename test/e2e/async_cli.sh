#!/usr/bin/env bash
# End-to-end test of asynchronous invocation with the real AWS CLI v2:
# event invoke configs, `aws lambda invoke --invocation-type Event`, success
# and failure destinations in SQS queues, a dead-letter queue, and
# `nubo invoke --async`. Retries are made quick with --async-retry-delays.
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws

step "build nubo and the function"
build_nubo "$WORK/nubo"
mkdir -p "$WORK/fn"
(cd "$ROOT" && CGO_ENABLED=0 go build -ldflags='-s -w' -o "$WORK/fn/bootstrap" ./internal/engine/testdata/fn)
(cd "$WORK/fn" && $PY -m zipfile -c "$WORK/fn.zip" bootstrap)

step "start nubo on $ENDPOINT"
start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data" --async-retry-delays 200ms,400ms
create_role e2e

lambda() { "$AWS" --endpoint-url "$ENDPOINT" lambda "$@"; }
sqs() { "$AWS" --endpoint-url "$ENDPOINT" sqs "$@"; }
ROLE=arn:aws:iam::000000000000:role/e2e
ACCOUNT=000000000000

# receive QUEUE_URL QUERY: waits for one message and prints QUERY of it.
receive() {
	local out
	out=$(sqs receive-message --queue-url "$1" --wait-time-seconds 10 --message-attribute-names All --output json)
	[[ -n "$out" ]] || fail "no message in $1"
	$PY -c 'import json,sys; m=json.loads(sys.argv[1])["Messages"][0]; print(eval(sys.argv[2]))' "$out" "$2"
}

step "queues for destinations and the dead-letter queue"
OK_URL=$(sqs create-queue --queue-name successes --query QueueUrl --output text)
FAIL_URL=$(sqs create-queue --queue-name failures --query QueueUrl --output text)
DLQ_URL=$(sqs create-queue --queue-name dead-letters --query QueueUrl --output text)

step "a function with a dead-letter queue and destinations"
lambda create-function --function-name worker --runtime provided.al2023 --handler bootstrap --role "$ROLE" \
	--zip-file "fileb://$WORK/fn.zip" --dead-letter-config "TargetArn=arn:aws:sqs:us-east-1:$ACCOUNT:dead-letters" >/dev/null
lambda wait function-active-v2 --function-name worker
lambda put-function-event-invoke-config --function-name worker --maximum-retry-attempts 1 \
	--destination-config "{\"OnSuccess\":{\"Destination\":\"arn:aws:sqs:us-east-1:$ACCOUNT:successes\"},\"OnFailure\":{\"Destination\":\"arn:aws:sqs:us-east-1:$ACCOUNT:failures\"}}" >/dev/null
expect "get-function-event-invoke-config" "$(lambda get-function-event-invoke-config --function-name worker \
	--query '[MaximumRetryAttempts, FunctionArn]' --output text)" "$(printf '1\tarn:aws:lambda:us-east-1:%s:function:worker:$LATEST' $ACCOUNT)"

step "an Event invocation that succeeds reaches the success queue"
expect "StatusCode" "$(lambda invoke --function-name worker --invocation-type Event --cli-binary-format raw-in-base64-out \
	--payload '{"value":"fine"}' --query StatusCode --output text "$WORK/out.json")" 202
expect "success record" "$(receive "$OK_URL" 'json.loads(m["Body"])["requestContext"]["condition"] + " " + json.loads(m["Body"])["requestPayload"]["value"]')" "Success fine"

step "an Event invocation that keeps failing reaches the failure queue and the dead-letter queue"
lambda invoke --function-name worker --invocation-type Event --cli-binary-format raw-in-base64-out \
	--payload '{"op":"error","value":"broken"}' "$WORK/out.json" >/dev/null
expect "failure record" "$(receive "$FAIL_URL" 'json.loads(m["Body"])["requestContext"]["condition"] + " " + str(json.loads(m["Body"])["requestContext"]["approximateInvokeCount"])')" "RetriesExhausted 2"
expect "dead letter" "$(receive "$DLQ_URL" 'm["Body"] + " " + m["MessageAttributes"]["ErrorMessage"]["StringValue"]')" '{"op":"error","value":"broken"} boom: broken'

step "nubo invoke --async"
expect "nubo invoke --async" "$("$WORK/nubo" invoke worker --async --payload '{"value":"from nubo"}')" "queued (status 202)"
expect "success record" "$(receive "$OK_URL" 'json.loads(m["Body"])["requestPayload"]["value"]')" "from nubo"

step "done"

#!/usr/bin/env bash
# End-to-end test of EventBridge and EventBridge Scheduler with the real AWS
# CLI v2: a bus, a rule, targets (an SQS queue and a Lambda function),
# `aws events put-events` and AWS's envelope, an archive and its replay, and
# a schedule whose time passes while nubo is killed with SIGKILL: it invokes
# its queue once nubo is back, and once only.
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws

step "build nubo and the function"
build_nubo "$WORK/nubo"
mkdir -p "$WORK/fn"
(cd "$ROOT" && CGO_ENABLED=0 go build -ldflags='-s -w' -o "$WORK/fn/bootstrap" ./internal/engine/testdata/fn)
(cd "$WORK/fn" && $PY -m zipfile -c "$WORK/fn.zip" bootstrap)

serve() { start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data"; }
step "start nubo on $ENDPOINT"
serve

events() { "$AWS" --endpoint-url "$ENDPOINT" events "$@"; }
scheduler() { "$AWS" --endpoint-url "$ENDPOINT" scheduler "$@"; }
sqs() { "$AWS" --endpoint-url "$ENDPOINT" sqs "$@"; }
lambda() { "$AWS" --endpoint-url "$ENDPOINT" lambda "$@"; }
ACCOUNT=000000000000
# The function's and the schedule's role.
create_role e2e lambda.amazonaws.com scheduler.amazonaws.com
ROLE=arn:aws:iam::$ACCOUNT:role/e2e
BUS_ARN=arn:aws:events:us-east-1:$ACCOUNT:event-bus/orders

# receive QUEUE_URL QUERY: waits for one message, hides it for good and
# prints QUERY of it (m is the message, b its body parsed as JSON when it
# is).
receive() {
	local out
	out=$(sqs receive-message --queue-url "$1" --wait-time-seconds 10 --visibility-timeout 3600 --message-attribute-names All --output json)
	[[ -n "$out" ]] || fail "no message in $1"
	$PY -c '
import json, sys
m = json.loads(sys.argv[1])["Messages"][0]
try:
    b = json.loads(m["Body"])
except ValueError:
    b = None
print(eval(sys.argv[2]))' "$out" "$2"
}

step "a bus with an archive, a rule and two targets: a queue and a function"
expect "create-event-bus" "$(events create-event-bus --name orders --query EventBusArn --output text)" "$BUS_ARN"
ARCHIVE_ARN=$(events create-archive --archive-name orders --event-source-arn "$BUS_ARN" --query ArchiveArn --output text)
RULE_ARN=arn:aws:events:us-east-1:$ACCOUNT:rule/orders/big
# The targets let the rule deliver to them, as AWS requires.
Q_URL=$(sqs create-queue --queue-name big-orders --attributes \
	"$(from_source "arn:aws:sqs:us-east-1:$ACCOUNT:big-orders" events.amazonaws.com "$RULE_ARN")" --query QueueUrl --output text)
lambda create-function --function-name on-order --runtime provided.al2023 --handler bootstrap --role "$ROLE" \
	--zip-file "fileb://$WORK/fn.zip" --environment 'Variables={PRINT_EVENT=1}' >/dev/null
lambda add-permission --function-name on-order --statement-id events --action lambda:InvokeFunction \
	--principal events.amazonaws.com --source-arn "$RULE_ARN" >/dev/null
expect "put-rule" "$(events put-rule --name big --event-bus-name orders \
	--event-pattern '{"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}' --query RuleArn --output text)" \
	"arn:aws:events:us-east-1:$ACCOUNT:rule/orders/big"
expect "put-targets" "$(events put-targets --rule big --event-bus-name orders --targets \
	"Id=q,Arn=arn:aws:sqs:us-east-1:$ACCOUNT:big-orders" "Id=fn,Arn=arn:aws:lambda:us-east-1:$ACCOUNT:function:on-order" \
	--query FailedEntryCount --output text)" 0

step "put-events reaches both targets with AWS's envelope"
START=$(date -u +%s)
cat >"$WORK/entries.json" <<EOF
[{"Source": "shop", "DetailType": "Order Placed", "Detail": "{\"total\": 250}", "EventBusName": "orders"},
 {"Source": "shop", "DetailType": "Order Placed", "Detail": "{\"total\": 5}", "EventBusName": "orders"},
 {"Source": "shop", "DetailType": "Order Placed", "EventBusName": "orders"}]
EOF
PUT=$(events put-events --entries "file://$WORK/entries.json" --output json)
expect "FailedEntryCount, the refused entry" "$($PY -c 'import json,sys; p=json.loads(sys.argv[1]); print(p["FailedEntryCount"], p["Entries"][2]["ErrorCode"])' "$PUT")" "1 InvalidArgument"
ID=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["Entries"][0]["EventId"])' "$PUT")
expect "the queue's event" "$(receive "$Q_URL" '" ".join([b["version"], b["id"], b["detail-type"], b["source"], b["account"], b["region"], str(b["resources"]), str(b["detail"]["total"]), str(list(b))])')" \
	"0 $ID Order Placed shop $ACCOUNT us-east-1 [] 250 ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']"
for _ in $(seq 1 100); do
	LINE=$("$AWS" --endpoint-url "$ENDPOINT" logs filter-log-events --log-group-name /aws/lambda/on-order --filter-pattern EVENT \
		--query 'events[0].message' --output text 2>/dev/null || true)
	[[ "$LINE" == EVENT* ]] && break
	sleep 0.2
done
contains "the function's event" "$LINE" "\"id\":\"$ID\""

step "the archive's replay"
for _ in $(seq 1 20); do # the fan-out archives them just after put-events answers
	COUNT=$(events describe-archive --archive-name orders --query EventCount --output text)
	[[ $COUNT == 2 ]] && break
	sleep 0.2
done
expect "EventCount" "$COUNT" 2
events start-replay --replay-name again --event-source-arn "$ARCHIVE_ARN" --event-start-time "$((START - 60))" \
	--event-end-time "$(($(date -u +%s) + 60))" --destination "Arn=$BUS_ARN" >/dev/null
expect "the replayed event" "$(receive "$Q_URL" 'b["replay-name"] + " " + str(b["detail"]["total"])')" "again 250"

step "a schedule whose time passes while nubo is killed is invoked once it is back"
T_URL=$(sqs create-queue --queue-name ticks --query QueueUrl --output text)
DUE=$(date -u -d "+4 seconds" +%Y-%m-%dT%H:%M:%S)
scheduler create-schedule --name while-down --schedule-expression "at($DUE)" --flexible-time-window Mode=OFF \
	--target "{\"Arn\": \"arn:aws:sqs:us-east-1:$ACCOUNT:ticks\", \"RoleArn\": \"$ROLE\", \"Input\": \"{\\\"at\\\": \\\"<aws.scheduler.scheduled-time>\\\"}\"}" >/dev/null
kill -KILL "$PID"
wait "$PID" 2>/dev/null || true
PID=
while [[ $(date -u +%Y-%m-%dT%H:%M:%S) < "$DUE" ]]; do sleep 0.2; done # its time passes while nubo is down
serve
expect "the missed invocation" "$(receive "$T_URL" 'b["at"]')" "${DUE}Z"
expect "no second invocation" "$(sqs receive-message --queue-url "$T_URL" --wait-time-seconds 2 --output json)" ""
expect "the schedule survived" "$(scheduler list-schedules --query 'Schedules[].Name' --output text)" while-down

step "done"

#!/usr/bin/env bash
# End-to-end test of Step Functions with the real AWS CLI v2: create and
# describe a state machine, start an execution and read it back
# (describe-execution, get-execution-history, describe-state-machine-for-
# execution), list and stop a waiting one, a task token round trip through
# an SQS queue (send-task-heartbeat, send-task-success), a kill -9 of nubo
# while an execution waits, which then completes, and the AWS/States
# metrics and the bill. Exits non-zero at the first failed step and always
# stops its server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws

step "build nubo"
build_nubo "$WORK/nubo"
serve() { start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data" --sandbox process; }

step "start nubo on $ENDPOINT"
serve

sfn() { "$AWS" --endpoint-url "$ENDPOINT" stepfunctions "$@"; }
sqs() { "$AWS" --endpoint-url "$ENDPOINT" sqs "$@"; }
# The machines' role, which Step Functions assumes to call SQS.
create_role e2e states.amazonaws.com
ROLE=arn:aws:iam::000000000000:role/e2e
SM=arn:aws:states:us-east-1:000000000000:stateMachine
EX=arn:aws:states:us-east-1:000000000000:execution

# status EXECUTION_ARN: waits up to 30 s for an execution to stop running
# and prints its status.
status() {
	local s
	for _ in $(seq 1 300); do
		s=$(sfn describe-execution --execution-arn "$1" --query status --output text)
		[[ "$s" != RUNNING ]] && break
		sleep 0.1
	done
	printf '%s' "$s"
}

step "create-state-machine and describe-state-machine"
cat >"$WORK/orders.json" <<'JSON'
{"Comment": "an order", "StartAt": "Price", "States": {
  "Price": {"Type": "Pass", "Parameters": {"id.$": "$.id", "total.$": "States.MathAdd($.a, $.b)"}, "Next": "Big?"},
  "Big?": {"Type": "Choice", "Choices": [{"Variable": "$.total", "NumericGreaterThan": 10, "Next": "Big"}], "Default": "Small"},
  "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.size", "End": true},
  "Small": {"Type": "Pass", "Result": "small", "ResultPath": "$.size", "End": true}}}
JSON
expect "stateMachineArn" "$(sfn create-state-machine --name orders --role-arn "$ROLE" --definition "file://$WORK/orders.json" \
	--query stateMachineArn --output text)" "$SM:orders"
expect "describe-state-machine" "$(sfn describe-state-machine --state-machine-arn "$SM:orders" --query '[name,type,status]' --output text)" \
	"$(printf 'orders\tSTANDARD\tACTIVE')"

step "start-execution, describe-execution, get-execution-history"
expect "executionArn" "$(sfn start-execution --state-machine-arn "$SM:orders" --name o-1 --input '{"id": "o-1", "a": 4, "b": 9}' \
	--query executionArn --output text)" "$EX:orders:o-1"
expect "status" "$(status "$EX:orders:o-1")" SUCCEEDED
expect "output" "$(sfn describe-execution --execution-arn "$EX:orders:o-1" --query output --output text)" '{"id":"o-1","size":"big","total":13}'
expect "history" "$(sfn get-execution-history --execution-arn "$EX:orders:o-1" --query 'events[].type' --output text)" \
	"$(printf 'ExecutionStarted\tPassStateEntered\tPassStateExited\tChoiceStateEntered\tChoiceStateExited\tPassStateEntered\tPassStateExited\tExecutionSucceeded')"
expect "history, newest first, 2 a page" "$(sfn get-execution-history --execution-arn "$EX:orders:o-1" --reverse-order --max-results 2 --no-paginate \
	--query 'events[].id' --output text)" "$(printf '8\t7')"
expect "describe-state-machine-for-execution" "$(sfn describe-state-machine-for-execution --execution-arn "$EX:orders:o-1" \
	--query name --output text)" orders
contains "a second o-1" "$(refused sfn start-execution --state-machine-arn "$SM:orders" --name o-1 --input '{"other": 1}')" \
	"(ExecutionAlreadyExists) when calling the StartExecution operation: Execution Already Exists: '$EX:orders:o-1'"

step "list-executions and stop-execution"
sfn create-state-machine --name slow --role-arn "$ROLE" \
	--definition '{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}' >/dev/null
sfn start-execution --state-machine-arn "$SM:slow" --name s-1 >/dev/null
expect "running" "$(sfn list-executions --state-machine-arn "$SM:slow" --status-filter RUNNING --query 'executions[].name' --output text)" s-1
sfn stop-execution --execution-arn "$EX:slow:s-1" --error Operator --cause "not today" >/dev/null
expect "stopped" "$(status "$EX:slow:s-1")" ABORTED
expect "error" "$(sfn describe-execution --execution-arn "$EX:slow:s-1" --query '[error,cause]' --output text)" "$(printf 'Operator\tnot today')"
expect "list-state-machines" "$(sfn list-state-machines --query 'stateMachines[].name' --output text)" "$(printf 'orders\tslow')"

step "a task token round trip through SQS"
URL=$(sqs create-queue --queue-name approvals --query QueueUrl --output text)
sfn create-state-machine --name approval --role-arn "$ROLE" --definition "{\"StartAt\": \"Ask\", \"States\": {\"Ask\": {\"Type\": \"Task\",
	\"Resource\": \"arn:aws:states:::sqs:sendMessage.waitForTaskToken\", \"End\": true,
	\"Parameters\": {\"QueueUrl\": \"$URL\", \"MessageBody\": {\"token.\$\": \"\$\$.Task.Token\", \"order.\$\": \"\$.order\"}}}}}" >/dev/null
sfn start-execution --state-machine-arn "$SM:approval" --name a-1 --input '{"order": "o-9"}' >/dev/null
BODY=$(sqs receive-message --queue-url "$URL" --wait-time-seconds 10 --query 'Messages[0].Body' --output text)
TOKEN=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["token"])' "$BODY")
expect "order in the message" "$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["order"])' "$BODY")" o-9
sfn send-task-heartbeat --task-token "$TOKEN"
expect "still waiting" "$(sfn describe-execution --execution-arn "$EX:approval:a-1" --query status --output text)" RUNNING
sfn send-task-success --task-token "$TOKEN" --task-output '{"approved": true}'
expect "approved" "$(status "$EX:approval:a-1")" SUCCEEDED
expect "output" "$(sfn describe-execution --execution-arn "$EX:approval:a-1" --query output --output text)" '{"approved":true}'

step "kill -9 while an execution waits; it completes after the restart"
sfn create-state-machine --name pause --role-arn "$ROLE" --definition '{"StartAt": "W", "States": {
	"W": {"Type": "Wait", "Seconds": 2, "Next": "P"}, "P": {"Type": "Pass", "Result": "after", "End": true}}}' >/dev/null
sfn start-execution --state-machine-arn "$SM:pause" --name p-1 >/dev/null
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
PID=
serve
expect "resumed" "$(status "$EX:pause:p-1")" SUCCEEDED
expect "output" "$(sfn describe-execution --execution-arn "$EX:pause:p-1" --query output --output text)" '"after"'
expect "o-1 kept" "$(sfn describe-execution --execution-arn "$EX:orders:o-1" --query status --output text)" SUCCEEDED

step "AWS/States metrics and the bill"
# An execution of its own, after the restart: the metrics and usage of the
# minute a kill -9 cuts short are lost (p-1 may even have ended before the
# kill, on a busy machine).
sfn create-state-machine --name counted --role-arn "$ROLE" --definition '{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}' >/dev/null
sfn start-execution --state-machine-arn "$SM:counted" --name c-1 >/dev/null
expect "counted" "$(status "$EX:counted:c-1")" SUCCEEDED
expect "ExecutionsSucceeded" "$("$AWS" --endpoint-url "$ENDPOINT" cloudwatch get-metric-statistics --namespace AWS/States \
	--metric-name ExecutionsSucceeded --dimensions Name=StateMachineArn,Value="$SM:counted" --statistics Sum --period 3600 \
	--start-time "$(date -u -d -1hour +%FT%TZ)" --end-time "$(date -u -d +1hour +%FT%TZ)" --query 'Datapoints[0].Sum' --output text)" 1.0
contains "nubo cost" "$("$WORK/nubo" cost)" "counted  us-east-1"

step "done"

#!/usr/bin/env bash
# End-to-end test of logs, metrics and the bill with the real AWS CLI v2
# and nubo's own CLI: `aws logs tail` (and --follow while invoking),
# `aws logs filter-log-events` and `describe-log-streams`, `aws cloudwatch
# get-metric-statistics` (the CLI speaks CloudWatch's query protocol), the
# Prometheus exposition, and `nubo cost`, whose GB-seconds must equal the
# REPORT lines' billed duration x memory. Exits non-zero at the first
# failed step and always stops its server.
set -euo pipefail

AWS=/usr/bin/aws
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
LOG=$WORK/nubo.log
PID=
TAIL=

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER="" AWS_CONFIG_FILE=$WORK/no-config AWS_SHARED_CREDENTIALS_FILE=$WORK/no-credentials
export AWS_EC2_METADATA_DISABLED=true

step() { printf "\n== [%ss] %s\n" "$SECONDS" "$*"; }
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}
expect() {
	[[ "$2" == "$3" ]] || fail "$1: got '$2', want '$3'"
	printf '   ok: %s = %s\n' "$1" "$2"
}
contains() {
	[[ "$2" == *"$3"* ]] || fail "$1: '$2' lacks '$3'"
	printf '   ok: %s contains %s\n' "$1" "$3"
}
cleanup() {
	status=$?
	[[ -n "$TAIL" ]] && kill "$TAIL" 2>/dev/null || true
	if [[ -n "$PID" ]]; then
		kill -TERM "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	if [[ $status -ne 0 && -f "$LOG" ]]; then
		echo "--- nubo log ---" >&2
		tail -n 50 "$LOG" >&2
	fi
	rm -rf "$WORK"
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -x "$AWS" ]] || fail "$AWS is missing; install Debian's awscli (scripts/test does)"

step "build nubo and an aws-lambda-go function"
(cd "$ROOT" && go build -o "$WORK/nubo" ./cmd/nubo)
mkdir -p "$WORK/go"
(cd "$ROOT" && CGO_ENABLED=0 go build -ldflags='-s -w' -o "$WORK/go/bootstrap" ./internal/engine/testdata/fn)
(cd "$WORK/go" && $PY -m zipfile -c "$WORK/go.zip" bootstrap)

PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
ENDPOINT=http://127.0.0.1:$PORT
export NUBO_ADDR=127.0.0.1:$PORT

start_nubo() {
	"$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data" --sandbox process >>"$LOG" 2>&1 &
	PID=$!
	for _ in $(seq 1 300); do
		curl -s -o /dev/null "$ENDPOINT/" && return
		kill -0 "$PID" 2>/dev/null || fail "nubo exited while starting"
		sleep 0.1
	done
	fail "nubo did not start"
}

step "start nubo on $ENDPOINT"
start_nubo

aws() { "$AWS" --endpoint-url "$ENDPOINT" "$@"; }
GROUP=/aws/lambda/obsfn

step "create a function and invoke it three times"
aws lambda create-function --function-name obsfn --runtime provided.al2023 --handler bootstrap \
	--role arn:aws:iam::000000000000:role/e2e --memory-size 256 --zip-file "fileb://$WORK/go.zip" >/dev/null
aws lambda wait function-active-v2 --function-name obsfn
for i in 1 2 3; do
	aws lambda invoke --function-name obsfn --cli-binary-format raw-in-base64-out \
		--payload "{\"op\":\"print\",\"lines\":[\"hello e2e $i\",\"{\\\"level\\\":\\\"ERROR\\\",\\\"n\\\":$i}\"]}" "$WORK/out.json" >/dev/null
done

step "aws logs describe-log-groups and describe-log-streams"
expect "log group" "$(aws logs describe-log-groups --log-group-name-prefix /aws/lambda/ --query 'logGroups[0].logGroupName' --output text)" "$GROUP"
streams=$(aws logs describe-log-streams --log-group-name "$GROUP" --order-by LastEventTime --descending --query 'length(logStreams)' --output text)
expect "log streams" "$streams" 1
contains "stream name" "$(aws logs describe-log-streams --log-group-name "$GROUP" --query 'logStreams[0].logStreamName' --output text)" '/[$LATEST]'

step "aws logs tail --since 10m --format short"
tailed=$(aws logs tail "$GROUP" --since 10m --format short)
contains "tail" "$tailed" "START RequestId:"
contains "tail" "$tailed" "hello e2e 2"
contains "tail" "$tailed" "REPORT RequestId:"

step "aws logs filter-log-events with term, alternative and JSON patterns"
expect "REPORT lines" "$(aws logs filter-log-events --log-group-name "$GROUP" --filter-pattern REPORT --query 'length(events)' --output text)" 3
expect "hello or END" "$(aws logs filter-log-events --log-group-name "$GROUP" --filter-pattern '?"hello e2e" ?END' --query 'length(events)' --output text)" 6
expect "JSON n > 1" "$(aws logs filter-log-events --log-group-name "$GROUP" --filter-pattern '{ $.level = "ERROR" && $.n > 1 }' --query 'length(events)' --output text)" 2
all=$(aws logs filter-log-events --log-group-name "$GROUP" --query 'events[].eventId' --output text | wc -w)
expect "paged by 2" "$(aws logs filter-log-events --log-group-name "$GROUP" --page-size 2 --query 'events[].eventId' --output text | wc -w)" "$all"

step "aws logs tail --follow sees an invocation made while it runs"
aws logs tail "$GROUP" --follow --since 1m --format short >"$WORK/follow.txt" 2>&1 &
TAIL=$!
sleep 2
aws lambda invoke --function-name obsfn --cli-binary-format raw-in-base64-out \
	--payload '{"op":"print","lines":["followed marker"]}' "$WORK/out.json" >/dev/null
for _ in $(seq 1 30); do
	grep -q "followed marker" "$WORK/follow.txt" && break
	sleep 0.5
done
kill "$TAIL" 2>/dev/null || true
wait "$TAIL" 2>/dev/null || true
TAIL=
contains "followed" "$(cat "$WORK/follow.txt")" "followed marker"

step "aws cloudwatch get-metric-statistics (query protocol)"
START=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
END=$(date -u -d '+5 minutes' +%Y-%m-%dT%H:%M:%SZ)
expect "Invocations" "$(aws cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name Invocations \
	--dimensions Name=FunctionName,Value=obsfn --start-time "$START" --end-time "$END" --period 3900 \
	--statistics Sum --query 'Datapoints[0].Sum' --output text)" 4.0
duration=$(aws cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name Duration \
	--dimensions Name=FunctionName,Value=obsfn --start-time "$START" --end-time "$END" --period 3900 \
	--statistics SampleCount Maximum --extended-statistics p99 --query 'Datapoints[0].[SampleCount, Unit]' --output text)
expect "Duration" "$duration" "$(printf '4.0\tMilliseconds')"
contains "list-metrics" "$(aws cloudwatch list-metrics --namespace AWS/Lambda --dimensions Name=FunctionName,Value=obsfn --query 'Metrics[].MetricName' --output text)" Duration

step "Prometheus /metrics"
contains "/metrics" "$(curl -sf "$ENDPOINT/metrics")" 'nubo_lambda_invocations_total{region="us-east-1",function="obsfn",qualifier=""} 4'

step "nubo cost equals the REPORT lines"
# from_reports prints the requests and MB-ms that the REPORT lines say;
# from_bill what nubo cost says.
from_reports() {
	aws logs filter-log-events --log-group-name "$GROUP" --filter-pattern REPORT --query 'events[].message' --output json |
		$PY -c 'import json,re,sys; r=[re.search(r"Billed Duration: (\d+) ms\tMemory Size: (\d+) MB", m) for m in json.load(sys.stdin)]; print(len(r), sum(int(m[1])*int(m[2]) for m in r))'
}
from_bill() {
	"$WORK/nubo" cost --json | $PY -c 'import json,sys; r=json.load(sys.stdin); f=[f for f in r["functions"] if f["function"]=="obsfn"][0]; print(f["requests"], f["mbMs"])'
}
invocations() {
	aws cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name Invocations \
		--dimensions Name=FunctionName,Value=obsfn --start-time "$START" --end-time "$END" --period 3900 \
		--statistics Sum --query 'Datapoints[0].Sum' --output text
}
want=$(from_reports)
expect "requests and MB-ms" "$(from_bill)" "$want"
bill=$("$WORK/nubo" cost --function obsfn)
contains "nubo cost" "$bill" "obsfn"
contains "nubo cost" "$bill" "free tier used: 4 of 1000000 requests"

step "retention policy"
aws logs put-retention-policy --log-group-name "$GROUP" --retention-in-days 7
expect "retention" "$(aws logs describe-log-groups --log-group-name-prefix "$GROUP" --query 'logGroups[0].retentionInDays' --output text)" 7

step "a graceful restart keeps logs, metrics and the bill"
kill -TERM "$PID"
wait "$PID" || true
start_nubo
expect "REPORT lines and bill after restart" "$(from_reports)" "$want"
expect "bill after restart" "$(from_bill)" "$want"
expect "Invocations after restart" "$(invocations)" 4.0

step "kill -9 loses no finished invocation from the logs or the bill"
aws lambda invoke --function-name obsfn --cli-binary-format raw-in-base64-out --payload '{"op":"sleep","ms":30}' "$WORK/out.json" >/dev/null
kill -KILL "$PID"
wait "$PID" 2>/dev/null || true
start_nubo
want=$(from_reports)
expect "REPORT lines after kill -9" "${want%% *}" 5
expect "bill after kill -9" "$(from_bill)" "$want"

step "done"

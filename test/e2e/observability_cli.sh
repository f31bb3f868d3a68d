#!/usr/bin/env bash
# End-to-end test of logs, metrics and the bill with the real AWS CLI v2
# and nubo's own CLI: `aws logs tail` (and --follow while invoking),
# `aws logs filter-log-events` and `describe-log-streams`, `aws cloudwatch
# get-metric-statistics` (the CLI speaks CloudWatch's query protocol), the
# Prometheus exposition, and `nubo cost`, whose GB-seconds must equal the
# REPORT lines' billed duration x memory. Exits non-zero at the first
# failed step and always stops its server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws
TAIL=

step "build nubo and an aws-lambda-go function"
build_nubo "$WORK/nubo"
mkdir -p "$WORK/go"
(cd "$ROOT" && CGO_ENABLED=0 go build -ldflags='-s -w' -o "$WORK/go/bootstrap" ./internal/engine/testdata/fn)
(cd "$WORK/go" && $PY -m zipfile -c "$WORK/go.zip" bootstrap)

serve() { start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data" --sandbox process; }

step "start nubo on $ENDPOINT"
serve
create_role e2e

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
serve
expect "REPORT lines and bill after restart" "$(from_reports)" "$want"
expect "bill after restart" "$(from_bill)" "$want"
expect "Invocations after restart" "$(invocations)" 4.0

step "kill -9 loses no finished invocation from the logs or the bill"
aws lambda invoke --function-name obsfn --cli-binary-format raw-in-base64-out --payload '{"op":"sleep","ms":30}' "$WORK/out.json" >/dev/null
kill -KILL "$PID"
wait "$PID" 2>/dev/null || true
serve
want=$(from_reports)
expect "REPORT lines after kill -9" "${want%% *}" 5
expect "bill after kill -9" "$(from_bill)" "$want"

step "done"

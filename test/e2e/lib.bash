# shellcheck shell=bash
# What every end-to-end script shares; source it right after
# `set -euo pipefail`. It makes $WORK (removed at exit, with the nubo log
# shown when the script failed), picks a free loopback port for nubo
# ($PORT, $ENDPOINT, $NUBO_ADDR), points the AWS CLI at nothing but test
# credentials, and stops every background job it left, nubo included.

AWS=/usr/bin/aws
PY=/usr/bin/python3 # awscli's own python; a python3 on PATH may be another
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d)
LOG=$WORK/nubo.log
PID= # nubo's

PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
ENDPOINT=http://127.0.0.1:$PORT
export NUBO_ADDR=127.0.0.1:$PORT

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER="" AWS_CONFIG_FILE=$WORK/no-config AWS_SHARED_CREDENTIALS_FILE=$WORK/no-credentials
export AWS_EC2_METADATA_DISABLED=true

step() { printf "\n== [%ss] %s\n" "$SECONDS" "$*"; }
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}
# expect WHAT GOT WANT
expect() {
	[[ "$2" == "$3" ]] || fail "$1: got '$2', want '$3'"
	printf '   ok: %s = %s\n' "$1" "$2"
}
contains() {
	[[ "$2" == *"$3"* ]] || fail "$1: '$2' lacks '$3'"
	printf '   ok: %s contains %s\n' "$1" "$3"
}
matches() {
	[[ "$2" =~ $3 ]] || fail "$1: '$2' does not match $3"
	printf '   ok: %s = %s\n' "$1" "$2"
}
# refused CMD... runs a command that must fail, and prints its error.
refused() {
	local out
	if out=$("$@" 2>&1); then
		fail "succeeded: $*"
	fi
	printf '%s' "$out"
}
require_aws() {
	[[ -x "$AWS" ]] || fail "$AWS is missing; install Debian's awscli (scripts/test does)"
}

# build_nubo DEST puts the nubo binary at DEST: a copy of $NUBO_BIN when
# scripts/test built one for every script, else built from this checkout.
build_nubo() {
	if [[ -n "${NUBO_BIN:-}" ]]; then
		cp "$NUBO_BIN" "$1"
	else
		(cd "$ROOT" && go build -o "$1" ./cmd/nubo)
	fi
}

# start_nubo CMD...: starts CMD (a nubo serve) in the background, logging
# to $LOG, and waits until it answers on $ENDPOINT.
start_nubo() {
	"$@" >>"$LOG" 2>&1 &
	PID=$!
	for _ in $(seq 1 300); do
		curl -s -o /dev/null "$ENDPOINT/" && return
		kill -0 "$PID" 2>/dev/null || fail "nubo exited while starting"
		sleep 0.1
	done
	fail "nubo did not answer on $ENDPOINT within 30s"
}
stop_nubo() {
	if [[ -n "$PID" ]]; then
		kill -TERM "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
		PID=
	fi
}

# create_role NAME [SERVICE...]: an execution role that the services
# (Lambda unless named) may assume, allowed everything (the scripts'
# functions send their destinations' records as their role, state
# machines' tasks and schedules call as theirs). nubo keeps it across
# restarts.
create_role() {
	local services
	services=$($PY -c 'import json,sys; print(json.dumps(sys.argv[1:] or ["lambda.amazonaws.com"]))' "${@:2}")
	"$AWS" --endpoint-url "$ENDPOINT" iam create-role --role-name "$1" --assume-role-policy-document \
		'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":'"$services"'},"Action":"sts:AssumeRole"}]}' >/dev/null
	"$AWS" --endpoint-url "$ENDPOINT" iam put-role-policy --role-name "$1" --policy-name all \
		--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
}

# from_topic QUEUE TOPIC_ARN: the queue Policy attribute (as --attributes
# JSON) that lets SNS deliver the topic's messages to QUEUE, as AWS requires.
from_topic() {
	$PY -c 'import json,sys; q,t=sys.argv[1:]; print(json.dumps({"Policy": json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":q,"Condition":{"ArnEquals":{"aws:SourceArn":t}}}]})}))' "$1" "$2"
}

# from_source QUEUE SERVICE SOURCE_ARN: the queue Policy attribute (as
# --attributes JSON) that lets SERVICE deliver to QUEUE (an ARN) for the
# resource SOURCE_ARN (an EventBridge rule, an S3 bucket), as AWS requires.
from_source() {
	$PY -c 'import json,sys; q,s,a=sys.argv[1:]; print(json.dumps({"Policy": json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":s},"Action":"sqs:SendMessage","Resource":q,"Condition":{"ArnEquals":{"aws:SourceArn":a}}}]})}))' "$1" "$2" "$3"
}

# on_exit is a script's own clean-up, run at exit before $WORK goes.
on_exit() { :; }
cleanup() {
	status=$?
	trap - EXIT
	# Other jobs first: they may be calling nubo.
	jobs -p | grep -vx "${PID:-none}" | xargs -r kill 2>/dev/null || true
	stop_nubo
	wait 2>/dev/null || true
	on_exit
	if [[ $status -ne 0 && -f "$LOG" ]]; then
		echo "--- nubo log ---" >&2
		tail -n 50 "$LOG" >&2
	fi
	rm -rf "$WORK"
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

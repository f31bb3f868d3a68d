#!/usr/bin/env bash
# End-to-end test of the managed runtimes (Python, Node.js, Java, Ruby) and
# the custom ones (aws-lambda-go and a shell bootstrap on provided.al2023)
# with the real AWS CLI v2: the handlers under test/e2e/runtimes are deployed
# through the Lambda API and invoked with `aws lambda invoke`. For every
# runtime it checks an echo with Unicode in and out, environment variables,
# every context field, the remaining time decreasing, /tmp and module state
# kept across warm invokes, a handled error object, an unhandled error as
# that language's AWS runtime reports it, a 6 MB response, module state gone
# after a configuration update, a timeout, an import error and a missing
# handler. The runtimes run side by side; the script exits non-zero at the
# first failed check and always stops its server.
#
# SANDBOX=process|linux picks the sandbox driver (default: as nubo serve,
# linux as root); RUNTIMES="python go" runs only those (of python node java
# ruby go shell).
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws
SRC=$ROOT/test/e2e/runtimes
TMPFILE=nubo-e2e-$$ # a per-run name for the files the functions write to /tmp
on_exit() { rm -rf /tmp/"$TMPFILE"-*; }
for tool in node ruby java javac; do
	command -v "$tool" >/dev/null || fail "$tool is missing; scripts/test installs it"
done

# ---------------------------------------------------------------- packages

step "build nubo and the function packages"
build_nubo "$WORK/nubo"
mkdir -p "$WORK/zip" "$WORK/go" "$WORK/go-main" "$WORK/java"
zipdir() { (cd "$1" && shift && $PY -m zipfile -c "$@"); }
zipdir "$SRC/python" "$WORK/zip/python.zip" app.py broken.py
zipdir "$SRC/node" "$WORK/zip/node.zip" app.mjs broken.mjs
zipdir "$SRC/ruby" "$WORK/zip/ruby.zip" app.rb broken.rb
zipdir "$SRC/shell" "$WORK/zip/shell.zip" bootstrap function.sh
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$WORK/go/bootstrap" ./test/e2e/runtimes/go)
zipdir "$WORK/go" "$WORK/zip/go.zip" bootstrap
# The go1.x layout, a binary not named bootstrap, is not a custom runtime.
cp "$WORK/go/bootstrap" "$WORK/go-main/main"
zipdir "$WORK/go-main" "$WORK/zip/go-main.zip" main
# Plain javac against nubo's copy of aws-lambda-java-core's interfaces
# (-implicit:none keeps them out of the package, as a provided jar would be).
javac --release 17 -encoding UTF-8 -implicit:none -sourcepath "$ROOT/internal/runtimes/clients/java" \
	-d "$WORK/java" "$SRC"/java/src/e2e/*.java
zipdir "$WORK/java" "$WORK/zip/java.zip" e2e

step "start nubo on $ENDPOINT (sandbox: ${SANDBOX:-default})"
start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data" ${SANDBOX:+--sandbox "$SANDBOX"}
create_role e2e
DRIVER=${SANDBOX:-process}
if [[ -z "${SANDBOX:-}" && $(id -u) -eq 0 ]] && ! grep -q "linux sandbox driver cannot run here" "$LOG"; then
	DRIVER=linux
fi
echo "sandbox driver: $DRIVER"

lambda() { "$AWS" --endpoint-url "$ENDPOINT" lambda "$@"; }
ROLE=arn:aws:iam::000000000000:role/e2e
TEXT='héllo wörld ✓ 日本語 🚀'
UPPER='HÉLLO WÖRLD ✓ 日本語 🚀'
GREETING='grüß dich'

# invoke FUNCTION PAYLOAD OUT [ARGS...]: prints StatusCode and FunctionError
# (None when there is none), then any further --query fields.
invoke() {
	local fn=$1 payload=$2 out=$3
	shift 3
	lambda invoke --function-name "$fn" --cli-binary-format raw-in-base64-out --payload "$payload" \
		--query '[StatusCode, FunctionError]' --output text "$@" "$out"
}

# invoked FUNCTION PAYLOAD OUT WANT [ARGS...]: invokes and checks the status
# and FunctionError, showing the answer when they are not as wanted.
invoked() {
	local fn=$1 payload=$2 out=$3 want=$4 got
	shift 4
	got=$(invoke "$fn" "$payload" "$out" "$@") || fail "aws lambda invoke $fn failed"
	[[ "$got" == "$want" ]] || fail "invoke $fn: got '$got', want '$want'; answer: $(head -c 2000 "$out")"
	printf '   ok: invoke %s = %s\n' "$fn" "$got"
}

# load FILE: reads a JSON answer into J, flattened: J[ctx.functionName],
# J[ctx.remaining.0], J[stackTrace.#] (a list's length); null is "null".
# Read it as ${J[key]-(absent)}.
declare -A J
load() {
	J=()
	local key value
	while IFS=$'\t' read -r key value; do
		J[$key]=$value
	done < <(PYTHONIOENCODING=utf-8 $PY - "$1" <<'EOF'
import json, sys

def walk(path, v):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(path + [k], x)
        return
    if isinstance(v, list):
        print(".".join(path + ["#"]) + "\t" + str(len(v)))
        for i, x in enumerate(v):
            walk(path + [str(i)], x)
        return
    text = "null" if v is None else v if isinstance(v, str) else json.dumps(v)
    print(".".join(path) + "\t" + text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t"))

walk([], json.load(open(sys.argv[1], encoding="utf-8")))
EOF
	)
}

# ---------------------------------------------------------------- runtimes

# Each runtime's handler, packages, and what its AWS runtime reports.
declare -A RUNTIME HANDLER FAIL_TYPE TRACE IMPORT_HANDLER IMPORT_ZIP IMPORT_TYPE IMPORT_MESSAGE \
	MISSING_HANDLER MISSING_ZIP MISSING_TYPE MISSING_MESSAGE LOGS_REQUEST_ID
read -r -a KEYS <<<"${RUNTIMES:-python node java ruby go shell}"

RUNTIME[python]=python3.12 HANDLER[python]=app.handler FAIL_TYPE[python]=ValidationError TRACE[python]=stackTrace
IMPORT_HANDLER[python]=broken.handler IMPORT_TYPE[python]=Runtime.ImportModuleError
IMPORT_MESSAGE[python]="Unable to import module 'broken': No module named 'not_a_packaged_dependency'"
MISSING_HANDLER[python]=app.nope MISSING_TYPE[python]=Runtime.HandlerNotFound
MISSING_MESSAGE[python]="Handler 'nope' missing on module 'app'"

# As on AWS, only CommonJS's MODULE_NOT_FOUND is Runtime.ImportModuleError:
# an ES module's missing package is a plain Error (ERR_MODULE_NOT_FOUND).
RUNTIME[node]=nodejs20.x HANDLER[node]=app.handler FAIL_TYPE[node]=ValidationError TRACE[node]=trace
IMPORT_HANDLER[node]=broken.handler IMPORT_TYPE[node]=Error
IMPORT_MESSAGE[node]="Cannot find package 'not-a-packaged-dependency'"
MISSING_HANDLER[node]=app.nope MISSING_TYPE[node]=Runtime.HandlerNotFound
MISSING_MESSAGE[node]="app.nope is undefined or not exported"

# AWS's Java runtime reports a handler it cannot find with only an
# errorMessage.
RUNTIME[java]=java17 HANDLER[java]=e2e.Handler::handleRequest FAIL_TYPE[java]=e2e.ValidationException TRACE[java]=stackTrace
IMPORT_HANDLER[java]=e2e.Missing::handleRequest IMPORT_TYPE[java]=java.lang.ClassNotFoundException
IMPORT_MESSAGE[java]="Class not found: e2e.Missing"
MISSING_HANDLER[java]=e2e.Handler::nope MISSING_TYPE[java]="(absent)"
MISSING_MESSAGE[java]="No public method named nope with appropriate method signature found on class e2e.Handler"

RUNTIME[ruby]=ruby3.2 HANDLER[ruby]=app.handler FAIL_TYPE[ruby]='Function<ValidationError>' TRACE[ruby]=stackTrace
IMPORT_HANDLER[ruby]=broken.handler IMPORT_TYPE[ruby]='Init<LoadError>'
IMPORT_MESSAGE[ruby]="cannot load such file -- not_a_packaged_dependency"
MISSING_HANDLER[ruby]=app.nope MISSING_TYPE[ruby]='Function<NoMethodError>'
MISSING_MESSAGE[ruby]="undefined method \`nope'"

# aws-lambda-go names an error by its Go type; a Go function fails its Init
# by exiting (here: its GREETING is not configured), and a package without
# a bootstrap (the go1.x layout) has no entry point.
RUNTIME[go]=provided.al2023 HANDLER[go]=bootstrap FAIL_TYPE[go]=errorString TRACE[go]=
IMPORT_HANDLER[go]=bootstrap IMPORT_TYPE[go]=Runtime.ExitError IMPORT_MESSAGE[go]="exit status 1"
MISSING_HANDLER[go]=bootstrap MISSING_ZIP[go]=$WORK/zip/go-main.zip MISSING_TYPE[go]=Runtime.InvalidEntrypoint
MISSING_MESSAGE[go]="Couldn't find valid bootstrap(s)"

# The shell bootstrap reports its own init errors through /init/error.
RUNTIME[shell]=provided.al2023 HANDLER[shell]=function.handler FAIL_TYPE[shell]=ValidationError TRACE[shell]=
IMPORT_HANDLER[shell]=missing.handler IMPORT_TYPE[shell]=Runtime.ImportModuleError
IMPORT_MESSAGE[shell]="Unable to import module 'missing'"
MISSING_HANDLER[shell]=function.nope MISSING_TYPE[shell]=Runtime.HandlerNotFound
MISSING_MESSAGE[shell]="Handler 'nope' missing on module 'function'"

# Python, Node.js and Ruby put the request id in each log line.
LOGS_REQUEST_ID[python]=1 LOGS_REQUEST_ID[node]=1 LOGS_REQUEST_ID[ruby]=1

TIMEOUT=10 # generous: a busy machine runs 6 MB answers and cold starts slowly
BIG=$((6 * 1024 * 1024 - 1024)) # a JSON string just under the 6 MB limit
CLIENT_CONTEXT=$(printf '{"custom":{"team":"nubo ✓"},"env":{"platform":"e2e"}}' | base64 -w0)

create() { # NAME KEY HANDLER ZIP [ENVIRONMENT]
	local args=()
	[[ -n "${5:-}" ]] && args=(--environment "$5")
	lambda create-function --function-name "$1" --runtime "${RUNTIME[$2]}" --handler "$3" --role "$ROLE" \
		--zip-file "fileb://$4" --memory-size 256 --timeout "$TIMEOUT" "${args[@]}" --query State --output text >/dev/null
}

environment() { printf '{"Variables":{"GREETING":"%s"}}' "$1"; }

# inspect_checks KEY FUNCTION GREETING: the checks every inspect answer
# passes.
inspect_checks() {
	local key=$1 fn=$2
	expect "text (Unicode in and out)" "${J[text]-(absent)}" "$TEXT"
	if [[ $key != shell ]]; then
		expect "text upper-cased by the handler" "${J[upper]-(absent)}" "$UPPER"
	fi
	expect "env GREETING" "${J[env.GREETING]-(absent)}" "$3"
	expect "env AWS_LAMBDA_FUNCTION_NAME" "${J[env.AWS_LAMBDA_FUNCTION_NAME]-(absent)}" "$fn"
	expect "env AWS_REGION" "${J[env.AWS_REGION]-(absent)}" us-east-1
	expect "env _HANDLER" "${J[env._HANDLER]-(absent)}" "${HANDLER[$key]}"
	if [[ ${RUNTIME[$key]} == provided.* ]]; then
		expect "env AWS_EXECUTION_ENV" "${J[env.AWS_EXECUTION_ENV]-(absent)}" null
	else
		expect "env AWS_EXECUTION_ENV" "${J[env.AWS_EXECUTION_ENV]-(absent)}" "AWS_Lambda_${RUNTIME[$key]}"
	fi
	if [[ $DRIVER == linux ]]; then
		expect "env LAMBDA_TASK_ROOT" "${J[env.LAMBDA_TASK_ROOT]-(absent)}" /var/task
	fi
	matches "context request id" "${J[ctx.requestId]-(absent)}" '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
	expect "context function name" "${J[ctx.functionName]-(absent)}" "$fn"
	expect "context function version" "${J[ctx.functionVersion]-(absent)}" '$LATEST'
	expect "context invoked function ARN" "${J[ctx.invokedFunctionArn]-(absent)}" "arn:aws:lambda:us-east-1:000000000000:function:$fn"
	expect "context memory limit" "${J[ctx.memoryLimitInMB]-(absent)}" 256
	expect "context log group" "${J[ctx.logGroupName]-(absent)}" "/aws/lambda/$fn"
	matches "context log stream" "${J[ctx.logStreamName]-(absent)}" '^[0-9]{4}/[0-9]{2}/[0-9]{2}/\[\$LATEST\][0-9a-f]{32}$'
	matches "context identity (none without Cognito)" "${J[ctx.identityId]-(absent)}" '^(null|)$'
	expect "context client context" "${J[ctx.clientCustom.team]-(absent)}" "nubo ✓"
	local first=${J[ctx.remaining.0]-(absent)} second=${J[ctx.remaining.1]-(absent)}
	((first > 0 && first <= TIMEOUT * 1000)) || fail "remaining time $first is not within the ${TIMEOUT}s timeout"
	((second < first && second > 0)) || fail "remaining time did not decrease over 50 ms: $first, then $second"
	printf '   ok: remaining time decreases: %s ms, then %s ms\n' "$first" "$second"
}

# check KEY: every check of one runtime, on its three functions.
check() {
	local key=$1 fn=$1-fn out=$WORK/$1
	mkdir -p "$out"
	local payload="{\"op\":\"inspect\",\"text\":\"$TEXT\",\"file\":\"$TMPFILE-$key\"}"

	step "$key: create the ${RUNTIME[$key]} function (handler ${HANDLER[$key]})"
	create "$fn" "$key" "${HANDLER[$key]}" "$WORK/zip/$key.zip" "$(environment "$GREETING")"
	# The functions that fail to start are deployed with nubo's own client,
	# which waits until they are Active: the AWS CLI costs a second a call.
	local settings=(--addr "127.0.0.1:$PORT" --runtime "${RUNTIME[$key]}" --memory 256 --timeout "$TIMEOUT")
	[[ $key == go ]] || settings+=(--env "GREETING=$GREETING")
	"$WORK/nubo" deploy "${IMPORT_ZIP[$key]:-$WORK/zip/$key.zip}" --name "$key-import" \
		--handler "${IMPORT_HANDLER[$key]}" "${settings[@]}" >/dev/null
	"$WORK/nubo" deploy "${MISSING_ZIP[$key]:-$WORK/zip/$key.zip}" --name "$key-missing" \
		--handler "${MISSING_HANDLER[$key]}" "${settings[@]}" >/dev/null
	lambda wait function-active-v2 --function-name "$fn"

	step "$key: cold invoke: echo, Unicode, environment, context, remaining time, /tmp write"
	local result status ferr tail
	result=$(invoke "$fn" "$payload" "$out/inspect1.json" --log-type Tail --client-context "$CLIENT_CONTEXT" \
		--query '[StatusCode, FunctionError, LogResult]')
	read -r status ferr tail <<<"$result"
	[[ "$status $ferr" == "200 None" ]] ||
		fail "invoke $fn: got '$status $ferr'; answer: $(head -c 2000 "$out/inspect1.json"); its log tail:"$'\n'"$(base64 -d <<<"$tail" 2>&1)"
	printf '   ok: invoke %s = %s\n' "$fn" "$status $ferr"
	load "$out/inspect1.json"
	inspect_checks "$key" "$fn" "$GREETING"
	expect "module state: invocations" "${J[count]-(absent)}" 1
	expect "/tmp before the first write" "${J[tmpBefore]-(absent)}" null
	local initID=${J[initId]-(absent)} requestID=${J[ctx.requestId]-(absent)}
	local logs
	logs=$(base64 -d <<<"$tail")
	contains "log tail" "$logs" "START RequestId: $requestID"
	local line
	line=$(grep -F "inspect $TEXT" <<<"$logs") || fail "log tail lacks the handler's line 'inspect $TEXT':"$'\n'"$logs"
	if [[ -n "${LOGS_REQUEST_ID[$key]:-}" ]]; then
		contains "handler's log line" "$line" "$requestID"
	fi

	step "$key: a 6 MB response"
	invoked "$fn" "{\"op\":\"big\",\"n\":$BIG}" "$out/big.json" "200	None"
	expect "response size" "$(stat -c %s "$out/big.json")" $((BIG + 2))
	expect "response start" "$(head -c 6 "$out/big.json")" '"xxxxx'

	step "$key: a handled error object is a response"
	invoked "$fn" '{"op":"handled"}' "$out/handled.json" "200	None"
	load "$out/handled.json"
	expect "errorType" "${J[errorType]-(absent)}" ValidationError
	expect "errorMessage" "${J[errorMessage]-(absent)}" "name is required ✗"

	step "$key: an unhandled error"
	invoked "$fn" '{"op":"fail"}' "$out/fail.json" "200	Unhandled"
	load "$out/fail.json"
	expect "errorType" "${J[errorType]-(absent)}" "${FAIL_TYPE[$key]}"
	expect "errorMessage" "${J[errorMessage]-(absent)}" "boom ✗"
	if [[ -n "${TRACE[$key]}" ]]; then
		local n=${J[${TRACE[$key]}.#]:-0}
		((n > 0)) || fail "${TRACE[$key]} is missing or empty in $(cat "$out/fail.json")"
		printf '   ok: %s has %s lines\n' "${TRACE[$key]}" "$n"
	fi

	step "$key: warm invoke: module state and /tmp kept"
	invoked "$fn" "$payload" "$out/inspect2.json" "200	None" --client-context "$CLIENT_CONTEXT"
	load "$out/inspect2.json"
	expect "module state: same environment" "${J[initId]-(absent)}" "$initID"
	expect "module state: invocations" "${J[count]-(absent)}" 5
	expect "/tmp written by the first invoke" "${J[tmpBefore]-(absent)}" "$TEXT"
	[[ "${J[ctx.requestId]-(absent)}" != "$requestID" ]] || fail "two invokes had the same request id $requestID"
	inspect_checks "$key" "$fn" "$GREETING"

	step "$key: a configuration update starts a new environment"
	lambda update-function-configuration --function-name "$fn" --environment "$(environment "second ✓")" >/dev/null
	lambda wait function-updated-v2 --function-name "$fn"
	invoked "$fn" "$payload" "$out/inspect3.json" "200	None" --client-context "$CLIENT_CONTEXT"
	load "$out/inspect3.json"
	[[ "${J[initId]-(absent)}" != "$initID" ]] || fail "the module state survived the update (init id $initID)"
	printf '   ok: module state: new init id %s\n' "${J[initId]-(absent)}"
	expect "module state: invocations" "${J[count]-(absent)}" 1
	inspect_checks "$key" "$fn" "second ✓"
	if [[ $DRIVER == linux ]]; then
		# The process driver shares the host's /tmp; the linux driver gives
		# each environment its own, as Lambda does.
		expect "/tmp of the new environment" "${J[tmpBefore]-(absent)}" null
	fi

	step "$key: a timeout"
	invoked "$fn" '{"op":"sleep","seconds":60}' "$out/timeout.json" "200	Unhandled"
	load "$out/timeout.json"
	expect "errorType" "${J[errorType]-(absent)}" Sandbox.Timedout
	contains "errorMessage" "${J[errorMessage]-(absent)}" "Task timed out after $TIMEOUT.00 seconds"

	step "$key: an import error"
	invoked "$key-import" '{}' "$out/import.json" "200	Unhandled"
	load "$out/import.json"
	expect "errorType" "${J[errorType]-(absent)}" "${IMPORT_TYPE[$key]}"
	contains "errorMessage" "${J[errorMessage]-(absent)}" "${IMPORT_MESSAGE[$key]}"

	step "$key: a missing handler"
	invoked "$key-missing" '{}' "$out/missing.json" "200	Unhandled"
	load "$out/missing.json"
	expect "errorType" "${J[errorType]-(absent)}" "${MISSING_TYPE[$key]}"
	contains "errorMessage" "${J[errorMessage]-(absent)}" "${MISSING_MESSAGE[$key]}"

	step "$key: passed"
}

# The runtimes run side by side, each logging to its own file; the logs are
# printed in order once all have finished.
declare -A JOB
for key in "${KEYS[@]}"; do
	check "$key" >"$WORK/$key.log" 2>&1 &
	JOB[$key]=$!
done
failed=()
for key in "${KEYS[@]}"; do
	wait "${JOB[$key]}" || failed+=("$key")
done
for key in "${KEYS[@]}"; do
	cat "$WORK/$key.log"
done
[[ ${#failed[@]} -eq 0 ]] || fail "runtimes that failed: ${failed[*]}"

step "done: ${KEYS[*]} on the $DRIVER driver"

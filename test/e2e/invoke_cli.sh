#!/usr/bin/env bash
# End-to-end test of synchronous invocation with the real AWS CLI v2 and
# nubo's own CLI: an aws-lambda-go function and a shell bootstrap that speaks
# the Runtime API with curl, function errors, timeouts, log tails, versions,
# and `nubo invoke` / `nubo logs`. Exits non-zero at the first failed step
# and always stops its server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws

step "build nubo and the functions"
build_nubo "$WORK/nubo"
mkdir -p "$WORK/go" "$WORK/sh"
(cd "$ROOT" && CGO_ENABLED=0 go build -ldflags='-s -w' -o "$WORK/go/bootstrap" ./internal/engine/testdata/fn)
cat >"$WORK/sh/bootstrap" <<'EOF'
#!/bin/sh
set -eu
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "handling $REQUEST_ID"
  curl -sS -o /dev/null "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" -d "{\"echo\": $EVENT}"
done
EOF
chmod +x "$WORK/sh/bootstrap"
(cd "$WORK/go" && $PY -m zipfile -c "$WORK/go.zip" bootstrap)
(cd "$WORK/sh" && $PY -m zipfile -c "$WORK/sh.zip" bootstrap)

step "start nubo on $ENDPOINT"
start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data"
create_role e2e

lambda() { "$AWS" --endpoint-url "$ENDPOINT" lambda "$@"; }
ROLE=arn:aws:iam::000000000000:role/e2e

step "create an aws-lambda-go function and a shell-bootstrap function"
lambda create-function --function-name gofn --runtime provided.al2023 --handler bootstrap --role "$ROLE" \
	--zip-file "fileb://$WORK/go.zip" --timeout 1 >/dev/null
# The shell bootstrap runs curl for each exchange: Lambda's default 3 s
# timed out on a machine loaded 15 times over its cores.
lambda create-function --function-name shfn --runtime provided.al2 --handler bootstrap --role "$ROLE" \
	--zip-file "fileb://$WORK/sh.zip" --timeout 30 >/dev/null
lambda wait function-active-v2 --function-name gofn
lambda wait function-active-v2 --function-name shfn

step "aws lambda invoke (Go) with a log tail"
out=$(lambda invoke --function-name gofn --cli-binary-format raw-in-base64-out \
	--payload '{"op":"print","lines":["hello from go"],"value":"v1"}' --log-type Tail \
	--query '[StatusCode, ExecutedVersion, LogResult]' --output text "$WORK/out.json")
read -r status version tail <<<"$out"
expect "StatusCode" "$status" 200
expect "ExecutedVersion" "$version" '$LATEST'
logs=$(echo "$tail" | base64 -d)
contains "log tail" "$logs" "INIT_START Runtime Version:"
contains "log tail" "$logs" "hello from go"
contains "log tail" "$logs" "REPORT RequestId:"
expect "payload value" "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["value"])' "$WORK/out.json")" v1

step "a function error is a 200 with FunctionError"
expect "error invoke" "$(lambda invoke --function-name gofn --cli-binary-format raw-in-base64-out \
	--payload '{"op":"error","value":"bad"}' --query '[StatusCode, FunctionError]' --output text "$WORK/err.json")" "$(printf '200\tUnhandled')"
expect "error body" "$(cat "$WORK/err.json")" '{"errorMessage":"boom: bad","errorType":"errorString"}'

step "a timeout is Sandbox.Timedout"
lambda invoke --function-name gofn --cli-binary-format raw-in-base64-out --payload '{"op":"sleep","ms":3000}' \
	--query FunctionError --output text "$WORK/timeout.json" >/dev/null
contains "timeout body" "$(cat "$WORK/timeout.json")" '"errorType":"Sandbox.Timedout"'
contains "timeout body" "$(cat "$WORK/timeout.json")" 'Task timed out after 1.00 seconds'

step "the shell bootstrap answers through curl"
lambda invoke --function-name shfn --cli-binary-format raw-in-base64-out --payload '{"n":1}' "$WORK/sh.json" >/dev/null
expect "shell answer" "$(cat "$WORK/sh.json")" '{"echo": {"n":1}}'

step "publish a version and invoke it by qualifier"
lambda publish-version --function-name gofn >/dev/null
expect "ExecutedVersion" "$(lambda invoke --function-name gofn --qualifier 1 --query ExecutedVersion --output text "$WORK/v.json")" 1

step "nubo invoke and nubo logs"
expect "nubo invoke" "$("$WORK/nubo" invoke shfn --payload '{"n":2}')" '{"echo": {"n":2}}'
shlogs=$("$WORK/nubo" logs shfn)
contains "nubo logs" "$shlogs" "START RequestId:"
contains "nubo logs" "$shlogs" "handling "
contains "nubo logs" "$shlogs" "END RequestId:"

step "done"

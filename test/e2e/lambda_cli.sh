#!/usr/bin/env bash
# End-to-end test of nubo's Lambda control plane with the real AWS CLI v2.
#
# Builds nubo, serves it on a free loopback port over a temporary data
# directory, and drives it with /usr/bin/aws (Debian's awscli; an `aws` found
# on PATH may be another version). nubo is restarted in the middle and must
# have kept everything. Exits non-zero at the first failed step and always
# stops its server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws
DATA=$WORK/data

# tab joins its arguments with tabs, as --output text prints a row.
tab() {
	local IFS=$'\t'
	echo "$*"
}

step "build nubo"
build_nubo "$WORK/nubo"

serve() { start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$DATA"; }

lambda() { "$AWS" --endpoint-url "$ENDPOINT" lambda "$@"; }

# fails CODE CMD...: CMD must fail with the AWS error CODE.
fails() {
	local code=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded; want $code"
	fi
	[[ "$out" == *"($code)"* ]] || fail "'$*': got '$out', want $code"
	printf '   ok: %s\n' "$code"
}

# sha256_b64 FILE prints base64(sha256(FILE)), as CodeSha256.
sha256_b64() { $PY -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"; }

# check_code SHA NAME [QUALIFIER]: GetFunction shows an Active function with
# CodeSha256 SHA, and its Code.Location serves a zip with that sha256.
check_code() {
	local want=$1 args=(--function-name "$2")
	[[ $# -gt 2 ]] && args+=(--qualifier "$3")
	local out location sha state
	out=$(lambda get-function "${args[@]}" --query '[Code.Location, Configuration.CodeSha256, Configuration.State]' --output text)
	read -r location sha state <<<"$out"
	expect "CodeSha256 and State of ${*:2}" "$(tab "$sha" "$state")" "$(tab "$want" Active)"
	curl -sf -o "$WORK/download.zip" "$location" || fail "download $location"
	expect "sha256 of the download" "$(sha256_b64 "$WORK/download.zip")" "$want"
}

step "start nubo on $ENDPOINT"
serve
create_role e2e

step "create-function (a zip with a shell bootstrap)"
mkdir -p "$WORK/v1" "$WORK/v2"
printf '#!/bin/sh\necho one\n' >"$WORK/v1/bootstrap"
printf '#!/bin/sh\necho two\n' >"$WORK/v2/bootstrap"
chmod +x "$WORK/v1/bootstrap" "$WORK/v2/bootstrap"
(cd "$WORK/v1" && $PY -m zipfile -c "$WORK/v1.zip" bootstrap)
(cd "$WORK/v2" && $PY -m zipfile -c "$WORK/v2.zip" bootstrap)
SHA1=$(sha256_b64 "$WORK/v1.zip")
SHA2=$(sha256_b64 "$WORK/v2.zip")
ROLE=arn:aws:iam::000000000000:role/e2e
ARN=arn:aws:lambda:us-east-1:000000000000:function:e2e
expect "create-function" "$(lambda create-function --function-name e2e --runtime provided.al2023 --handler bootstrap --role "$ROLE" \
	--zip-file "fileb://$WORK/v1.zip" --environment 'Variables={STAGE=one}' \
	--query '[State, CodeSha256, FunctionArn]' --output text)" "$(tab Pending "$SHA1" "$ARN")"
fails InvalidParameterValueException lambda create-function --function-name bad-runtime --runtime python2.7 --handler x \
	--role "$ROLE" --zip-file "fileb://$WORK/v1.zip"

step "wait function-active-v2, get-function and download Code.Location"
lambda wait function-active-v2 --function-name e2e
check_code "$SHA1" e2e

step "publish-version"
expect "version" "$(lambda publish-version --function-name e2e --query Version --output text)" "1"
expect "version of an unchanged \$LATEST" "$(lambda publish-version --function-name e2e --query Version --output text)" "1"

step "list-functions with paging"
pids=()
for i in 1 2 3; do
	lambda create-function --function-name "e2e-page-$i" --runtime provided.al2023 --handler bootstrap --role "$ROLE" \
		--zip-file "fileb://$WORK/v1.zip" --query FunctionName --output text >/dev/null &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid" || fail "create-function e2e-page-*"
done
first=$(lambda list-functions --max-items 3 --page-size 2 --output json)
expect "first page" "$($PY -c 'import json, sys; print(" ".join(f["FunctionName"] for f in json.load(sys.stdin)["Functions"]))' <<<"$first")" \
	"e2e e2e-page-1 e2e-page-2"
token=$($PY -c 'import json, sys; print(json.load(sys.stdin)["NextToken"])' <<<"$first")
expect "second page" "$(lambda list-functions --max-items 3 --page-size 2 --starting-token "$token" --query 'Functions[].FunctionName' --output text)" \
	"e2e-page-3"

step "update-function-code --publish, wait function-updated-v2"
expect "update-function-code" "$(lambda update-function-code --function-name e2e --zip-file "fileb://$WORK/v2.zip" --publish \
	--query '[Version, CodeSha256]' --output text)" "$(tab 2 "$SHA2")"
lambda wait function-updated-v2 --function-name e2e
check_code "$SHA2" e2e

step "update-function-configuration, wait function-updated-v2"
expect "LastUpdateStatus" "$(lambda update-function-configuration --function-name e2e --memory-size 256 --timeout 30 \
	--environment 'Variables={STAGE=two,COLOR=blue}' --query LastUpdateStatus --output text)" "InProgress"
lambda wait function-updated-v2 --function-name e2e
fails ValidationException lambda update-function-configuration --function-name e2e --timeout 901
expect "publish-version" "$(lambda publish-version --function-name e2e --description third \
	--query '[Version, MemorySize, Timeout, Environment.Variables.STAGE]' --output text)" "$(tab 3 256 30 two)"

step "create-alias with routing weights"
expect "create-alias" "$(lambda create-alias --function-name e2e --name live --function-version 2 \
	--routing-config 'AdditionalVersionWeights={1=0.3}' \
	--query '[AliasArn, FunctionVersion, RoutingConfig.AdditionalVersionWeights."1"]' --output text)" "$(tab "$ARN:live" 2 0.3)"

step "tag-resource (list-tags after the restart)"
lambda tag-resource --resource "$ARN" --tags team=core,env=test

step "put-function-concurrency"
expect "reserved" "$(lambda put-function-concurrency --function-name e2e --reserved-concurrent-executions 5 \
	--query ReservedConcurrentExecutions --output text)" "5"

step "restart nubo on the same data directory"
stop_nubo
serve
expect "get-function-configuration" "$(lambda get-function-configuration --function-name e2e --output text \
	--query '[State, MemorySize, Environment.Variables.COLOR]')" "$(tab Active 256 blue)"
expect "get-function-concurrency" "$(lambda get-function-concurrency --function-name e2e --query ReservedConcurrentExecutions --output text)" "5"
expect "list-tags" "$(lambda list-tags --resource "$ARN" --query 'Tags.[env, team]' --output text)" "$(tab test core)"
check_code "$SHA2" e2e
check_code "$SHA1" e2e 1
expect "versions" "$(lambda list-versions-by-function --function-name e2e --query 'Versions[].Version' --output text)" "$(tab '$LATEST' 1 2 3)"
expect "alias" "$(lambda get-alias --function-name e2e --name live --query '[FunctionVersion, RoutingConfig.AdditionalVersionWeights."1"]' --output text)" \
	"$(tab 2 0.3)"
expect "functions" "$(lambda list-functions --query 'Functions[].FunctionName' --output text)" "$(tab e2e e2e-page-1 e2e-page-2 e2e-page-3)"

step "delete-function with and without --qualifier"
fails ResourceConflictException lambda delete-function --function-name e2e --qualifier 1
lambda delete-function --function-name e2e --qualifier 3
expect "versions" "$(lambda list-versions-by-function --function-name e2e --query 'Versions[].Version' --output text)" "$(tab '$LATEST' 1 2)"
lambda delete-function --function-name e2e
fails ResourceNotFoundException lambda get-function --function-name e2e
expect "functions" "$(lambda list-functions --query 'Functions[].FunctionName' --output text)" "$(tab e2e-page-1 e2e-page-2 e2e-page-3)"

printf '\nPASS: %s\n' "$(basename "$0")"

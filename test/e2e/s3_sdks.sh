#!/usr/bin/env bash
# End-to-end test of S3 with boto3 and the JavaScript SDK v3, as their
# users run them: boto3's upload_file and download_file (multipart, with
# threads), presigned GET and presigned POST from a form; the JavaScript
# SDK's lib-storage Upload (multipart), streamed PutObject (aws-chunked
# with a CRC32 trailer, the v3 default), presigned URLs and POSTs,
# listings and versioned deletes. boto3 runs as Debian's python3-boto3
# and, when one is on PATH, as a current boto3 (1.36 and later send CRC
# checksums in aws-chunked trailers by default). The JavaScript packages
# are installed with npm into a cache directory when missing
# (NUBO_JS_CACHE, default ~/.cache/nubo/js-sdk-s3). Exits non-zero at the
# first failure and always stops its server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"

JS_DIR=${NUBO_JS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nubo/js-sdk-s3}
JS_VERSION=3.1178.0

$PY -c 'import boto3' 2>/dev/null || fail "boto3 is missing for $PY; install Debian's python3-boto3 (scripts/test does)"
command -v node >/dev/null || fail "node is missing (scripts/test installs Node.js)"
if [[ ! -d "$JS_DIR/node_modules/@aws-sdk/client-s3" ]]; then
	step "install the JavaScript SDK v3 into $JS_DIR"
	mkdir -p "$JS_DIR"
	npm install --prefix "$JS_DIR" --no-audit --no-fund --loglevel=error \
		"@aws-sdk/client-s3@$JS_VERSION" "@aws-sdk/lib-storage@$JS_VERSION" \
		"@aws-sdk/s3-request-presigner@$JS_VERSION" "@aws-sdk/s3-presigned-post@$JS_VERSION" >/dev/null
fi

build_nubo "$WORK/nubo"
start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data"
export ENDPOINT WORK

pythons=("$PY")
if other=$(command -v python3) && [[ "$other" != "$PY" ]] &&
	"$other" -c 'import boto3, sys; sys.exit(tuple(map(int, boto3.__version__.split(".")[:2])) < (1, 36))' 2>/dev/null; then
	pythons+=("$other")
fi
for py in "${pythons[@]}"; do
	step "boto3 with $py"
	$py "$ROOT/test/e2e/s3/boto3_flows.py"
done

step "JavaScript SDK v3 ($JS_VERSION)"
NODE_NO_WARNINGS=1 NODE_PATH="$JS_DIR/node_modules" node "$ROOT/test/e2e/s3/js_flows.cjs"
printf '\nS3 with boto3 and the JavaScript SDK v3: all checks passed in %ss\n' "$SECONDS"

#!/usr/bin/env bash
# End-to-end test of examples/: it runs the README's "Examples" lines as they
# are written (building the Go and Java examples and deploying each example
# with `nubo deploy`) in a copy of the checkout, against a nubo started as the
# quick start starts it (state under ./.nubo, a relative path), then invokes
# every deployed example with `nubo invoke` and checks its greeting and its
# log line. Exits non-zero at the first failed step and always stops its
# server.
#
# SANDBOX=process|linux picks the sandbox driver (default: as nubo serve).
set -euo pipefail

PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
LOG=$WORK/nubo.log
PID=

step() { printf "\n== [%ss] %s\n" "$SECONDS" "$*"; }
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}
contains() {
	[[ "$2" == *"$3"* ]] || fail "$1: '$2' lacks '$3'"
	printf '   ok: %s contains %s\n' "$1" "$3"
}
cleanup() {
	status=$?
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

step "build nubo; copy the checkout's examples"
mkdir -p "$WORK/bin" "$WORK/src/internal/runtimes/clients"
(cd "$ROOT" && go build -o "$WORK/bin/nubo" ./cmd/nubo)
export PATH=$WORK/bin:$PATH
# The README's lines build into examples/*/build; they run in a copy so
# that the checkout stays as it is.
cp "$ROOT/go.mod" "$ROOT/go.sum" "$WORK/src/"
cp -r "$ROOT/examples" "$WORK/src/"
cp -r "$ROOT/internal/runtimes/clients/java" "$WORK/src/internal/runtimes/clients/"
rm -rf "$WORK"/src/examples/*/build

lines=$(awk '/^## Examples/ { on = 1; next } on && /^## / { exit } on && /^```sh/ { code = 1; next } code && /^```/ { exit } code' "$ROOT/README.md")
[[ -n "$lines" ]] || fail "README.md has no sh block under ## Examples"
names=$(sed -n 's/^nubo deploy .* --name \([^ ]*\) .*/\1/p' <<<"$lines")
[[ $(wc -l <<<"$names") -ge 6 ]] || fail "README.md deploys fewer than six examples: $names"

PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export NUBO_ADDR=127.0.0.1:$PORT

step "start nubo on $NUBO_ADDR with its default data directory (sandbox: ${SANDBOX:-default})"
(cd "$WORK" && exec nubo serve ${SANDBOX:+--sandbox "$SANDBOX"}) >>"$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
	curl -s -o /dev/null "http://$NUBO_ADDR/" && break
	kill -0 "$PID" 2>/dev/null || fail "nubo exited while starting"
	sleep 0.1
done
[[ -d "$WORK/.nubo" ]] || fail "nubo serve did not keep its state under ./.nubo"

step "the README's example lines, as written"
while IFS= read -r line; do
	printf '$ %s\n' "$line"
	(cd "$WORK/src" && bash -euo pipefail -c "$line") || fail "README line failed: $line"
done <<<"$lines"

step "nubo invoke every example"
for name in $names; do
	out=$(nubo invoke "$name" --payload '{"name": "Ada"}' --log 2>"$WORK/tail") || fail "nubo invoke $name: $out $(cat "$WORK/tail")"
	contains "$name answer" "$out" '"Hello, Ada!"'
	contains "$name log" "$(cat "$WORK/tail")" "greeting Ada"
done

step "done: $(echo $names)"

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

source "$(dirname "$0")/lib.bash"

step "build nubo; copy the checkout's examples"
mkdir -p "$WORK/bin" "$WORK/src/internal/runtimes/clients"
build_nubo "$WORK/bin/nubo"
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

step "start nubo on $NUBO_ADDR with its default data directory (sandbox: ${SANDBOX:-default})"
cd "$WORK" # nubo serve with no flags keeps its state in ./.nubo
start_nubo nubo serve ${SANDBOX:+--sandbox "$SANDBOX"}
cd "$OLDPWD"
[[ -d "$WORK/.nubo" ]] || fail "nubo serve did not keep its state under ./.nubo"

step "the README's example lines, as written"
while IFS= read -r line; do
	printf '$ %s\n' "$line"
	(cd "$WORK/src" && bash -euo pipefail -c "$line") || fail "README line failed: $line"
done <<<"$lines"

step "give every example 30 s"
# Lambda's default of 3 s, which the README's lines keep, is short for the
# shell example's forks on a loaded machine (a loaded run timed out once).
pids=()
for name in $names; do # at once: each aws call starts a Python
	{
		"$AWS" --endpoint-url "$ENDPOINT" lambda update-function-configuration --function-name "$name" --timeout 30 >/dev/null &&
			"$AWS" --endpoint-url "$ENDPOINT" lambda wait function-updated-v2 --function-name "$name"
	} &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid" || fail "an example's timeout was not updated"
done

step "nubo invoke every example"
for name in $names; do
	out=$(nubo invoke "$name" --payload '{"name": "Ada"}' --log 2>"$WORK/tail") || fail "nubo invoke $name: $out $(cat "$WORK/tail")"
	contains "$name answer" "$out" '"Hello, Ada!"'
	contains "$name log" "$(cat "$WORK/tail")" "greeting Ada"
done

step "done: $(echo $names)"

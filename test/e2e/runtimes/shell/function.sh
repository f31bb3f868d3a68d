# The shell function of test/e2e/runtimes_cli.sh, sourced by ./bootstrap:
# one handler whose event's "op" picks what to show of the runtime.

# Top-level code runs once per execution environment.
INIT_ID=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
invocations=0

now_ms() { date +%s%3N; }

# field NAME: a string or number field of the event (flat JSON only).
field() { printf '%s' "$EVENT" | sed -n "s/.*\"$1\" *: *\"\{0,1\}\([^\",}]*\).*/\1/p"; }

# json_or_null VALUE: VALUE as a JSON string, or null when empty.
json_or_null() {
	if [ -n "$1" ]; then printf '"%s"' "$1"; else printf null; fi
}

handler() {
	EVENT=$1
	invocations=$((invocations + 1))
	case $(field op) in
	inspect) inspect ;;
	big)
		printf '"'
		head -c "$(field n)" /dev/zero | tr '\0' x
		printf '"'
		;;
	handled) printf '{"errorType":"ValidationError","errorMessage":"name is required ✗"}' ;;
	fail)
		printf '{"errorType":"ValidationError","errorMessage":"boom ✗"}' >"$ERROR_FILE"
		return 1
		;;
	sleep)
		sleep "$(field seconds)"
		printf '"woke up"'
		;;
	*)
		printf '{"errorType":"UnknownOp","errorMessage":"unknown op"}' >"$ERROR_FILE"
		return 1
		;;
	esac
}

inspect() {
	echo "inspect $(field text)" >&2
	path=/tmp/$(field file)
	before=null
	[ -f "$path" ] && before="\"$(cat "$path")\""
	field text >"$path"
	first=$(($LAMBDA_DEADLINE_MS - $(now_ms)))
	sleep 0.05
	second=$(($LAMBDA_DEADLINE_MS - $(now_ms)))
	custom=null
	case $LAMBDA_CLIENT_CONTEXT in
	*'"custom"'*) custom=$(printf '%s' "$LAMBDA_CLIENT_CONTEXT" | sed -n 's/.*"custom" *: *\({[^}]*}\).*/\1/p') ;;
	esac
	cat <<JSON
{"text":"$(field text)","count":$invocations,"initId":"$INIT_ID","tmpBefore":$before,
"env":{"GREETING":$(json_or_null "${GREETING:-}"),"AWS_LAMBDA_FUNCTION_NAME":"$AWS_LAMBDA_FUNCTION_NAME",
"AWS_REGION":"$AWS_REGION","AWS_EXECUTION_ENV":$(json_or_null "${AWS_EXECUTION_ENV:-}"),"_HANDLER":"$_HANDLER",
"LAMBDA_TASK_ROOT":"$LAMBDA_TASK_ROOT"},
"ctx":{"requestId":"$LAMBDA_REQUEST_ID","functionName":"$AWS_LAMBDA_FUNCTION_NAME",
"functionVersion":"$AWS_LAMBDA_FUNCTION_VERSION","invokedFunctionArn":"$LAMBDA_FUNCTION_ARN",
"memoryLimitInMB":"$AWS_LAMBDA_FUNCTION_MEMORY_SIZE","logGroupName":"$AWS_LAMBDA_LOG_GROUP_NAME",
"logStreamName":"$AWS_LAMBDA_LOG_STREAM_NAME","identityId":$(json_or_null "$LAMBDA_COGNITO_IDENTITY"),
"clientCustom":$custom,"remaining":[$first,$second]}}
JSON
}

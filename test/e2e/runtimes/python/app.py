"""The Python function of test/e2e/runtimes_cli.sh: one handler whose event's
"op" picks what to show of the runtime."""

import logging
import os
import time
import uuid

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# Module code runs once per execution environment.
INIT_ID = str(uuid.uuid4())
invocations = 0

ENV_NAMES = ["GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_EXECUTION_ENV", "_HANDLER", "LAMBDA_TASK_ROOT"]


class ValidationError(Exception):
    pass


def handler(event, context):
    global invocations
    invocations += 1
    op = event.get("op")
    if op == "inspect":
        return inspect(event, context)
    if op == "big":
        return "x" * event["n"]
    if op == "handled":
        return {"errorType": "ValidationError", "errorMessage": "name is required ✗"}
    if op == "fail":
        raise ValidationError("boom ✗")
    if op == "sleep":
        time.sleep(event["seconds"])
        return "woke up"
    raise ValueError("unknown op %r" % op)


def inspect(event, context):
    logger.info("inspect %s", event["text"])
    path = "/tmp/" + event["file"]
    try:
        with open(path, encoding="utf-8") as f:
            before = f.read()
    except FileNotFoundError:
        before = None
    with open(path, "w", encoding="utf-8") as f:
        f.write(event["text"])
    first = context.get_remaining_time_in_millis()
    time.sleep(0.05)
    second = context.get_remaining_time_in_millis()
    custom = context.client_context.custom if context.client_context else None
    return {
        "text": event["text"],
        "upper": event["text"].upper(),
        "count": invocations,
        "initId": INIT_ID,
        "tmpBefore": before,
        "env": {name: os.environ.get(name) for name in ENV_NAMES},
        "ctx": {
            "requestId": context.aws_request_id,
            "functionName": context.function_name,
            "functionVersion": context.function_version,
            "invokedFunctionArn": context.invoked_function_arn,
            "memoryLimitInMB": context.memory_limit_in_mb,
            "logGroupName": context.log_group_name,
            "logStreamName": context.log_stream_name,
            "identityId": context.identity.cognito_identity_id,
            "clientCustom": custom,
            "remaining": [first, second],
        },
    }

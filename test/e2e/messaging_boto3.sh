#!/usr/bin/env bash
# End-to-end test of SQS and SNS with Python boto3 (Debian's python3-boto3,
# whose botocore speaks SQS's query protocol and checks message MD5s) side
# by side with the AWS JSON 1.0 protocol that current SDKs use: the same
# operations through both give the same answers, and errors carry the
# query code in XML and in JSON's x-amzn-query-error header. Exits non-zero
# at the first failure and always stops its server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"

$PY -c 'import boto3' 2>/dev/null || fail "boto3 is missing for $PY; install Debian's python3-boto3 (scripts/test does)"

build_nubo "$WORK/nubo"
start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data"

ENDPOINT="http://127.0.0.1:$PORT" AWS_CONFIG_FILE=$WORK/none AWS_SHARED_CREDENTIALS_FILE=$WORK/none $PY - <<'PYEOF'
import json, os, sys, time, urllib.request, urllib.error
import boto3, botocore, botocore.auth, botocore.awsrequest

endpoint = os.environ["ENDPOINT"]
session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
sqs = session.client("sqs", endpoint_url=endpoint)
sns = session.client("sns", endpoint_url=endpoint)
print("boto3", boto3.__version__, "botocore", botocore.__version__, "sqs protocol:", sqs.meta.service_model.protocol)

def check(name, got, want):
    if got != want:
        print(f"FAIL: {name}: got {got!r}, want {want!r}")
        sys.exit(1)
    print(f"   ok: {name} = {got!r}")

def json_call(op, body):
    """One request in the AWS JSON 1.0 protocol, as aws-sdk-go-v2 sends it,
    signed by botocore."""
    data = json.dumps(body).encode()
    signed = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/", data=data, headers={
        "X-Amz-Target": "AmazonSQS." + op, "Content-Type": "application/x-amz-json-1.0"})
    botocore.auth.SigV4Auth(session.get_credentials(), "sqs", "us-east-1").add_auth(signed)
    req = urllib.request.Request(endpoint + "/", data=data, method="POST", headers=dict(signed.headers))
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())

# Queues and messages through the query protocol; botocore verifies
# MD5OfMessageBody and MD5OfMessageAttributes on send and receive.
url = sqs.create_queue(QueueName="py", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
check("queue url", url, endpoint + "/000000000000/py")
attrs = {"s": {"DataType": "String", "StringValue": "ünï"}, "n": {"DataType": "Number.float", "StringValue": "1.5"},
         "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}}
sent = sqs.send_message(QueueUrl=url, MessageBody="héllo 🌍", MessageAttributes=attrs)
batch = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "x", "MessageBody": "batch", "MessageAttributes": attrs}])
check("batch", len(batch["Successful"]), 1)
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], AttributeNames=["All"], WaitTimeSeconds=1)["Messages"]
check("received", sorted(m["Body"] for m in got), ["batch", "héllo 🌍"])
first = [m for m in got if m["MessageId"] == sent["MessageId"]][0]
check("binary attribute", first["MessageAttributes"]["b"]["BinaryValue"], b"\x00\xff")
check("same md5 as sent", first["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])

# The same queue through the JSON protocol: same attributes, same digests.
status, _, out = json_call("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})
q = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
check("JSON and query attributes agree", {k: v for k, v in out["Attributes"].items() if k != "LastModifiedTimestamp"},
      {k: v for k, v in q.items() if k != "LastModifiedTimestamp"})
status, _, js = json_call("SendMessage", {"QueueUrl": url, "MessageBody": "héllo 🌍", "MessageAttributes": {
    "s": {"DataType": "String", "StringValue": "ünï"}, "n": {"DataType": "Number.float", "StringValue": "1.5"},
    "b": {"DataType": "Binary", "BinaryValue": "AP8="}}})
check("JSON MD5OfMessageAttributes", js["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
check("JSON MD5OfMessageBody", js["MD5OfMessageBody"], sent["MD5OfMessageBody"])
sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])

# Errors: the query protocol's code in XML; the JSON protocol's shape in
# __type and the query code in x-amzn-query-error.
try:
    sqs.get_queue_url(QueueName="missing")
    sys.exit("FAIL: get_queue_url succeeded")
except botocore.exceptions.ClientError as e:
    check("query error code", e.response["Error"]["Code"], "AWS.SimpleQueueService.NonExistentQueue")
    check("query error status", e.response["ResponseMetadata"]["HTTPStatusCode"], 400)
    check("modeled exception", type(e).__name__, "QueueDoesNotExist")
status, headers, out = json_call("GetQueueUrl", {"QueueName": "missing"})
check("JSON error status", status, 400)
check("JSON __type", out["__type"], "com.amazonaws.sqs#QueueDoesNotExist")
check("x-amzn-query-error", {k.lower(): v for k, v in headers.items()}["x-amzn-query-error"], "AWS.SimpleQueueService.NonExistentQueue;Sender")
try:
    sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    sys.exit("FAIL: send_message succeeded")
except botocore.exceptions.ClientError as e:
    check("invalid parameter", e.response["Error"]["Code"], "InvalidParameterValue")

# FIFO through the query protocol.
fifo = sqs.create_queue(QueueName="py.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
r1 = sqs.send_message(QueueUrl=fifo, MessageBody="1", MessageGroupId="g", MessageDeduplicationId="d1")
r2 = sqs.send_message(QueueUrl=fifo, MessageBody="1", MessageGroupId="g", MessageDeduplicationId="d1")
check("dedup", r2["MessageId"], r1["MessageId"])

# SNS (query protocol for every SDK) to SQS, with a body filter policy.
topic = sns.create_topic(Name="py-topic")["TopicArn"]
# As on AWS, the queue takes SNS's deliveries only if its policy says so.
queue_arn = "arn:aws:sqs:us-east-1:000000000000:py-sns"
url = sqs.create_queue(QueueName="py-sns", Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": queue_arn,
    "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})["QueueUrl"]
sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:py-sns", ReturnSubscriptionArn=True,
                    Attributes={"FilterPolicyScope": "MessageBody", "FilterPolicy": json.dumps({"price": [{"numeric": [">", 100]}]})})["SubscriptionArn"]
sns.publish(TopicArn=topic, Message=json.dumps({"price": 50}))
sns.publish(TopicArn=topic, Message=json.dumps({"price": 150}), MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)["Messages"]
check("filtered deliveries", len(msgs), 1)
env = json.loads(msgs[0]["Body"])
check("envelope", (env["Type"], json.loads(env["Message"]), env["MessageAttributes"]["k"]), ("Notification", {"price": 150}, {"Type": "String", "Value": "v"}))
check("subscription attributes", sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["FilterPolicyScope"], "MessageBody")
try:
    sns.publish(TopicArn=topic + "-nope", Message="x")
    sys.exit("FAIL: publish succeeded")
except sns.exceptions.NotFoundException as e:
    check("sns not found", e.response["Error"]["Code"], "NotFound")
print("\nmessaging_boto3.sh: all checks passed")
PYEOF

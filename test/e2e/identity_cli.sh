#!/usr/bin/env bash
# End-to-end test of identity and access with the real clients: the AWS CLI
# v2 (/usr/bin/aws), boto3 and the JavaScript SDK v3 work with the right
# key and get each service's documented 403 with a wrong one; IAM users,
# roles and STS sessions; an IAM user limited to one function; Lambda's
# resource policies; SNS deliveries that follow the queue's policy; the
# refusals of web pages and foreign hosts; nubo refusing a non-loopback
# address with the default secret. Exits non-zero at the first failed step
# and always stops its server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws

step "build nubo"
build_nubo "$WORK/nubo"

step "with the default secret, nubo refuses a non-loopback address and says why"
if out=$("$WORK/nubo" serve --addr 0.0.0.0:0 --data-dir "$WORK/refused" 2>&1); then
	fail "nubo served 0.0.0.0 with the default secret"
fi
contains "refusal" "$out" "refuses to serve 0.0.0.0:0 with the default root secret access key"

step "start nubo on $ENDPOINT"
start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data" --sandbox process
aws() { "$AWS" --endpoint-url "$ENDPOINT" "$@"; }
# as ID SECRET [TOKEN] -- CMD...: runs the CLI with other credentials.
as() {
	local id=$1 secret=$2 token=$3
	shift 4
	AWS_ACCESS_KEY_ID=$id AWS_SECRET_ACCESS_KEY=$secret AWS_SESSION_TOKEN=$token "$AWS" --endpoint-url "$ENDPOINT" "$@"
}
ACCOUNT=000000000000

step "the CLI with the right key, a wrong secret and an unknown key, in each protocol"
expect "sts get-caller-identity" "$(aws sts get-caller-identity --query Arn --output text)" "arn:aws:iam::$ACCOUNT:root"
aws lambda list-functions >/dev/null
aws sqs list-queues >/dev/null
contains "lambda, wrong secret" "$(refused as test wrong "" -- lambda list-functions)" "(InvalidSignatureException)"
contains "lambda, unknown key" "$(refused as AKIANOSUCHKEY0000000 x "" -- lambda list-functions)" "(UnrecognizedClientException)"
contains "sqs, wrong secret" "$(refused as test wrong "" -- sqs list-queues)" "(SignatureDoesNotMatch)"
contains "sns, unknown key" "$(refused as AKIANOSUCHKEY0000000 x "" -- sns list-topics)" "(InvalidClientTokenId)"
contains "logs, wrong secret" "$(refused as test wrong "" -- logs describe-log-groups)" "(InvalidSignatureException)"
contains "iam, wrong secret" "$(refused as test wrong "" -- iam list-users)" "(SignatureDoesNotMatch)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$ENDPOINT/2015-03-31/functions")
expect "unsigned request status" "$code" "403"

step "IAM: a role for functions, a user limited to one function"
aws iam create-role --role-name fn --assume-role-policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
expect "get-role" "$(aws iam get-role --role-name fn --query 'Role.AssumeRolePolicyDocument.Statement[0].Principal.Service' --output text)" "lambda.amazonaws.com"
aws iam attach-role-policy --role-name fn --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
expect "attached" "$(aws iam list-attached-role-policies --role-name fn --query 'AttachedPolicies[0].PolicyName' --output text)" "AWSLambdaBasicExecutionRole"
printf '#!/bin/sh\nwhile true; do\n  H=$(mktemp)\n  curl -sS -D "$H" -o /dev/null "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next"\n  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$H" | tr -d "[:space:]" | cut -d: -f2)\n  curl -sS -o /dev/null "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" -d "{\\"ok\\":true}"\ndone\n' >"$WORK/bootstrap"
chmod +x "$WORK/bootstrap"
(cd "$WORK" && zip -q fn.zip bootstrap)
contains "missing role" "$(refused aws lambda create-function --function-name nope --runtime provided.al2023 --handler bootstrap \
	--role "arn:aws:iam::$ACCOUNT:role/missing" --zip-file "fileb://$WORK/fn.zip")" "The role defined for the function cannot be assumed by Lambda."
for f in mine theirs; do
	aws lambda create-function --function-name $f --runtime provided.al2023 --handler bootstrap \
		--role "arn:aws:iam::$ACCOUNT:role/fn" --zip-file "fileb://$WORK/fn.zip" >/dev/null
	aws lambda wait function-active-v2 --function-name $f
done
aws iam create-user --user-name alice >/dev/null
aws iam put-user-policy --user-name alice --policy-name mine --policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"lambda:*\",\"Resource\":\"arn:aws:lambda:us-east-1:$ACCOUNT:function:mine\"}]}"
KEY=$(aws iam create-access-key --user-name alice --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
ALICE_ID=$(cut -f1 <<<"$KEY")
ALICE_SECRET=$(cut -f2 <<<"$KEY")
expect "alice is alice" "$(as "$ALICE_ID" "$ALICE_SECRET" "" -- sts get-caller-identity --query Arn --output text)" "arn:aws:iam::$ACCOUNT:user/alice"
as "$ALICE_ID" "$ALICE_SECRET" "" -- lambda invoke --function-name mine "$WORK/out.json" >/dev/null
expect "alice invokes her function" "$(cat "$WORK/out.json")" '{"ok":true}'
denied=$(refused as "$ALICE_ID" "$ALICE_SECRET" "" -- lambda get-function --function-name theirs)
contains "alice and another function" "$denied" "(AccessDeniedException)"
contains "AWS's message" "$denied" "User: arn:aws:iam::$ACCOUNT:user/alice is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:us-east-1:$ACCOUNT:function:theirs because no identity-based policy allows the lambda:GetFunction action"
contains "alice deletes another function" "$(refused as "$ALICE_ID" "$ALICE_SECRET" "" -- lambda delete-function --function-name theirs)" "(AccessDeniedException)"

step "STS: a role assumed, its session's credentials"
aws iam create-role --role-name reader --assume-role-policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$ACCOUNT:user/alice\"},\"Action\":\"sts:AssumeRole\"}]}" >/dev/null
aws iam put-role-policy --role-name reader --policy-name read --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:GetFunctionConfiguration","Resource":"*"}]}'
CREDS=$(as "$ALICE_ID" "$ALICE_SECRET" "" -- sts assume-role --role-arn "arn:aws:iam::$ACCOUNT:role/reader" --role-session-name s1 \
	--query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
read -r SID SSECRET STOKEN <<<"$CREDS"
expect "session identity" "$(as "$SID" "$SSECRET" "$STOKEN" -- sts get-caller-identity --query Arn --output text)" "arn:aws:sts::$ACCOUNT:assumed-role/reader/s1"
expect "session reads" "$(as "$SID" "$SSECRET" "$STOKEN" -- lambda get-function-configuration --function-name theirs --query FunctionName --output text)" "theirs"
contains "session writes" "$(refused as "$SID" "$SSECRET" "$STOKEN" -- lambda delete-function --function-name theirs)" "(AccessDeniedException)"

step "Lambda resource policies"
aws lambda add-permission --function-name mine --statement-id sns --action lambda:InvokeFunction \
	--principal sns.amazonaws.com --source-arn "arn:aws:sns:us-east-1:$ACCOUNT:news" >/dev/null
expect "get-policy" "$(aws lambda get-policy --function-name mine --query Policy --output text | $PY -c 'import json,sys; s=json.load(sys.stdin)["Statement"][0]; print(s["Sid"], s["Principal"]["Service"], s["Condition"]["ArnLike"]["AWS:SourceArn"])')" \
	"sns sns.amazonaws.com arn:aws:sns:us-east-1:$ACCOUNT:news"
contains "same statement id" "$(refused aws lambda add-permission --function-name mine --statement-id sns --action lambda:InvokeFunction --principal s3.amazonaws.com)" "(ResourceConflictException)"
aws lambda remove-permission --function-name mine --statement-id sns
contains "no policy left" "$(refused aws lambda get-policy --function-name mine)" "(ResourceNotFoundException)"

step "SNS delivers to a queue as its policy allows"
T=$(aws sns create-topic --name news --query TopicArn --output text)
Q=$(aws sqs create-queue --queue-name inbox --query QueueUrl --output text)
aws sns subscribe --topic-arn "$T" --protocol sqs --notification-endpoint "arn:aws:sqs:us-east-1:$ACCOUNT:inbox" >/dev/null
aws sns publish --topic-arn "$T" --message refused >/dev/null
expect "without a queue policy" "$(aws sqs get-queue-attributes --queue-url "$Q" --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages --output text)" "0"
aws sqs set-queue-attributes --queue-url "$Q" --attributes "$(from_topic "arn:aws:sqs:us-east-1:$ACCOUNT:inbox" "$T")"
aws sns publish --topic-arn "$T" --message delivered >/dev/null
expect "with the policy" "$(aws sqs receive-message --queue-url "$Q" --query 'Messages[0].Body' --output text | $PY -c 'import json,sys; print(json.load(sys.stdin)["Message"])')" "delivered"

step "boto3 with the right key and a wrong one"
$PY - "$ENDPOINT" <<'PYEOF'
import sys
import boto3
from botocore.exceptions import ClientError
endpoint = sys.argv[1]
def client(service, secret):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key=secret)
client("lambda", "test").list_functions()
client("sqs", "test").list_queues()
for service, call, code, status in [("lambda", "list_functions", "InvalidSignatureException", 403),
                                    ("sqs", "list_queues", "SignatureDoesNotMatch", 403),
                                    ("sns", "list_topics", "SignatureDoesNotMatch", 403),
                                    ("logs", "describe_log_groups", "InvalidSignatureException", 400)]:
    try:
        getattr(client(service, "wrong"), call)()
        sys.exit("FAIL: %s with a wrong secret succeeded" % service)
    except ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        if got != (code, status):
            sys.exit("FAIL: %s: got %s, want %s" % (service, got, (code, status)))
        print("   ok: boto3 %s, wrong secret = %s %d" % (service, code, status))
PYEOF

step "the JavaScript SDK v3 with the right key and a wrong one"
if command -v npm >/dev/null; then
	JS=${XDG_CACHE_HOME:-$HOME/.cache}/nubo-test/aws-sdk-js-v3
	[[ -f "$JS/node_modules/@aws-sdk/client-sqs/package.json" ]] ||
		npm install --no-audit --no-fund --prefix "$JS" @aws-sdk/client-sqs@3 >/dev/null
	out=$(NODE_PATH="$JS/node_modules" NODE_NO_WARNINGS=1 AWS_REGION=us-east-1 AWS_ENDPOINT_URL=$ENDPOINT node -e '
const { SQSClient, ListQueuesCommand } = require("@aws-sdk/client-sqs");
(async () => {
  await new SQSClient({}).send(new ListQueuesCommand({}));
  try {
    await new SQSClient({ credentials: { accessKeyId: "test", secretAccessKey: "wrong" } }).send(new ListQueuesCommand({}));
    console.log("wrong secret accepted");
  } catch (e) {
    console.log(e.name, e.$metadata.httpStatusCode);
  }
})();')
	expect "JavaScript SDK v3, wrong secret" "$out" "SignatureDoesNotMatch 403"
else
	printf '   skipped: npm is missing (CI has it)\n'
fi

step "web pages and foreign hosts are refused"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: text/plain' -H 'Origin: http://evil.example' \
	--data '{"FunctionName":"evil"}' "$ENDPOINT/2015-03-31/functions")
expect "text/plain post from another site" "$code" "403"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example' "$ENDPOINT/2015-03-31/functions")
expect "a foreign Host" "$code" "403"

step "done"

#!/usr/bin/env bash
# End-to-end test of S3 with the AWS CLI (Debian's 2.9, `aws s3` and
# `aws s3api`): sync a folder both ways, copy a 20 MB file up, within S3
# (a multipart copy) and down, presign, list with delimiters, a versioned
# delete, object tagging, and an upload that notifies a queue. Exits
# non-zero at the first failure and always stops its server.
set -euo pipefail

source "$(dirname "$0")/lib.bash"
require_aws

build_nubo "$WORK/nubo"
start_nubo "$WORK/nubo" serve --addr "$NUBO_ADDR" --data-dir "$WORK/data"

s3() { $AWS --endpoint-url "$ENDPOINT" s3 "$@"; }
s3api() { $AWS --endpoint-url "$ENDPOINT" s3api "$@"; }

step "buckets"
s3 mb s3://site >/dev/null
s3 mb s3://backup >/dev/null
expect "buckets" "$(s3api list-buckets --query 'Buckets[].Name' --output text)" $'backup\tsite'

step "sync a folder up and back"
mkdir -p "$WORK/site/css" "$WORK/site/img/icons" "$WORK/down"
echo '<h1>hi</h1>' >"$WORK/site/index.html"
echo 'body{}' >"$WORK/site/css/main.css"
head -c 70000 /dev/urandom >"$WORK/site/img/photo.bin"
echo 'icon' >"$WORK/site/img/icons/a b.svg"
s3 sync "$WORK/site" s3://site/www >/dev/null
s3 sync s3://site/www "$WORK/down" >/dev/null
diff -r "$WORK/site" "$WORK/down" || fail "the folder came back different"
echo '   ok: the folder came back identical'
echo 'changed' >"$WORK/site/index.html"
expect "a second sync copies only the change" "$(s3 sync "$WORK/site" s3://site/www | grep -c upload)" "1"

step "list with delimiters"
expect "prefixes, then keys" "$(s3api list-objects-v2 --bucket site --prefix www/ --delimiter / --query '[CommonPrefixes[].Prefix, Contents[].Key]' --output text)" \
	$'www/css/\twww/img/\nwww/index.html'
expect "a key with a space, in pages of one" "$(s3api list-objects-v2 --bucket site --page-size 1 --query 'Contents[].Key' --output text)" \
	$'www/css/main.css\nwww/img/icons/a b.svg\nwww/img/photo.bin\nwww/index.html'

step "a 20 MB file: multipart up, multipart copy, and down"
head -c 20000000 /dev/urandom >"$WORK/big.bin"
s3 cp "$WORK/big.bin" s3://site/big.bin >/dev/null
s3 cp s3://site/big.bin s3://backup/big-copy.bin >/dev/null
matches "multipart ETag of the copy" "$(s3api head-object --bucket backup --key big-copy.bin --query ETag --output text)" '^"[0-9a-f]{32}-[0-9]+"$'
s3 cp s3://backup/big-copy.bin "$WORK/big-back.bin" >/dev/null
cmp "$WORK/big.bin" "$WORK/big-back.bin" || fail "the copy differs"
echo '   ok: uploaded, copied within S3 and downloaded intact'

step "presign"
url=$(s3 presign s3://site/www/index.html --expires-in 300)
expect "presigned GET" "$(curl -sf "$url")" "changed"

step "versioned delete"
echo one >"$WORK/one"
echo two >"$WORK/two"
s3api put-bucket-versioning --bucket backup --versioning-configuration Status=Enabled
v1=$(s3api put-object --bucket backup --key doc --body "$WORK/one" --query VersionId --output text)
s3api put-object --bucket backup --key doc --body "$WORK/two" >/dev/null
marker=$(s3api delete-object --bucket backup --key doc --query VersionId --output text)
contains "behind a delete marker" "$(refused s3api head-object --bucket backup --key doc)" "Not Found"
expect "versions and the marker" "$(s3api list-object-versions --bucket backup --prefix doc --query '[length(Versions), DeleteMarkers[0].VersionId]' --output text)" $'2\t'"$marker"
s3api delete-object --bucket backup --key doc --version-id "$marker" >/dev/null
s3 cp s3://backup/doc "$WORK/doc" >/dev/null
expect "the marker removed, the newest version is back" "$(cat "$WORK/doc")" "two"
s3api get-object --bucket backup --key doc --version-id "$v1" "$WORK/doc1" >/dev/null
expect "version 1" "$(cat "$WORK/doc1")" "one"

step "tagging and metadata"
s3api put-object-tagging --bucket site --key www/index.html --tagging 'TagSet=[{Key=env,Value=prod}]'
expect "tags" "$(s3api get-object-tagging --bucket site --key www/index.html --query 'TagSet[0].Value' --output text)" "prod"
s3 cp "$WORK/two" s3://site/meta.txt --metadata team=data --content-type text/plain >/dev/null
expect "metadata and content type" "$(s3api head-object --bucket site --key meta.txt --query '[Metadata.team, ContentType]' --output text)" $'data\ttext/plain'

step "an upload notifies a queue"
# The queue lets the bucket's notifications in, as S3 checks.
q=$($AWS --endpoint-url "$ENDPOINT" sqs create-queue --queue-name uploads --attributes \
	"$(from_source arn:aws:sqs:us-east-1:000000000000:uploads s3.amazonaws.com arn:aws:s3:::site)" --query QueueUrl --output text)
s3api put-bucket-notification-configuration --bucket site --notification-configuration \
	'{"QueueConfigurations":[{"QueueArn":"arn:aws:sqs:us-east-1:000000000000:uploads","Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"in/"}]}}}]}'
s3 cp "$WORK/two" "s3://site/in/new file.txt" >/dev/null
bodies=$($AWS --endpoint-url "$ENDPOINT" sqs receive-message --queue-url "$q" --max-number-of-messages 10 --wait-time-seconds 5 --output json)
expect "test event, then the upload's record" "$($PY -c '
import json, sys
for m in sorted(json.load(sys.stdin)["Messages"], key=lambda m: "Records" in m["Body"]):
    b = json.loads(m["Body"])
    if "Records" in b:
        r = b["Records"][0]
        print(r["eventName"], r["s3"]["object"]["key"], r["s3"]["object"]["size"])
    else:
        print(b["Event"])' <<<"$bodies")" $'s3:TestEvent\nObjectCreated:Put in/new+file.txt 4'

step "remove"
s3 rm s3://site --recursive >/dev/null
s3 rb s3://site >/dev/null
expect "buckets left" "$(s3api list-buckets --query 'Buckets[].Name' --output text)" "backup"
printf '\nS3 with the AWS CLI: all checks passed in %ss\n' "$SECONDS"

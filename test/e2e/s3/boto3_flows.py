"""S3 flows as boto3 users run them, against nubo at $ENDPOINT (run by
test/e2e/s3_sdks.sh with each boto3 it finds)."""
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request
import uuid

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

endpoint = os.environ["ENDPOINT"]
work = os.environ["WORK"]
# SigV4 for presigned URLs too: older botocore presigns with SigV2 by
# default, which S3 refuses for buckets created since June 2020, as nubo's.
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
print("boto3", boto3.__version__, "botocore", botocore.__version__)


def check(name, got, want):
    if got != want:
        print(f"FAIL: {name}: got {got!r}, want {want!r}")
        sys.exit(1)
    print(f"   ok: {name} = {got!r}")


def md5(b):
    return hashlib.md5(b).hexdigest()


bucket = "py-" + uuid.uuid4().hex[:12]
s3.create_bucket(Bucket=bucket)

# upload_file and download_file: 18 MiB in 5 MiB parts, four threads.
data = os.urandom(18 << 20)
src, dst = os.path.join(work, "py-big.bin"), os.path.join(work, "py-big-back.bin")
with open(src, "wb") as f:
    f.write(data)
cfg = TransferConfig(multipart_threshold=5 << 20, multipart_chunksize=5 << 20, max_concurrency=4)
s3.upload_file(src, bucket, "big.bin", Config=cfg)
check("multipart ETag", s3.head_object(Bucket=bucket, Key="big.bin")["ETag"].endswith('-4"'), True)
s3.download_file(bucket, "big.bin", dst, Config=cfg)
with open(dst, "rb") as f:
    check("downloaded intact", md5(f.read()), md5(data))

# put_object and get_object, with whatever checksum this boto3 sends by
# default (CRC32 in an aws-chunked trailer since 1.36).
out = s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello, boto3", ContentType="text/plain", Metadata={"k": "v"})
check("ETag", out["ETag"], '"' + md5(b"hello, boto3") + '"')
got = s3.get_object(Bucket=bucket, Key="hello.txt", ChecksumMode="ENABLED")
check("body", got["Body"].read(), b"hello, boto3")
check("metadata", got["Metadata"], {"k": "v"})
print("   checksum headers answered:", sorted(k for k in got["ResponseMetadata"]["HTTPHeaders"] if k.startswith("x-amz-checksum")))

# A presigned GET with urllib.
url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "hello.txt"}, ExpiresIn=300)
with urllib.request.urlopen(url) as r:
    check("presigned GET", r.read(), b"hello, boto3")

# A presigned POST, sent as a browser sends the form.
post = s3.generate_presigned_post(bucket, "uploads/${filename}", Fields={"success_action_status": "201"},
                                  Conditions=[{"success_action_status": "201"}, ["starts-with", "$key", "uploads/"],
                                              ["content-length-range", 1, 1000]], ExpiresIn=300)
boundary = uuid.uuid4().hex
body = b""
for k, v in post["fields"].items():
    body += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="note.txt"\r\n'
         f'Content-Type: text/plain\r\n\r\nposted from a form\r\n--{boundary}--\r\n').encode()
req = urllib.request.Request(post["url"], data=body, method="POST",
                             headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
with urllib.request.urlopen(req) as r:
    check("presigned POST status", r.status, 201)
    check("PostResponse mentions the key", b"<Key>uploads/note.txt</Key>" in r.read(), True)
check("posted object", s3.get_object(Bucket=bucket, Key="uploads/note.txt")["Body"].read(), b"posted from a form")

# Listing with a delimiter, through the paginator.
for k in ["a/1", "a/2", "b/1", "c"]:
    s3.put_object(Bucket=bucket, Key="tree/" + k, Body=b"x")
pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="tree/", Delimiter="/", PaginationConfig={"PageSize": 1})
prefixes, keys = [], []
for page in pages:
    prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    keys += [o["Key"] for o in page.get("Contents", [])]
check("common prefixes", prefixes, ["tree/a/", "tree/b/"])
check("keys", keys, ["tree/c"])

# A versioned delete.
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
v1 = s3.put_object(Bucket=bucket, Key="doc", Body=b"one")["VersionId"]
marker = s3.delete_object(Bucket=bucket, Key="doc")
check("delete marker", marker["DeleteMarker"], True)
try:
    s3.get_object(Bucket=bucket, Key="doc")
    check("GET behind a delete marker fails", False, True)
except botocore.exceptions.ClientError as e:
    check("GET behind a delete marker", e.response["Error"]["Code"], "NoSuchKey")
check("old version", s3.get_object(Bucket=bucket, Key="doc", VersionId=v1)["Body"].read(), b"one")

# Empty the bucket, every version, with DeleteObjects, and remove it.
versions = s3.list_object_versions(Bucket=bucket)
objs = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])]
res = s3.delete_objects(Bucket=bucket, Delete={"Objects": objs})
check("deleted", len(res["Deleted"]), len(objs))
s3.delete_bucket(Bucket=bucket)
print("boto3 flows passed")

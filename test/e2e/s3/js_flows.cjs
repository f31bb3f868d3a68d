// S3 flows as users of the JavaScript SDK v3 run them, against nubo at
// $ENDPOINT (run by test/e2e/s3_sdks.sh with NODE_PATH at the SDK).
"use strict";
const crypto = require("node:crypto");
const { Readable } = require("node:stream");
const {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command,
  PutBucketVersioningCommand, DeleteObjectCommand, ListObjectVersionsCommand, DeleteObjectsCommand, DeleteBucketCommand,
} = require("@aws-sdk/client-s3");
const { Upload } = require("@aws-sdk/lib-storage");
const { getSignedUrl } = require("@aws-sdk/s3-request-presigner");
const { createPresignedPost } = require("@aws-sdk/s3-presigned-post");

const s3 = new S3Client({
  endpoint: process.env.ENDPOINT, region: "us-east-1", forcePathStyle: true,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});

function check(name, got, want) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    console.log(`FAIL: ${name}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    process.exit(1);
  }
  console.log(`   ok: ${name} = ${JSON.stringify(got)}`);
}
const md5 = (b) => crypto.createHash("md5").update(b).digest("hex");

async function main() {
  const Bucket = "js-" + crypto.randomBytes(6).toString("hex");
  await s3.send(new CreateBucketCommand({ Bucket }));

  // lib-storage's Upload: 12 MiB from a stream, in 5 MiB parts.
  const data = crypto.randomBytes(12 << 20);
  const up = new Upload({ client: s3, params: { Bucket, Key: "big.bin", Body: Readable.from([data]) }, partSize: 5 << 20, queueSize: 3 });
  const res = await up.done();
  check("multipart ETag", /-3"$/.test(res.ETag), true);
  const big = await s3.send(new GetObjectCommand({ Bucket, Key: "big.bin" }));
  check("downloaded intact", md5(Buffer.from(await big.Body.transformToByteArray())), md5(data));

  // A streamed PutObject: the SDK sends it aws-chunked with a CRC32 trailer.
  const small = Buffer.from("hello from a stream");
  const put = await s3.send(new PutObjectCommand({ Bucket, Key: "stream.txt", Body: Readable.from([small]), ContentLength: small.length }));
  check("streamed ETag", put.ETag, `"${md5(small)}"`);
  check("CRC32 answered", typeof put.ChecksumCRC32, "string");
  const got = await s3.send(new GetObjectCommand({ Bucket, Key: "stream.txt", ChecksumMode: "ENABLED" }));
  check("streamed body", await got.Body.transformToString(), "hello from a stream");

  // Presigned PUT and GET with fetch.
  const putURL = await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: "signed.txt" }), { expiresIn: 300 });
  check("presigned PUT", (await fetch(putURL, { method: "PUT", body: "via a presigned URL" })).status, 200);
  const getURL = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: "signed.txt" }), { expiresIn: 300 });
  check("presigned GET", await (await fetch(getURL)).text(), "via a presigned URL");

  // A presigned POST, sent as a browser's form.
  const post = await createPresignedPost(s3, {
    Bucket, Key: "uploads/${filename}", Conditions: [["starts-with", "$key", "uploads/"], ["content-length-range", 1, 1024]],
    Fields: { "Content-Type": "text/plain" }, Expires: 300,
  });
  const form = new FormData();
  for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
  form.append("file", new Blob(["from a form"]), "form.txt");
  check("presigned POST", (await fetch(post.url, { method: "POST", body: form })).status, 204);
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "uploads/form.txt" }));
  check("posted object", [head.ContentLength, head.ContentType], [11, "text/plain"]);

  // Listing with a delimiter.
  for (const k of ["tree/a/1", "tree/a/2", "tree/b/1", "tree/c"]) {
    await s3.send(new PutObjectCommand({ Bucket, Key: k, Body: "x" }));
  }
  const list = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "tree/", Delimiter: "/" }));
  check("common prefixes", list.CommonPrefixes.map((p) => p.Prefix), ["tree/a/", "tree/b/"]);
  check("keys", list.Contents.map((o) => o.Key), ["tree/c"]);

  // A versioned delete, then everything removed.
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
  const v1 = (await s3.send(new PutObjectCommand({ Bucket, Key: "doc", Body: "one" }))).VersionId;
  const del = await s3.send(new DeleteObjectCommand({ Bucket, Key: "doc" }));
  check("delete marker", del.DeleteMarker, true);
  const old = await s3.send(new GetObjectCommand({ Bucket, Key: "doc", VersionId: v1 }));
  check("old version", await old.Body.transformToString(), "one");
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket }));
  const Objects = [...(versions.Versions || []), ...(versions.DeleteMarkers || [])].map((v) => ({ Key: v.Key, VersionId: v.VersionId }));
  const gone = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects } }));
  check("deleted", gone.Deleted.length, Objects.length);
  await s3.send(new DeleteBucketCommand({ Bucket }));
  console.log("JavaScript SDK v3 flows passed");
}

main().catch((e) => {
  console.log("FAIL:", e);
  process.exit(1);
});

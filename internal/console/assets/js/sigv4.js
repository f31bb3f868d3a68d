// Signature Version 4 in the page, with WebCrypto: request headers for the
// console's calls, and presigned URLs (S3 downloads and links to share).
const enc = new TextEncoder();

function hex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256(data) {
  return hex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? enc.encode(data) : data));
}

async function hmac(key, data) {
  const k = await crypto.subtle.importKey("raw", typeof key === "string" ? enc.encode(key) : key,
    { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, enc.encode(data));
}

// uriEncode encodes as SigV4 does: everything but unreserved characters
// (and "/" when keepSlash).
export function uriEncode(s, keepSlash) {
  const e = encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  return keepSlash ? e.replace(/%2F/g, "/") : e;
}

function canonicalQuery(params) {
  return [...params.entries()].map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
    .map(([k, v]) => k + "=" + v).join("&");
}

// canonicalPath is the path as signed: S3 signs it as sent; every other
// service encodes the sent (already encoded) path once more.
function canonicalPath(url, service) {
  return service === "s3" ? url.pathname : uriEncode(url.pathname, true);
}

function stamp() {
  const date = new Date().toISOString().replace(/[:-]|\.\d{3}/g, "");
  return { date, day: date.slice(0, 8) };
}

async function signature(creds, day, region, service, toSign) {
  let key = await hmac("AWS4" + creds.secretAccessKey, day);
  for (const part of [region, service, "aws4_request"]) key = await hmac(key, part);
  return hex(await hmac(key, toSign));
}

// sign returns req's headers with SigV4's added, for service in region.
// payloadHash, when given, is signed instead of the body's hash (S3's
// UNSIGNED-PAYLOAD for uploads that are not read twice).
export async function sign(req, service, region, creds, payloadHash) {
  const url = new URL(req.url, location.origin);
  const { date, day } = stamp();
  payloadHash = payloadHash || await sha256(req.body || "");
  const headers = { ...req.headers, host: url.host, "x-amz-date": date, "x-amz-content-sha256": payloadHash };
  if (creds.sessionToken) headers["x-amz-security-token"] = creds.sessionToken;
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v).trim()]));
  const names = Object.keys(lower).sort();
  const canonical = [req.method, canonicalPath(url, service), canonicalQuery(url.searchParams),
    names.map((n) => n + ":" + lower[n] + "\n").join(""), names.join(";"), payloadHash].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", date, scope, await sha256(canonical)].join("\n");
  const sig = await signature(creds, day, region, service, toSign);
  delete headers.host;
  headers.Authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${sig}`;
  return headers;
}

// presign returns a URL for method on path that works without headers
// for expires seconds (SigV4's query form, the payload unsigned).
export async function presign(method, path, service, region, creds, expires) {
  const url = new URL(path, location.origin);
  const { date, day } = stamp();
  const scope = `${day}/${region}/${service}/aws4_request`;
  const q = url.searchParams;
  q.set("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  q.set("X-Amz-Credential", `${creds.accessKeyId}/${scope}`);
  q.set("X-Amz-Date", date);
  q.set("X-Amz-Expires", String(expires));
  q.set("X-Amz-SignedHeaders", "host");
  if (creds.sessionToken) q.set("X-Amz-Security-Token", creds.sessionToken);
  const canonical = [method, canonicalPath(url, service), canonicalQuery(q), "host:" + url.host + "\n", "host", "UNSIGNED-PAYLOAD"].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", date, scope, await sha256(canonical)].join("\n");
  const sig = await signature(creds, day, region, service, toSign);
  return url.origin + url.pathname + "?" + canonicalQuery(q) + "&X-Amz-Signature=" + sig;
}

// A small AWS client for the console: SigV4 signing with WebCrypto, and one
// call per protocol nubo speaks (JSON, query/XML, REST-JSON). Requests go to
// the page's own origin, where nubo serves every API.
import { session } from "./auth.js";

const enc = new TextEncoder();

function hex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(data) {
  return hex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? enc.encode(data) : data));
}

async function hmac(key, data) {
  const k = await crypto.subtle.importKey("raw", typeof key === "string" ? enc.encode(key) : key,
    { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, enc.encode(data));
}

// uriEncode encodes as SigV4 does: everything but unreserved characters.
function uriEncode(s, keepSlash) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(keepSlash ? /%2F/g : /$^/, "/");
}

function canonicalQuery(params) {
  return [...params.entries()].map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
    .map(([k, v]) => k + "=" + v).join("&");
}

// sign adds SigV4 headers to a request for service in region.
export async function sign(req, service, region, creds) {
  const url = new URL(req.url, location.origin);
  const date = new Date().toISOString().replace(/[:-]|\.\d{3}/g, "");
  const day = date.slice(0, 8);
  const body = req.body || "";
  const payloadHash = await sha256(body);
  const headers = { ...req.headers, host: url.host, "x-amz-date": date, "x-amz-content-sha256": payloadHash };
  if (creds.sessionToken) headers["x-amz-security-token"] = creds.sessionToken;
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v).trim()]));
  const canonical = [req.method, uriEncode(url.pathname, true),
    canonicalQuery(url.searchParams), names.map((n) => n + ":" + lower[n] + "\n").join(""), names.join(";"), payloadHash].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", date, scope, await sha256(canonical)].join("\n");
  let key = await hmac("AWS4" + creds.secretAccessKey, day);
  for (const part of [region, service, "aws4_request"]) key = await hmac(key, part);
  const signature = hex(await hmac(key, toSign));
  delete headers.host;
  headers.Authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return headers;
}

// AWSError is an error an API answered with.
export class AWSError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.code = code;
    this.status = status;
  }
}

async function send(service, req, parseError) {
  const s = session();
  const headers = await sign(req, service, s.region, s.credentials);
  const resp = await fetch(req.url, { method: req.method, headers, body: req.body || undefined });
  if (!resp.ok) throw await parseError(resp);
  return resp;
}

async function jsonError(resp) {
  const text = await resp.text();
  try {
    const b = JSON.parse(text);
    const code = (b.__type || resp.headers.get("x-amzn-errortype") || "Error").split("#").pop().split(":")[0];
    return new AWSError(code, b.message || b.Message, resp.status);
  } catch {
    return new AWSError("Error", text || resp.statusText, resp.status);
  }
}

async function xmlError(resp) {
  const doc = new DOMParser().parseFromString(await resp.text(), "application/xml");
  const get = (n) => doc.getElementsByTagName(n)[0]?.textContent;
  return new AWSError(get("Code") || "Error", get("Message"), resp.status);
}

// json calls an awsJson operation: json("sqs", "AmazonSQS", "1.0", "ListQueues", {}).
export async function json(service, target, version, op, input = {}) {
  const resp = await send(service, {
    method: "POST", url: "/", body: JSON.stringify(input),
    headers: { "content-type": `application/x-amz-json-${version}`, "x-amz-target": `${target}.${op}` },
  }, jsonError);
  const text = await resp.text();
  return text ? JSON.parse(text) : {};
}

// query calls an awsQuery operation and returns the XML document of its
// result: query("sns", "ListTopics", {NextToken: "..."}).
export async function query(service, action, params = {}) {
  const form = new URLSearchParams({ Action: action, Version: queryVersions[service] || "", ...params });
  const resp = await send(service, {
    method: "POST", url: "/", body: form.toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  }, xmlError);
  return new DOMParser().parseFromString(await resp.text(), "application/xml");
}

const queryVersions = { sns: "2010-03-31", sqs: "2012-11-05", monitoring: "2010-08-01", sts: "2011-06-15" };

// rest calls a restJson operation: rest("lambda", "GET", "/2015-03-31/functions").
export async function rest(service, method, path, input, headers = {}) {
  const body = input === undefined ? "" : typeof input === "string" ? input : JSON.stringify(input);
  const resp = await send(service, { method, url: path, body, headers: body ? { "content-type": "application/json", ...headers } : headers }, jsonError);
  const text = await resp.text();
  let parsed = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { raw: text };
  }
  return { body: parsed, text, headers: resp.headers, status: resp.status };
}

// nubo calls one of nubo's own endpoints (/_nubo/...), signed like the rest.
export async function nubo(path) {
  const resp = await send("nubo", { method: "GET", url: path, headers: {} }, jsonError);
  return resp.json();
}

// xmlTexts returns the text of every element called name in doc.
export function xmlTexts(doc, name) {
  return [...doc.getElementsByTagName(name)].map((e) => e.textContent);
}

// A small AWS client for the console: one call per protocol nubo speaks
// (AWS JSON, query/XML, REST-JSON, REST-XML), each request signed with
// SigV4 by the signed-in session. Requests go to the page's own origin,
// where nubo serves every API.
import { session, signOut } from "./auth.js";
import { sign, presign as presignURL } from "./sigv4.js";

// AWSError is an error an API answered with.
export class AWSError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.code = code;
    this.status = status;
  }
}

// attempts is how many times a request that met a network error (the
// browser's fetch rejects: the connection failed, or the browser saw the
// host's network change) is sent, as the SDKs' standard retry mode does.
const attempts = 3;

async function send(service, req, parseError, payloadHash) {
  const s = session();
  if (!s) throw new AWSError("ExpiredToken", "Your session ended: sign in again.", 403);
  const headers = await sign(req, service, s.region, s.credentials, payloadHash);
  let resp;
  for (let i = 1; !resp; i++) {
    try {
      resp = await fetch(req.url, { method: req.method, headers, body: req.body || undefined });
    } catch (err) {
      if (i === attempts) throw err;
      await new Promise((done) => setTimeout(done, 100 * i));
    }
  }
  if (!resp.ok) {
    const err = await parseError(resp);
    if (err.code === "ExpiredToken" || err.code === "ExpiredTokenException") signOut("Your session ended: sign in again.");
    throw err;
  }
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
  return new AWSError(get("Code") || "Error", get("Message") || resp.statusText, resp.status);
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

const queryVersions = { sns: "2010-03-31", sqs: "2012-11-05", monitoring: "2010-08-01", sts: "2011-06-15" };

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

// restXml calls a restXml operation (S3). A body that is a Blob (an
// uploaded file) is sent with its payload unsigned, as S3 allows, so that
// it is not read twice.
export async function restXml(service, method, path, { body, headers = {} } = {}) {
  const unsigned = body instanceof Blob ? "UNSIGNED-PAYLOAD" : undefined;
  const resp = await send(service, { method, url: path, body, headers }, xmlError, unsigned);
  const text = await resp.text();
  const doc = text ? new DOMParser().parseFromString(text, "application/xml") : null;
  return { doc, headers: resp.headers, status: resp.status };
}

// presign returns a URL for a GET of path that works without signing for
// expires seconds.
export function presign(service, path, expires) {
  const s = session();
  return presignURL("GET", path, service, s.region, s.credentials, expires);
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

// xmlText returns the text of the first element called name under node.
export function xmlText(node, name) {
  return node.getElementsByTagName(name)[0]?.textContent;
}

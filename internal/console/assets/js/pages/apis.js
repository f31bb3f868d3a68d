// APIs: API Gateway's HTTP APIs, and an API's page with its routes, what
// each integrates with, and their URLs on every stage.
import { rest } from "../aws.js";
import { el, link, table, section, busy, heading, crumbs, props, when } from "../ui.js";
import { targetLink } from "./buses.js";

const apigw = (path) => rest("apigateway", "GET", path).then((r) => r.body);

async function all(path) {
  const out = [];
  let nextToken;
  do {
    const r = await apigw(path + (nextToken ? "?nextToken=" + encodeURIComponent(nextToken) : ""));
    out.push(...(r.items || []));
    nextToken = r.nextToken;
  } while (nextToken);
  return out;
}

async function list() {
  const apis = await all("/v2/apis");
  return table("APIs", [
    { title: "API", cell: (a) => link("/apis/" + encodeURIComponent(a.apiId), a.name) },
    { title: "Protocol", cell: (a) => a.protocolType }, { title: "Endpoint", cell: (a) => el("a", { href: a.apiEndpoint }, a.apiEndpoint) },
    { title: "Created", cell: (a) => when(a.createdDate) },
  ], apis, "No APIs yet.");
}

// url is where a route answers on a stage: a route key's path with its
// parameters left as they are ("{id}"), nothing for $default.
function url(endpoint, stage, routeKey) {
  const path = routeKey === "$default" ? "/" : routeKey.split(" ")[1] || "/";
  return endpoint + (stage === "$default" ? "" : "/" + stage) + path;
}

function integration(i) {
  if (!i) return "";
  const fn = (i.integrationUri || "").match(/arn:aws:lambda:[^:]+:[^:]+:function:[^/:]+/);
  return [i.integrationType, " ", fn ? targetLink(fn[0]) : i.integrationUri || ""];
}

function urls(a, stages, r) {
  if (stages.length === 0) return "not deployed to a stage";
  return el("ul", { class: "plain" }, stages.map((s) => {
    const u = url(a.apiEndpoint, s.stageName, r.routeKey);
    return el("li", {}, u.includes("{") ? el("code", {}, u) : el("a", { href: u }, u));
  }));
}

async function api(id) {
  const [a, routes, ints, stages] = await Promise.all([apigw("/v2/apis/" + encodeURIComponent(id)),
    all(`/v2/apis/${encodeURIComponent(id)}/routes`), all(`/v2/apis/${encodeURIComponent(id)}/integrations`),
    all(`/v2/apis/${encodeURIComponent(id)}/stages`)]);
  const byId = Object.fromEntries(ints.map((i) => ["integrations/" + i.integrationId, i]));
  return [
    props([["Protocol", a.protocolType], ["Endpoint", a.apiEndpoint], ["Description", a.description], ["API id", a.apiId]]),
    section("Routes", table("Routes", [
      { title: "Route", cell: (r) => el("code", {}, r.routeKey) },
      { title: "Integration", cell: (r) => integration(byId[r.target]) },
      { title: "Authorization", cell: (r) => r.authorizationType || "NONE" },
      { title: "URLs", cell: (r) => urls(a, stages, r) },
    ], routes, "No routes.")),
    section("Stages", table("Stages", [
      { title: "Stage", cell: (s) => s.stageName }, { title: "Auto deploy", cell: (s) => (s.autoDeploy ? "yes" : "no") },
      { title: "Last updated", cell: (s) => when(s.lastUpdatedDate) },
    ], stages, "No stages.")),
  ];
}

export async function render(main, { id }) {
  const box = el("div");
  if (id) main.append(...crumbs(id, ["/apis", "APIs"]), box);
  else main.append(heading("APIs"), box);
  await busy(box, () => (id ? api(id) : list()));
}

// What invokes a function, gathered from every service nubo serves: event
// source mappings, function URLs, API routes, EventBridge rules and SNS
// subscriptions.
import { rest, json, query } from "../aws.js";
import { serves } from "../config.js";
import { el, link, table, when } from "../ui.js";

const fnPath = (name) => encodeURIComponent(name);
const sourceName = (arn) => arn.split(":").slice(5).join(":");

async function mappings(name) {
  const { body } = await rest("lambda", "GET", "/2015-03-31/event-source-mappings/?FunctionName=" + fnPath(name));
  return (body.EventSourceMappings || []).map((m) => {
    const service = m.EventSourceArn?.split(":")[2];
    const name = sourceName(m.EventSourceArn || "");
    const target = service === "sqs" ? link("/queues/" + encodeURIComponent(name), name)
      : service === "dynamodb" ? link("/tables/" + encodeURIComponent(name.split("/")[1]), name) : m.EventSourceArn;
    return { kind: "Event source mapping (" + service + ")", source: target,
      detail: `${m.State}, batches of ${m.BatchSize}, changed ${when(m.LastModified)}` };
  });
}

// urls needs the function URL operations, which come with API Gateway.
async function urls(name) {
  if (!serves("apigateway")) return [];
  const { body } = await rest("lambda", "GET", "/2021-10-31/functions/" + fnPath(name) + "/urls");
  return (body.FunctionUrlConfigs || []).map((u) => ({
    kind: "Function URL", source: el("a", { href: u.FunctionUrl }, u.FunctionUrl), detail: "auth " + u.AuthType,
  }));
}

async function routes(arn) {
  if (!serves("apigateway")) return [];
  const { body } = await rest("apigateway", "GET", "/v2/apis");
  const found = await Promise.all((body.items || []).map(async (api) => {
    const [ints, rts] = await Promise.all([
      rest("apigateway", "GET", `/v2/apis/${api.apiId}/integrations`), rest("apigateway", "GET", `/v2/apis/${api.apiId}/routes`)]);
    const mine = new Set((ints.body.items || []).filter((i) => (i.integrationUri || "").includes(arn)).map((i) => "integrations/" + i.integrationId));
    return (rts.body.items || []).filter((r) => mine.has(r.target)).map((r) => ({
      kind: "API route", source: link("/apis/" + encodeURIComponent(api.apiId), api.name), detail: r.routeKey,
    }));
  }));
  return found.flat();
}

async function rules(arn) {
  if (!serves("events")) return [];
  const buses = await json("events", "AWSEvents", "1.1", "ListEventBuses", {});
  const found = await Promise.all((buses.EventBuses || []).map(async (bus) => {
    const r = await json("events", "AWSEvents", "1.1", "ListRuleNamesByTarget", { TargetArn: arn, EventBusName: bus.Name });
    return (r.RuleNames || []).map((rule) => ({
      kind: "EventBridge rule", source: link("/buses/" + encodeURIComponent(bus.Name), bus.Name + " / " + rule), detail: "",
    }));
  }));
  return found.flat();
}

async function subscriptions(arn) {
  if (!serves("sns")) return [];
  const out = [];
  let token = "";
  do {
    const doc = await query("sns", "ListSubscriptions", token ? { NextToken: token } : {});
    for (const m of doc.getElementsByTagName("member")) {
      const get = (n) => m.getElementsByTagName(n)[0]?.textContent || "";
      if (get("Protocol") === "lambda" && (get("Endpoint") === arn || get("Endpoint").startsWith(arn + ":"))) {
        out.push({ kind: "SNS subscription", source: link("/topics/" + encodeURIComponent(get("TopicArn")), sourceName(get("TopicArn"))), detail: get("Endpoint") });
      }
    }
    token = doc.getElementsByTagName("NextToken")[0]?.textContent || "";
  } while (token);
  return out;
}

// triggers returns a table of what invokes the function.
export async function triggers(cfg) {
  const arn = cfg.FunctionArn;
  const all = (await Promise.all([mappings(cfg.FunctionName), urls(cfg.FunctionName), routes(arn), rules(arn), subscriptions(arn)])).flat();
  return table("Triggers", [
    { title: "Type", cell: (t) => t.kind }, { title: "Source", cell: (t) => t.source }, { title: "Details", cell: (t) => t.detail },
  ], all, "Nothing invokes this function but direct calls.");
}

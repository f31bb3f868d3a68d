// Event buses: EventBridge's buses, and a bus's page with its rules (their
// patterns or schedules and targets) and a form that sends a test event
// and tells which rules it matches.
import { json } from "../aws.js";
import { el, link, table, section, busy, field, heading, crumbs, output, form, parseJSON, code, pretty } from "../ui.js";

const events = (op, input) => json("events", "AWSEvents", "1.1", op, input);

async function pages(op, input, key) {
  const out = [];
  let NextToken;
  do {
    const r = await events(op, { ...input, ...(NextToken && { NextToken }) });
    out.push(...(r[key] || []));
    NextToken = r.NextToken;
  } while (NextToken);
  return out;
}

async function list() {
  const buses = await pages("ListEventBuses", {}, "EventBuses");
  return table("Event buses", [
    { title: "Bus", cell: (b) => link("/buses/" + encodeURIComponent(b.Name), b.Name) },
    { title: "Description", cell: (b) => b.Description || "" }, { title: "ARN", cell: (b) => b.Arn },
  ], buses, "No event buses.");
}

// targetLink links a target's ARN to its page in the console.
export function targetLink(arn) {
  const [, , service, , , ...rest] = arn.split(":");
  const res = rest.join(":");
  const pages = {
    lambda: () => "/functions/" + encodeURIComponent(res.replace(/^function:/, "").split(":")[0]),
    sqs: () => "/queues/" + encodeURIComponent(res), sns: () => "/topics/" + encodeURIComponent(arn),
    states: () => "/state-machines/" + encodeURIComponent(arn), events: () => "/buses/" + encodeURIComponent(res.replace(/^event-bus\//, "")),
  };
  return pages[service] ? link(pages[service](), arn) : arn;
}

async function rules(bus) {
  const all = await pages("ListRules", { EventBusName: bus }, "Rules");
  const rows = await Promise.all(all.map(async (r) => ({ ...r, targets: await pages("ListTargetsByRule", { Rule: r.Name, EventBusName: bus }, "Targets") })));
  return { all, view: table("Rules", [
    { title: "Rule", cell: (r) => r.Name }, { title: "State", cell: (r) => r.State },
    { title: "Matches", cell: (r) => (r.ScheduleExpression ? r.ScheduleExpression : code(pretty(r.EventPattern || ""))) },
    { title: "Targets", cell: (r) => el("ul", { class: "plain" }, r.targets.map((t) => el("li", {}, targetLink(t.Arn)))) },
  ], rows, "No rules on this bus.") };
}

// envelope is the event as rules see it, for TestEventPattern, on the
// bus of ARN busArn.
function envelope(entry, busArn) {
  const [, , , region, account] = busArn.split(":");
  return {
    version: "0", id: crypto.randomUUID(), "detail-type": entry.DetailType, source: entry.Source, account,
    time: new Date().toISOString().replace(/\.\d+Z$/, "Z"), region, resources: [], detail: JSON.parse(entry.Detail),
  };
}

function sender(bus, ruleList) {
  const source = el("input", { value: "console.test", required: true });
  const type = el("input", { value: "Test event", required: true });
  const detail = el("textarea", { rows: "5", class: "code", spellcheck: "false" }, '{\n  "hello": "world"\n}');
  const out = output({ class: "result" });
  return section("Send a test event", form({}, async () => {
    const entry = { EventBusName: bus, Source: source.value, DetailType: type.value, Detail: JSON.stringify(parseJSON(detail.value, "Detail")) };
    const sent = await events("PutEvents", { Entries: [entry] });
    const r = sent.Entries?.[0] || {};
    const { Arn } = await events("DescribeEventBus", { Name: bus });
    const event = JSON.stringify(envelope(entry, Arn));
    const matched = [];
    for (const rule of (await ruleList()).filter((x) => x.EventPattern)) {
      if ((await events("TestEventPattern", { EventPattern: rule.EventPattern, Event: event })).Result) matched.push(rule.Name);
    }
    return [r.EventId ? el("p", {}, "Sent event ", el("code", {}, r.EventId), ".") : el("p", { class: "failed" }, r.ErrorCode, ": ", r.ErrorMessage),
      el("p", {}, matched.length ? "It matches " + matched.join(", ") + "." : "It matches no rule's pattern.")];
  }, out, el("div", { class: "grid2" }, field("Source", source), field("Detail type", type)), field("Detail (JSON)", detail),
  el("button", { type: "submit", class: "primary" }, "Send"), out));
}

export async function render(main, { name }) {
  const box = el("div");
  if (!name) {
    main.append(heading("Event buses"), box);
    return busy(box, list);
  }
  let loaded;
  const ruleList = async () => (loaded ||= (await rules(name)).all);
  main.append(...crumbs(name, ["/buses", "Event buses"]), sender(name, ruleList), section("Rules", box));
  await busy(box, async () => {
    const r = await rules(name);
    loaded = r.all;
    return r.view;
  });
}

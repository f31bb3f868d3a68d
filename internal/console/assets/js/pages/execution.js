// An execution's page: how it stands, its graph coloured by how each state
// went, its input and output, and its history; refreshed every second
// while it runs.
import { el, link, table, section, crumbs, props, code, pretty, when, errorBox } from "../ui.js";
import { graph } from "../graph.js";
import { sfn, all } from "./statemachines.js";
import { statesTable } from "./statemachine.js";

const POLL = 1000;
const failure = /(Failed|TimedOut|Aborted)$/;

// statuses tells how each state went from the history: running while
// entered and not exited, failed when the execution ended there, caught
// when it failed and went on (a retry or a Catch), else succeeded.
export function statuses(events, running) {
  const byId = new Map(events.map((e) => [e.id, e]));
  const entered = {}, exited = {}, failed = {};
  const stateOf = (e) => {
    for (let p = e; p; p = byId.get(p.previousEventId)) if (p.type.endsWith("StateEntered")) return p.stateEnteredEventDetails?.name;
    return undefined;
  };
  for (const e of events) {
    if (e.type.endsWith("StateEntered")) entered[e.stateEnteredEventDetails.name] = (entered[e.stateEnteredEventDetails.name] || 0) + 1;
    else if (e.type.endsWith("StateExited")) exited[e.stateExitedEventDetails.name] = (exited[e.stateExitedEventDetails.name] || 0) + 1;
    else if (failure.test(e.type) && !e.type.startsWith("Execution")) {
      const s = stateOf(e);
      if (s) failed[s] = true;
    }
  }
  return (name) => {
    if (!entered[name]) return "";
    if (entered[name] > (exited[name] || 0)) return running ? "running" : "failed";
    return failed[name] ? "caught" : "succeeded";
  };
}

function detail(e) {
  const d = Object.entries(e).find(([k]) => k.endsWith("EventDetails"))?.[1] || {};
  return [d.name, d.error && `${d.error}: ${d.cause || ""}`, d.resource && `${d.resourceType}:${d.resource}`].filter(Boolean).join(" · ");
}

const legend = el("p", { class: "legend" }, "Outlines: green succeeded, red failed, dashed blue running, amber failed then retried or caught.");

async function view(arn, definition) {
  const [x, events] = await Promise.all([sfn("DescribeExecution", { executionArn: arn }),
    all("GetExecutionHistory", { executionArn: arn, includeExecutionData: true }, "events")]);
  const running = x.status === "RUNNING";
  return { running, key: x.status + events.length, nodes: [
    props([["Status", el("strong", { class: x.status === "SUCCEEDED" ? "ok" : running ? "" : "failed" }, x.status)],
      ["State machine", link("/state-machines/" + encodeURIComponent(x.stateMachineArn), x.stateMachineArn.split(":").pop())],
      ["Started", when(x.startDate)], ["Ended", when(x.stopDate)], ["Error", x.error], ["Cause", x.cause]]),
    section("Graph", el("div", { class: "graph", tabindex: "0" }, graph(definition, statuses(events, running))), legend, statesTable(definition)),
    el("div", { class: "grid2" }, section("Input", code(pretty(x.input ?? ""), "Input")),
      section("Output", code(x.output !== undefined ? pretty(x.output) : running ? "(running)" : "(none)", "Output"))),
    section("History", table("Events", [
      { title: "#", cell: (e) => e.id, class: "num" }, { title: "Type", cell: (e) => e.type },
      { title: "Details", cell: detail }, { title: "Time", cell: (e) => when(e.timestamp) },
    ], events)),
  ] };
}

export async function render(main, { arn }, { signal }) {
  const box = el("div");
  const status = el("p", { role: "status", class: "status" });
  main.append(...crumbs(arn.split(":").pop(), ["/state-machines", "State machines"]), status, box);
  let definition, shown;
  const refresh = async () => {
    try {
      definition ||= JSON.parse((await sfn("DescribeStateMachineForExecution", { executionArn: arn })).definition);
      const v = await view(arn, definition);
      if (signal.aborted) return;
      if (v.key !== shown) box.replaceChildren(...v.nodes); // only what changed, keeping the reader's place
      shown = v.key;
      status.textContent = v.running ? "Running: refreshed " + new Date().toLocaleTimeString() : "";
      if (v.running) setTimeout(() => !signal.aborted && refresh(), POLL);
    } catch (err) {
      box.replaceChildren(errorBox(err));
    }
  };
  await refresh();
}

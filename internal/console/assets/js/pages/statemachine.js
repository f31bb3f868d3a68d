// A state machine's page: the graph of its definition, a form to start an
// execution, and its executions.
import { el, link, table, section, busy, field, crumbs, props, output, form, parseJSON, code, when } from "../ui.js";
import { navigate } from "../router.js";
import { base } from "../ui.js";
import { graph } from "../graph.js";
import { sfn, all } from "./statemachines.js";

const executionHref = (arn) => "/executions/" + encodeURIComponent(arn);

// statesTable lists the states for those who cannot see the graph.
export function statesTable(definition) {
  const rows = [];
  const walk = (states, where) => {
    for (const [name, s] of Object.entries(states || {})) {
      const next = [s.Next, ...(s.Choices || []).map((c) => c.Next), s.Default, ...(s.Catch || []).map((c) => c.Next)].filter(Boolean);
      rows.push({ name, type: s.Type, where, next: s.End || s.Type === "Succeed" || s.Type === "Fail" ? "the end" : [...new Set(next)].join(", ") });
      (s.Branches || []).forEach((b, i) => walk(b.States, `${name}, branch ${i + 1}`));
      const p = s.ItemProcessor || s.Iterator;
      if (p) walk(p.States, name + "'s iterations");
    }
  };
  walk(definition.States, "");
  return el("details", {}, el("summary", {}, "The states as a list"), table("States", [
    { title: "State", cell: (r) => r.name }, { title: "Type", cell: (r) => r.type }, { title: "In", cell: (r) => r.where },
    { title: "Goes to", cell: (r) => r.next }], rows));
}

// starter starts a Standard execution and goes to its page, or runs an
// Express one (StartSyncExecution) and shows how it ended.
function starter(arn, type) {
  const input = el("textarea", { rows: "5", class: "code", spellcheck: "false" }, '{\n  "hello": "world"\n}');
  const name = el("input", { spellcheck: "false", placeholder: "optional" });
  const out = output();
  return section("Start an execution", form({}, async () => {
    parseJSON(input.value, "Input");
    const params = { stateMachineArn: arn, input: input.value, ...(name.value && { name: name.value }) };
    if (type !== "EXPRESS") {
      navigate(base + executionHref((await sfn("StartExecution", params)).executionArn));
      return;
    }
    const r = await sfn("StartSyncExecution", params);
    return [el("p", { class: r.status === "SUCCEEDED" ? "ok" : "failed" }, r.status, r.error ? ": " + r.error : ""),
      code(r.output ?? r.cause ?? "", "Output")];
  }, out, field("Input (JSON)", input), field("Name", name), el("button", { type: "submit", class: "primary" }, "Start"), out));
}

async function executions(arn) {
  const list = await all("ListExecutions", { stateMachineArn: arn }, "executions");
  return table("Executions", [
    { title: "Execution", cell: (e) => link(executionHref(e.executionArn), e.name) },
    { title: "Status", cell: (e) => el("span", { class: e.status === "SUCCEEDED" ? "ok" : e.status === "RUNNING" ? "" : "failed" }, e.status) },
    { title: "Started", cell: (e) => when(e.startDate) }, { title: "Ended", cell: (e) => when(e.stopDate) },
  ], list, "No executions yet.");
}

export async function render(main, { arn }) {
  const head = el("div");
  main.append(...crumbs(arn.split(":").pop(), ["/state-machines", "State machines"]), head);
  await busy(head, async () => {
    const m = await sfn("DescribeStateMachine", { stateMachineArn: arn });
    const definition = parseJSON(m.definition, "The definition");
    // Step Functions keeps no history of Express executions (ListExecutions
    // refuses them): they are seen in their logs, as on AWS.
    const runs = el("div");
    if (m.type === "EXPRESS") runs.append(el("p", {}, "Express executions are not recorded; their logging configuration says where they log."));
    else busy(runs, () => executions(arn));
    return [
      props([["Type", m.type], ["Status", m.status], ["Role", m.roleArn], ["Created", when(m.creationDate)], ["ARN", arn]]),
      section("Graph", el("div", { class: "graph", tabindex: "0" }, graph(definition)), statesTable(definition)),
      starter(arn, m.type),
      section("Executions", runs),
      section("Definition", el("details", {}, el("summary", {}, "The definition (Amazon States Language)"), code(JSON.stringify(definition, null, 2)))),
    ];
  });
}

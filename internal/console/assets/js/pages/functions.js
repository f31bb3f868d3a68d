// The functions page: every function with its runtime, memory, last change
// and the last hour's invocations, errors and p99 duration.
import { rest } from "../aws.js";
import { metricData, sum } from "../cloudwatch.js";
import { el, link, table, section, busy } from "../ui.js";

async function listFunctions(onPage) {
  let marker = "";
  do {
    const q = new URLSearchParams({ MaxItems: "50" });
    if (marker) q.set("Marker", marker);
    const { body } = await rest("lambda", "GET", "/2015-03-31/functions/?" + q);
    onPage(body.Functions || []);
    marker = body.NextMarker || "";
  } while (marker);
}

const idOf = (i, kind) => `${kind}${i}`;

async function addMetrics(fns, cells) {
  const queries = fns.flatMap((f, i) => {
    const dims = [{ Name: "FunctionName", Value: f.FunctionName }];
    return [
      { id: idOf(i, "inv"), name: "Invocations", dims, stat: "Sum", period: 3600 },
      { id: idOf(i, "err"), name: "Errors", dims, stat: "Sum", period: 3600 },
      { id: idOf(i, "p99"), name: "Duration", dims, stat: "p99", period: 3600 },
    ];
  });
  const data = await metricData(queries, 3600);
  fns.forEach((f, i) => {
    const p99 = data[idOf(i, "p99")]?.values || [];
    cells[f.FunctionName].inv.textContent = sum(data[idOf(i, "inv")]);
    cells[f.FunctionName].err.textContent = sum(data[idOf(i, "err")]);
    cells[f.FunctionName].p99.textContent = p99.length ? Math.max(...p99).toFixed(1) + " ms" : "–";
  });
}

export function render(main) {
  const list = el("div");
  main.append(el("h1", {}, "Functions"), section("All functions", list));
  busy(list, async () => {
    const rows = [];
    const cells = {};
    const tbody = el("tbody");
    const head = el("table", {}, el("caption", { class: "sr-only" }, "Functions"),
      el("thead", {}, el("tr", {}, ["Name", "Runtime", "Memory", "Last modified", "Invocations (1 h)", "Errors (1 h)", "p99 (1 h)"].map((h) => el("th", { scope: "col" }, h)))),
      tbody);
    let shown = false;
    await listFunctions((page) => {
      for (const f of page) {
        const c = { inv: el("td", {}, "…"), err: el("td", {}, "…"), p99: el("td", {}, "…") };
        cells[f.FunctionName] = c;
        tbody.append(el("tr", {}, el("td", {}, link("/functions/" + encodeURIComponent(f.FunctionName), f.FunctionName)),
          el("td", {}, f.Runtime || f.PackageType), el("td", {}, f.MemorySize + " MB"), el("td", {}, f.LastModified), c.inv, c.err, c.p99));
        rows.push(f);
      }
      if (!shown) {
        list.replaceChildren(head); // the first page shows at once
        shown = true;
      }
    });
    if (rows.length === 0) return table("Functions", [], [], "No functions yet. Deploy one with `nubo deploy` or `aws lambda create-function`.");
    addMetrics(rows, cells).catch(() => {});
    return head;
  });
}

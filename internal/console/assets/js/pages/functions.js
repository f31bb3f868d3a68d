// The functions page: every function with its runtime, memory and last
// change, and the last hour's invocations, errors and p99 duration of the
// ones on screen. The first page of ListFunctions shows at once; the rest
// load behind it, and a filter and pages of 50 keep the table short.
import { rest } from "../aws.js";
import { metricData, sum } from "../cloudwatch.js";
import { setQuery } from "../router.js";
import { el, link, heading, field, button, errorBox, when } from "../ui.js";

const PAGE = 50;

async function listFunctions(onPage, signal) {
  let marker = "";
  do {
    const q = new URLSearchParams({ MaxItems: "50" });
    if (marker) q.set("Marker", marker);
    const { body } = await rest("lambda", "GET", "/2015-03-31/functions/?" + q);
    if (signal.aborted) return;
    onPage(body.Functions || []);
    marker = body.NextMarker || "";
  } while (marker);
}

// metrics fills the metric cells of the functions shown, which have none.
async function metrics(fns, cells) {
  const want = fns.filter((f) => !cells.get(f.FunctionName).asked);
  if (want.length === 0) return;
  const queries = want.flatMap((f, i) => {
    cells.get(f.FunctionName).asked = true;
    const dims = [{ Name: "FunctionName", Value: f.FunctionName }];
    return [
      { id: `inv${i}`, name: "Invocations", dims, stat: "Sum", period: 3600 },
      { id: `err${i}`, name: "Errors", dims, stat: "Sum", period: 3600 },
      { id: `p${i}`, name: "Duration", dims, stat: "p99", period: 3600 },
    ];
  });
  const data = await metricData(queries, 3600);
  want.forEach((f, i) => {
    const c = cells.get(f.FunctionName);
    const p99 = data[`p${i}`]?.values || [];
    c.inv.textContent = sum(data[`inv${i}`]);
    c.err.textContent = sum(data[`err${i}`]);
    c.p99.textContent = p99.length ? Math.max(...p99).toFixed(1) + " ms" : "–";
  });
}

function row(f, cells) {
  if (!cells.has(f.FunctionName)) {
    cells.set(f.FunctionName, { inv: el("td", { class: "num" }, "…"), err: el("td", { class: "num" }, "…"), p99: el("td", { class: "num" }, "…") });
  }
  const c = cells.get(f.FunctionName);
  return el("tr", {}, el("th", { scope: "row" }, link("/functions/" + encodeURIComponent(f.FunctionName), f.FunctionName)),
    el("td", {}, f.Runtime || f.PackageType), el("td", { class: "num" }, f.MemorySize + " MB"), el("td", {}, when(f.LastModified)),
    c.inv, c.err, c.p99);
}

const columns = ["Name", "Runtime", "Memory", "Last modified", "Invocations (1 h)", "Errors (1 h)", "p99 (1 h)"];

export async function render(main, params, { signal, query }) {
  const all = [];
  const cells = new Map();
  const filter = el("input", { type: "search", value: query.get("q") || "", spellcheck: "false", placeholder: "Part of a name" });
  const count = el("p", { role: "status", class: "count" });
  const tbody = el("tbody");
  const pager = el("div", { class: "pager" });
  const problem = el("div");
  let page = Math.max(1, Number(query.get("page")) || 1);
  let done = false;

  const show = () => {
    const q = filter.value.trim().toLowerCase();
    const rows = q ? all.filter((f) => f.FunctionName.toLowerCase().includes(q)) : all;
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    page = Math.min(page, pages);
    const shown = rows.slice((page - 1) * PAGE, page * PAGE);
    tbody.replaceChildren(...shown.map((f) => row(f, cells)));
    count.textContent = `${rows.length}${done ? "" : "+"} function${rows.length === 1 ? "" : "s"}` + (q ? " match" : "");
    pager.replaceChildren(
      button("Previous", () => go(page - 1), { disabled: page <= 1 }),
      el("span", {}, ` Page ${page} of ${pages}${done ? "" : "+"} `),
      button("Next", () => go(page + 1), { disabled: page >= pages }));
    metrics(shown, cells).catch((err) => problem.replaceChildren(errorBox(err)));
    return shown.length;
  };
  const go = (p) => {
    page = p;
    const s = new URLSearchParams();
    if (filter.value.trim()) s.set("q", filter.value.trim());
    if (page > 1) s.set("page", String(page));
    setQuery(s);
    show();
  };
  filter.addEventListener("input", () => go(1));

  const table = el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Functions" },
    el("table", {}, el("caption", { class: "sr-only" }, "Functions"),
      el("thead", {}, el("tr", {}, columns.map((h, i) => el("th", { scope: "col", class: i > 3 || i === 2 ? "num" : undefined }, h)))), tbody));
  const body = el("div");
  const load = () => {
    all.length = 0;
    cells.clear();
    done = false;
    body.replaceChildren(el("p", { class: "loading", role: "status" }, "Loading…"));
    let first;
    const firstShown = new Promise((resolve) => (first = resolve));
    listFunctions((fns) => {
      all.push(...fns);
      if (all.length - fns.length < page * PAGE) show();
      if (all.length > 0 && !body.contains(table)) body.replaceChildren(table, pager);
      first();
    }, signal).then(() => {
      done = true;
      if (all.length === 0) {
        body.replaceChildren(el("p", { class: "empty" }, "No functions yet. Deploy one with ", el("code", {}, "nubo deploy"),
          " or ", el("code", {}, "aws lambda create-function"), "."));
      }
      show();
    }).catch((err) => body.replaceChildren(errorBox(err))).finally(first);
    return firstShown;
  };
  main.append(heading("Functions"),
    el("div", { class: "actions" }, field("Filter by name", filter), button("Refresh", load), count), body, problem);
  await load();
}

// Metrics: the AWS/Lambda charts of the account or one function over a
// chosen window, from the same GetMetricData the CloudWatch API serves
// (the current minute included), refreshed every minute while shown.
import { rest } from "../aws.js";
import { metricData } from "../cloudwatch.js";
import { setQuery } from "../router.js";
import { el, section, field, busy, heading, button } from "../ui.js";
import { chart } from "../chart.js";

const windows = { "1 hour": 3600, "3 hours": 3 * 3600, "12 hours": 12 * 3600, "1 day": 86400, "1 week": 7 * 86400 };

const charts = [
  ["Invocations", [["Invocations", "Sum"]]],
  ["Errors and throttles", [["Errors", "Sum"], ["Throttles", "Sum"]]],
  ["Duration (ms)", [["Duration", "p50"], ["Duration", "p90"], ["Duration", "p99"]]],
  ["Concurrent executions", [["ConcurrentExecutions", "Maximum"]]],
  ["Async event age (ms)", [["AsyncEventAge", "Maximum"]]],
];

// period keeps a chart to at most 360 points.
function period(seconds) {
  return Math.max(60, Math.ceil(seconds / 360 / 60) * 60);
}

async function draw(fn, seconds) {
  const dims = fn ? [{ Name: "FunctionName", Value: fn }] : [];
  const queries = charts.flatMap(([, metrics], c) => metrics.map(([name, stat], m) =>
    ({ id: `c${c}m${m}`, name, stat, dims, period: period(seconds) })));
  const end = new Date();
  const data = await metricData(queries, seconds, end);
  const to = end.getTime() / 1000;
  return el("div", { class: "charts" }, charts.map(([title, metrics], c) => {
    const times = [...new Set(metrics.flatMap((_, m) => data[`c${c}m${m}`]?.timestamps || []))].sort((a, b) => a - b);
    const series = metrics.map(([name, stat], m) => {
      const d = data[`c${c}m${m}`] || { timestamps: [], values: [] };
      const at = new Map(d.timestamps.map((t, i) => [t, d.values[i]]));
      return { label: `${name} ${stat}`, values: times.map((t) => at.get(t) ?? null) };
    });
    return section(title, times.length ? chart(title, times, series, to - seconds, to) : el("p", { class: "empty" }, "No data in this window."));
  }));
}

export async function render(main, params, { signal, query }) {
  const fnSelect = el("select", {}, el("option", { value: "" }, "The whole account"));
  const chosen = query.get("function") || "";
  if (chosen) fnSelect.append(el("option", { value: chosen, selected: true }, chosen));
  const win = el("select", {}, Object.keys(windows).map((w) => el("option", { value: w, selected: w === (query.get("window") || "1 hour") }, w)));
  const box = el("div");
  const update = () => {
    const q = new URLSearchParams();
    if (fnSelect.value) q.set("function", fnSelect.value);
    q.set("window", win.value);
    setQuery(q);
    return busy(box, () => draw(fnSelect.value, windows[win.value]));
  };
  fnSelect.addEventListener("change", update);
  win.addEventListener("change", update);
  main.append(heading("Metrics"),
    el("div", { class: "actions" }, field("Function", fnSelect), field("Window", win), button("Refresh", update)), box);
  rest("lambda", "GET", "/2015-03-31/functions/?MaxItems=50").then(({ body }) => {
    for (const f of body.Functions || []) {
      if (f.FunctionName !== chosen) fnSelect.append(el("option", { value: f.FunctionName }, f.FunctionName));
    }
  }).catch(() => {}); // the list only offers choices; the charts show errors
  const timer = setInterval(update, 60_000);
  signal.addEventListener("abort", () => clearInterval(timer));
  await update();
}

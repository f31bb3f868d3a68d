// The router: every page of the console has a URL under /_nubo/console/,
// in-app links change it with the History API (so deep links, reloads and
// the back button work), and each page is a module loaded when first
// visited. It records, with the Performance API, how long each page took
// to show its content ("nubo:rendered" measures).
import { base } from "./ui.js";

// routes: a path pattern (":name" captures one segment, which links encode
// whole, slashes included), the service whose API the page uses, and the
// page's module; the first match wins.
export const routes = [
  ["/functions", "lambda", () => import("./pages/functions.js")],
  ["/functions/:name", "lambda", () => import("./pages/function.js")],
  ["/logs", "logs", () => import("./pages/logs.js")],
  ["/logs/:group", "logs", () => import("./pages/logs.js")],
  ["/metrics", "monitoring", () => import("./pages/metrics.js")],
  ["/cost", "", () => import("./pages/cost.js")],
  ["/queues", "sqs", () => import("./pages/queues.js")],
  ["/queues/:name", "sqs", () => import("./pages/queues.js")],
  ["/topics", "sns", () => import("./pages/topics.js")],
  ["/topics/:arn", "sns", () => import("./pages/topics.js")],
  ["/tables", "dynamodb", () => import("./pages/tables.js")],
  ["/tables/:name", "dynamodb", () => import("./pages/table.js")],
  ["/buckets", "s3", () => import("./pages/buckets.js")],
  ["/buckets/:bucket", "s3", () => import("./pages/bucket.js")],
  ["/buses", "events", () => import("./pages/buses.js")],
  ["/buses/:name", "events", () => import("./pages/buses.js")],
  ["/schedules", "scheduler", () => import("./pages/schedules.js")],
  ["/schedules/:group/:name", "scheduler", () => import("./pages/schedules.js")],
  ["/apis", "apigateway", () => import("./pages/apis.js")],
  ["/apis/:id", "apigateway", () => import("./pages/apis.js")],
  ["/state-machines", "states", () => import("./pages/statemachines.js")],
  ["/state-machines/:arn", "states", () => import("./pages/statemachine.js")],
  ["/executions/:arn", "states", () => import("./pages/execution.js")],
];

// here is the console's path of the current URL ("/functions").
export function here() {
  return location.pathname.slice(base.length).replace(/\/+$/, "") || "/";
}

export function match(path) {
  const got = path.split("/").filter(Boolean).map(decodeURIComponent);
  for (const [pattern, service, load] of routes) {
    const want = pattern.split("/").filter(Boolean);
    if (got.length !== want.length) continue;
    const params = {};
    const ok = want.every((w, i) => {
      if (w[0] !== ":") return w === got[i];
      params[w.slice(1)] = got[i];
      return true;
    });
    if (ok) return { pattern, service, load, params };
  }
  return null;
}

let current; // the AbortController of the page shown
let onRender = () => {};

// start renders the current URL with show(route, signal), and again at
// every navigation.
export function start(show) {
  onRender = show;
  document.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-route]");
    if (!a || e.defaultPrevented || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0) return;
    e.preventDefault();
    navigate(a.getAttribute("href"));
  });
  window.addEventListener("popstate", () => render(true));
  render(false);
}

// navigate goes to a URL of the console (with its base) as a new history
// entry.
export function navigate(href) {
  history.pushState(null, "", href);
  render(true);
}

// setQuery changes the current URL's query without a new history entry,
// for a page's own state (a filter, a window).
export function setQuery(q) {
  const s = q.toString();
  history.replaceState(null, "", location.pathname + (s ? "?" + s : ""));
}

// render shows the current URL's page; inApp is false for the first page
// of a load, whose time counts from the navigation's start.
export async function render(inApp) {
  current?.abort();
  current = new AbortController();
  const signal = current.signal;
  delete document.documentElement.dataset.rendered;
  performance.clearMarks("nubo:navigate");
  if (inApp) performance.mark("nubo:navigate");
  const started = inApp ? "nubo:navigate" : 0; // a load counts from its navigation's start
  await onRender(signal, inApp);
  if (!signal.aborted) {
    performance.measure("nubo:rendered", { start: started, detail: location.pathname + location.search });
    document.documentElement.dataset.rendered = location.pathname;
  }
}

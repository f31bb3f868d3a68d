// Logs: the log groups, and a group's events streamed as they arrive
// (FilterLogEvents polled every two seconds), with the filter pattern
// language and request ids that filter to their request's lines.
import { json } from "../aws.js";
import { el, link, table, section, busy, field, button, when, bytes, errorBox } from "../ui.js";

const logs = (op, input) => json("logs", "Logs_20140328", "1.1", op, input);
const REQUEST_ID = /RequestId: ([0-9a-f-]{36})/;

async function groups() {
  const all = [];
  let nextToken;
  do {
    const r = await logs("DescribeLogGroups", nextToken ? { nextToken } : {});
    all.push(...(r.logGroups || []));
    nextToken = r.nextToken;
  } while (nextToken);
  return table("Log groups", [
    { title: "Log group", cell: (g) => link("/logs/" + encodeURIComponent(g.logGroupName), g.logGroupName) },
    { title: "Retention", cell: (g) => (g.retentionInDays ? g.retentionInDays + " days" : "30 days (nubo's default)") },
    { title: "Stored", cell: (g) => bytes(g.storedBytes) }, { title: "Created", cell: (g) => when(g.creationTime) },
  ], all, "No log groups yet: a function's group appears with its first line.");
}

function line(e, onRequest) {
  const m = REQUEST_ID.exec(e.message);
  const text = e.message.replace(/\n$/, "");
  const parts = m ? [text.slice(0, m.index + 11), button(m[1], () => onRequest(m[1]), { class: "link request-id", title: "Show this request's lines" }), text.slice(m.index + 11 + 36)] : [text];
  return el("li", { class: text.startsWith("REPORT") ? "report" : text.startsWith("START") || text.startsWith("END") ? "marker" : "" },
    el("time", { datetime: new Date(e.timestamp).toISOString() }, when(e.timestamp)), " ", el("span", { class: "stream" }, e.logStreamName), " ", ...parts);
}

function tail(main, group) {
  const pattern = el("input", { placeholder: 'e.g. ERROR, "timed out", { $.level = "error" }' });
  const list = el("ol", { class: "log", "aria-live": "polite" });
  const status = el("p", { role: "status" });
  let since = Date.now() - 3600 * 1000;
  let seen = new Set();
  let timer;
  const restart = () => {
    clearTimeout(timer);
    list.replaceChildren();
    seen = new Set();
    since = Date.now() - 3600 * 1000;
    poll();
  };
  const onRequest = (id) => {
    pattern.value = '"' + id + '"';
    restart();
  };
  const poll = async () => {
    try {
      let nextToken;
      do {
        const input = { logGroupName: group, startTime: since, filterPattern: pattern.value, limit: 1000 };
        if (nextToken) input.nextToken = nextToken;
        const r = await logs("FilterLogEvents", input);
        for (const e of r.events || []) {
          if (seen.has(e.eventId)) continue;
          seen.add(e.eventId);
          list.append(line(e, onRequest));
          since = Math.max(since, e.timestamp);
        }
        nextToken = r.nextToken;
      } while (nextToken);
      status.textContent = "Live: updated " + new Date().toLocaleTimeString();
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
    if (document.body.contains(list)) timer = setTimeout(poll, 2000);
  };
  main.append(el("p", {}, link("/logs", "Logs"), " / ", group), el("h1", {}, group),
    el("form", { class: "actions", onsubmit: (e) => { e.preventDefault(); restart(); } },
      field("Filter pattern", pattern), el("button", { type: "submit" }, "Filter")),
    status, section("Events (the last hour, then live)", list));
  poll();
}

export function render(main, { group }) {
  if (group) {
    tail(main, group);
    return;
  }
  const box = el("div");
  main.append(el("h1", {}, "Logs"), box);
  busy(box, groups);
}

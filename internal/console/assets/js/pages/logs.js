// Logs: the log groups, and a group's events as they arrive
// (FilterLogEvents polled every two seconds) with the filter pattern
// language; a request id in a line filters to that request's lines.
import { json } from "../aws.js";
import { setQuery } from "../router.js";
import { el, link, table, section, busy, field, button, when, bytes, errorBox, heading, crumbs } from "../ui.js";

const logs = (op, input) => json("logs", "Logs_20140328", "1.1", op, input);
const REQUEST_ID = /RequestId: ([0-9a-f-]{36})/;
const POLL = 2000;
const MAX_LINES = 5000;

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
    { title: "Stored", cell: (g) => bytes(g.storedBytes), class: "num" }, { title: "Created", cell: (g) => when(g.creationTime) },
  ], all, "No log groups yet: a function's group appears with its first line.");
}

function line(e, onRequest) {
  const text = e.message.replace(/\n$/, "");
  const m = REQUEST_ID.exec(text);
  const at = m ? m.index + "RequestId: ".length : 0;
  const parts = m ? [text.slice(0, at), button(m[1], () => onRequest(m[1]), { class: "link request-id", title: "Show this request's lines only" }),
    text.slice(at + m[1].length)] : [text];
  const kind = text.startsWith("REPORT") ? "report" : /^(START|END|INIT_START)/.test(text) ? "marker" : "";
  return el("li", { class: kind },
    el("time", { datetime: new Date(e.timestamp).toISOString() }, when(e.timestamp)), " ", el("span", { class: "stream" }, e.logStreamName), " ",
    el("span", { class: "message" }, ...parts));
}

// tail shows a group's last hour, then its new events as they come.
function tail(main, group, signal, initial) {
  const pattern = el("input", { value: initial, spellcheck: "false", placeholder: 'ERROR   "timed out"   { $.level = "error" }' });
  const list = el("ol", { class: "log" });
  const status = el("p", { role: "status", class: "status" });
  const live = el("input", { type: "checkbox", checked: true });
  let since, seen, timer, generation = 0;
  const restart = () => {
    clearTimeout(timer);
    generation++;
    list.replaceChildren();
    seen = new Set();
    since = Date.now() - 3600 * 1000;
    setQuery(new URLSearchParams(pattern.value ? { filter: pattern.value } : {}));
    return poll(generation);
  };
  const onRequest = (id) => {
    pattern.value = '"' + id + '"';
    restart();
  };
  const poll = async (gen) => {
    try {
      let nextToken;
      do {
        const input = { logGroupName: group, startTime: since, filterPattern: pattern.value, limit: 1000, ...(nextToken && { nextToken }) };
        const r = await logs("FilterLogEvents", input);
        if (gen !== generation || signal.aborted) return;
        for (const e of r.events || []) {
          if (seen.has(e.eventId)) continue;
          seen.add(e.eventId);
          list.append(line(e, onRequest));
          since = Math.max(since, e.timestamp);
        }
        nextToken = r.nextToken;
      } while (nextToken);
      while (list.childElementCount > MAX_LINES) list.firstElementChild.remove();
      status.textContent = `${list.childElementCount} events` + (live.checked ? ", live: updated " + new Date().toLocaleTimeString() : ", paused");
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
    if (live.checked && !signal.aborted && gen === generation) timer = setTimeout(() => poll(gen), POLL);
  };
  live.addEventListener("change", () => live.checked && restart());
  signal.addEventListener("abort", () => clearTimeout(timer));
  main.append(...crumbs(group, ["/logs", "Logs"]),
    el("form", { class: "actions", onsubmit: (e) => { e.preventDefault(); restart(); } },
      field("Filter pattern", pattern, "Terms, \"quoted phrases\", ?alternatives, -exclusions, or a JSON pattern"),
      el("button", { type: "submit" }, "Filter"), button("Clear", () => { pattern.value = ""; restart(); }),
      el("label", { class: "check" }, live, " Live")),
    status, section("Events (the last hour, then as they arrive)", list));
  return restart();
}

export async function render(main, { group }, { signal, query }) {
  if (group) return tail(main, group, signal, query.get("filter") || "");
  const box = el("div");
  main.append(heading("Logs"), box);
  await busy(box, groups);
}

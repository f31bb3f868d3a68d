// Schedules: EventBridge Scheduler's schedules by group, and a schedule's
// page with its expression, window, target and retry settings.
import { rest } from "../aws.js";
import { setQuery } from "../router.js";
import { el, link, table, section, busy, field, heading, crumbs, props, code, pretty, when } from "../ui.js";
import { targetLink } from "./buses.js";

const scheduler = (path) => rest("scheduler", "GET", path).then((r) => r.body);

async function all(path, key, params = {}) {
  const out = [];
  let NextToken;
  do {
    const q = new URLSearchParams({ MaxResults: "100", ...params, ...(NextToken && { NextToken }) });
    const r = await scheduler(path + "?" + q);
    out.push(...(r[key] || []));
    NextToken = r.NextToken;
  } while (NextToken);
  return out;
}

async function list(group) {
  const schedules = await all("/schedules", "Schedules", group ? { ScheduleGroup: group } : {});
  return table("Schedules", [
    { title: "Schedule", cell: (s) => link(`/schedules/${encodeURIComponent(s.GroupName)}/${encodeURIComponent(s.Name)}`, s.Name) },
    { title: "Group", cell: (s) => s.GroupName }, { title: "State", cell: (s) => s.State },
    { title: "Target", cell: (s) => (s.Target?.Arn ? targetLink(s.Target.Arn) : "") },
    { title: "Last modified", cell: (s) => when(s.LastModificationDate) },
  ], schedules, "No schedules" + (group ? " in this group." : " yet."));
}

async function schedule(group, name) {
  const s = await scheduler(`/schedules/${encodeURIComponent(name)}?groupName=${encodeURIComponent(group)}`);
  const t = s.Target || {};
  const window = s.FlexibleTimeWindow || {};
  return [
    props([["Expression", s.ScheduleExpression], ["Time zone", s.ScheduleExpressionTimezone || "UTC"], ["State", s.State],
      ["Starts", when(s.StartDate)], ["Ends", when(s.EndDate)],
      ["Flexible window", window.Mode === "FLEXIBLE" ? `up to ${window.MaximumWindowInMinutes} minutes` : "off"],
      ["After completion", s.ActionAfterCompletion], ["Description", s.Description], ["ARN", s.Arn]]),
    section("Target", props([["ARN", t.Arn ? targetLink(t.Arn) : ""], ["Role", t.RoleArn],
      ["Retries", t.RetryPolicy && `${t.RetryPolicy.MaximumRetryAttempts} attempts within ${t.RetryPolicy.MaximumEventAgeInSeconds} s`],
      ["Dead-letter queue", t.DeadLetterConfig?.Arn ? targetLink(t.DeadLetterConfig.Arn) : ""]]),
    t.Input ? code(pretty(t.Input), "Input") : ""),
  ];
}

export async function render(main, { group, name }, { query }) {
  const box = el("div");
  if (name) {
    main.append(...crumbs(name, ["/schedules", "Schedules"]), box);
    return busy(box, () => schedule(group, name));
  }
  const chosen = query.get("group") || "";
  const select = el("select", {}, el("option", { value: "" }, "Every group"));
  select.addEventListener("change", () => {
    setQuery(new URLSearchParams(select.value ? { group: select.value } : {}));
    busy(box, () => list(select.value));
  });
  main.append(heading("Schedules"), el("div", { class: "actions" }, field("Group", select)), box);
  all("/schedule-groups", "ScheduleGroups").then((groups) => {
    for (const g of groups) select.append(el("option", { value: g.Name, selected: g.Name === chosen }, g.Name));
  }).catch(() => {}); // the groups only offer choices; the list shows errors
  await busy(box, () => list(chosen));
}

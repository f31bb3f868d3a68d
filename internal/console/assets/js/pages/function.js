// A function's page: a test panel, its configuration, environment
// (values hidden until asked), triggers, versions and aliases, concurrency
// and asynchronous settings, and its code.
import { rest } from "../aws.js";
import { el, link, table, section, busy, button, bytes, crumbs, props, when } from "../ui.js";
import { testPanel } from "./test.js";
import { codePanel } from "./code.js";
import { triggers } from "./triggers.js";

const fnPath = (name) => "/2015-03-31/functions/" + encodeURIComponent(name);

function configuration(c) {
  return props([
    ["Runtime", c.Runtime || c.PackageType], ["Handler", c.Handler], ["Memory", c.MemorySize + " MB"],
    ["Timeout", c.Timeout + " s"], ["Architectures", (c.Architectures || []).join(", ")], ["Role", c.Role],
    ["State", c.State + (c.StateReason ? " — " + c.StateReason : "")], ["Last update", c.LastUpdateStatus],
    ["Last modified", when(c.LastModified)], ["Code size", bytes(c.CodeSize)], ["Code SHA-256", c.CodeSha256],
    ["Ephemeral storage", (c.EphemeralStorage?.Size || 512) + " MB"], ["ARN", c.FunctionArn],
  ]);
}

function environment(vars) {
  const names = Object.keys(vars || {}).sort();
  return table("Environment variables", [
    { title: "Name", cell: (n) => n },
    { title: "Value", cell: (n) => {
      const v = el("span", { class: "hidden-value" }, "••••••");
      const b = button("Show", () => {
        const shown = b.getAttribute("aria-pressed") === "true";
        v.textContent = shown ? "••••••" : vars[n];
        b.textContent = shown ? "Show" : "Hide";
        b.setAttribute("aria-pressed", String(!shown));
      }, { "aria-pressed": "false", "aria-label": "Show the value of " + n, class: "small" });
      return [v, " ", b];
    } },
  ], names, "No environment variables.");
}

async function versionsAndAliases(name) {
  const [versions, aliases] = await Promise.all([
    rest("lambda", "GET", fnPath(name) + "/versions"), rest("lambda", "GET", fnPath(name) + "/aliases")]);
  return [
    table("Versions", [{ title: "Version", cell: (v) => v.Version }, { title: "Description", cell: (v) => v.Description },
      { title: "Code SHA-256", cell: (v) => v.CodeSha256 }, { title: "Last modified", cell: (v) => when(v.LastModified) }], versions.body.Versions || []),
    table("Aliases", [{ title: "Alias", cell: (a) => a.Name }, { title: "Version", cell: (a) => a.FunctionVersion },
      { title: "Routing", cell: (a) => Object.entries(a.RoutingConfig?.AdditionalVersionWeights || {}).map(([v, w]) => `${v}: ${w * 100}%`).join(", ") }],
    aliases.body.Aliases || [], "No aliases."),
  ];
}

async function settings(name) {
  const [conc, eic] = await Promise.all([
    rest("lambda", "GET", "/2019-09-30/functions/" + encodeURIComponent(name) + "/concurrency"),
    rest("lambda", "GET", "/2019-09-25/functions/" + encodeURIComponent(name) + "/event-invoke-config/list"),
  ]);
  const reserved = conc.body.ReservedConcurrentExecutions;
  return [
    props([["Reserved concurrency", reserved === undefined ? "none (the account's unreserved pool)" : String(reserved)]]),
    table("Asynchronous invocation", [
      { title: "Qualifier", cell: (c) => c.FunctionArn.split(":").pop() },
      { title: "Retries", cell: (c) => c.MaximumRetryAttempts ?? 2 }, { title: "Maximum age", cell: (c) => (c.MaximumEventAgeInSeconds ?? 21600) + " s" },
      { title: "On success", cell: (c) => c.DestinationConfig?.OnSuccess?.Destination || "" },
      { title: "On failure", cell: (c) => c.DestinationConfig?.OnFailure?.Destination || "" },
    ], eic.body.FunctionEventInvokeConfigs || [], "Default asynchronous settings: 2 retries, events kept 6 hours."),
  ];
}

function part(title, load) {
  const box = el("div");
  busy(box, load);
  return section(title, box);
}

export async function render(main, { name }) {
  const head = el("div");
  main.append(...crumbs(name, ["/functions", "Functions"]), head);
  await busy(head, async () => {
    const { body } = await rest("lambda", "GET", fnPath(name));
    const c = body.Configuration;
    return [
      el("p", { class: "links" }, link("/logs/" + encodeURIComponent("/aws/lambda/" + name), "Logs"), " · ",
        link("/metrics?function=" + encodeURIComponent(name), "Metrics")),
      testPanel(name),
      section("Configuration", configuration(c)),
      section("Environment variables", environment(c.Environment?.Variables)),
      part("Triggers", () => triggers(c)),
      part("Versions and aliases", () => versionsAndAliases(name)),
      part("Concurrency and asynchronous invocation", () => settings(name)),
      codePanel(body.Code?.Location),
    ];
  });
}

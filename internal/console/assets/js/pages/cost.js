// The bill: a month's cost per function and per table, the free tier used
// (from /_nubo/cost, the bill `nubo cost` prints), and each day's requests
// (from CloudWatch, which keeps 15 days).
import { nubo } from "../aws.js";
import { metricData } from "../cloudwatch.js";
import { serves } from "../config.js";
import { setQuery } from "../router.js";
import { el, table, section, busy, heading, field, props } from "../ui.js";
import { chart } from "../chart.js";

const usd = (v) => "$" + Number(v || 0).toFixed(6);
const num = (v, digits = 3) => Number(v || 0).toFixed(digits);

async function daily() {
  if (!serves("monitoring")) return "";
  const end = new Date();
  const d = await metricData([{ id: "inv", name: "Invocations", stat: "Sum", period: 86400 }], 15 * 86400, end);
  const s = d.inv || { timestamps: [], values: [] };
  if (s.values.length === 0) return section("Requests per day", el("p", { class: "empty" }, "No requests in the last 15 days."));
  const to = end.getTime() / 1000;
  return section("Requests per day", chart("Function requests per day", s.timestamps, [{ label: "Requests", values: s.values }], to - 15 * 86400, to));
}

function functions(bill) {
  return section("Functions", table("Cost per function", [
    { title: "Function", cell: (f) => f.function }, { title: "Region", cell: (f) => f.region },
    { title: "Requests", cell: (f) => f.requests, class: "num" }, { title: "Billed", cell: (f) => f.billedMs + " ms", class: "num" },
    { title: "GB-seconds", cell: (f) => num(f.gbSeconds), class: "num" }, { title: "Cost", cell: (f) => usd(f.cost), class: "num" },
  ], bill.functions || [], "No function ran this month."));
}

function tables(bill) {
  if (!bill.dynamodb?.length) return "";
  return section("Tables", table("Cost per table", [
    { title: "Table", cell: (t) => t.table }, { title: "Region", cell: (t) => t.region },
    { title: "Read units", cell: (t) => num(t.readRequestUnits, 1), class: "num" },
    { title: "Write units", cell: (t) => num(t.writeRequestUnits, 1), class: "num" },
    { title: "GB-months", cell: (t) => num(t.gbMonths, 6), class: "num" }, { title: "Cost", cell: (t) => usd(t.cost), class: "num" },
  ], bill.dynamodb));
}

// others lists the bill's sections of services this page does not know
// by name (each with its own cost), so that a new service's line shows.
function others(bill) {
  const known = new Set(["month", "prices", "functions", "dynamodb", "requests", "mbMs", "gbSeconds", "freeRequestsUsed",
    "freeGBSecondsUsed", "freeStorageGBMonthsUsed", "grossCost", "cost", "total"]);
  const rows = Object.entries(bill).filter(([k, v]) => !known.has(k) && v && typeof v === "object" && "cost" in v);
  if (rows.length === 0) return "";
  return section("Other services", table("Cost of other services", [
    { title: "Service", cell: ([k]) => k }, { title: "Cost", cell: ([, v]) => usd(v.cost), class: "num" },
  ], rows));
}

function freeTier(bill) {
  const p = bill.prices || {};
  return section("Free tier used", props([
    ["Requests", `${bill.freeRequestsUsed ?? 0} of ${p.freeRequests ?? 0}`],
    ["GB-seconds", `${num(bill.freeGBSecondsUsed)} of ${p.freeGBSeconds ?? 0}`],
    ["DynamoDB storage", bill.freeStorageGBMonthsUsed !== undefined ? `${num(bill.freeStorageGBMonthsUsed, 6)} GB-months` : ""],
  ]));
}

export async function render(main, params, { query }) {
  const month = el("input", { type: "month", value: query.get("month") || new Date().toISOString().slice(0, 7), required: true });
  const box = el("div");
  const load = () => busy(box, async () => {
    const [bill, days] = await Promise.all([nubo("/_nubo/cost?month=" + encodeURIComponent(month.value)), daily()]);
    const due = bill.total ?? bill.cost;
    return [
      el("p", { class: "total" }, "Due for ", bill.month, ": ", el("strong", {}, usd(due)), " (", usd(bill.grossCost), " before the free tier)"),
      functions(bill), tables(bill), others(bill), freeTier(bill), days,
    ];
  });
  month.addEventListener("change", () => {
    setQuery(new URLSearchParams({ month: month.value }));
    load();
  });
  main.append(heading("Cost"), el("div", { class: "actions" }, field("Month", month)), box);
  await load();
}

// The bill: this month's cost per function and the free tier used (from
// /_nubo/cost), and each day's requests (from CloudWatch, which keeps 15
// days).
import { nubo } from "../aws.js";
import { metricData } from "../cloudwatch.js";
import { el, table, section, busy } from "../ui.js";
import { chart } from "../chart.js";

const usd = (v) => "$" + Number(v || 0).toFixed(6);

async function daily() {
  const d = await metricData([{ id: "inv", name: "Invocations", stat: "Sum", period: 86400 }], 15 * 86400);
  const s = d.inv || { timestamps: [], values: [] };
  if (s.values.length === 0) return "";
  return section("Requests per day", chart("Requests per day", s.timestamps, [{ label: "Requests", values: s.values }]));
}

export function render(main) {
  const box = el("div");
  main.append(el("h1", {}, "Cost"), box);
  busy(box, async () => {
    const month = new Date().toISOString().slice(0, 7);
    const [bill, days] = await Promise.all([nubo("/_nubo/cost?month=" + month), daily().catch(() => "")]);
    const p = bill.prices || {};
    return [
      el("p", { class: "total" }, "Due for ", month, ": ", el("strong", {}, usd(bill.cost)), " (", usd(bill.grossCost), " before the free tier)"),
      section("Per function", table("Cost per function", [
        { title: "Function", cell: (f) => f.function }, { title: "Region", cell: (f) => f.region },
        { title: "Requests", cell: (f) => f.requests }, { title: "Billed", cell: (f) => f.billedMs + " ms" },
        { title: "GB-seconds", cell: (f) => Number(f.gbSeconds || 0).toFixed(3) }, { title: "Cost", cell: (f) => usd(f.cost) },
      ], bill.functions || [], "Nothing billed this month yet.")),
      section("Free tier", el("dl", { class: "props" },
        el("dt", {}, "Requests"), el("dd", {}, `${bill.freeRequestsUsed ?? 0} of ${p.freeRequests ?? 0}`),
        el("dt", {}, "GB-seconds"), el("dd", {}, `${Number(bill.freeGBSecondsUsed ?? 0).toFixed(3)} of ${p.freeGBSeconds ?? 0}`))),
      days,
    ];
  });
}

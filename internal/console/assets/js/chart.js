// Charts, drawn by uPlot (vendored under vendor/), sized to their
// container and coloured from the page's theme; each comes with its
// numbers as a table for screen readers.
import { el } from "./ui.js";

const palette = ["--c1", "--c2", "--c3", "--c4", "--c5"];

let loading;

// uPlot loads the library (an IIFE, not a module) with the first chart.
function uPlot() {
  loading ||= new Promise((resolve, reject) => {
    const s = el("script", { src: new URL("../vendor/uPlot.iife.min.js", import.meta.url).href });
    s.addEventListener("load", () => resolve(window.uPlot));
    s.addEventListener("error", () => reject(new Error("the chart library did not load")));
    document.head.append(s);
  });
  return loading;
}

function themed(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

function options(series, from, to, width) {
  const axis = { stroke: themed("--muted"), grid: { stroke: themed("--line"), width: 1 }, ticks: { stroke: themed("--line"), width: 1 } };
  return {
    width, height: 220,
    scales: { x: { time: true, range: [from, to] }, y: { range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] } },
    series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: themed(palette[i % palette.length]), width: 2, points: { show: true, size: 5 } }))],
    axes: [axis, { ...axis, size: 56 }],
    legend: { show: true },
  };
}

// chart returns a figure with a time-series chart of series ({label,
// values}) at times (epoch seconds), on an x axis from `from` to `to`.
export function chart(title, times, series, from, to) {
  const box = el("div", { class: "chart", role: "img", "aria-label": title + ": a chart; its numbers are in the table that follows" });
  const fig = el("figure", {}, el("figcaption", {}, title), box);
  const data = [times, ...series.map((s) => s.values)];
  let plot;
  const dark = matchMedia("(prefers-color-scheme: dark)");
  const draw = async () => {
    const UPlot = await uPlot();
    if (plot && !box.isConnected) { // the page changed: let go
      dark.removeEventListener("change", draw);
      resized.disconnect();
      return;
    }
    plot?.destroy();
    plot = new UPlot(options(series, from ?? times[0], to ?? times[times.length - 1], Math.max(240, box.clientWidth || 600)), data, box);
  };
  requestAnimationFrame(draw);
  const resized = new ResizeObserver(() => plot && Math.abs(plot.width - box.clientWidth) > 8 && draw());
  resized.observe(box);
  dark.addEventListener("change", draw);
  fig.append(el("table", { class: "sr-only" }, el("caption", {}, title),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Time"), series.map((s) => el("th", { scope: "col" }, s.label)))),
    el("tbody", {}, times.map((t, i) => el("tr", {}, el("th", { scope: "row" }, new Date(t * 1000).toISOString()),
      series.map((s) => el("td", {}, s.values[i] === null ? "" : String(s.values[i]))))))));
  return fig;
}

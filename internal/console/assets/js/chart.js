// Charts, drawn by uPlot (vendored under vendor/), sized to their
// container and coloured from the page's theme.
import { el } from "./ui.js";

const colours = ["#2f6fde", "#d9480f", "#2b8a3e", "#862e9c", "#e67700"];

// chart returns a figure with a time-series chart of series
// ({label, values}) over times (epoch seconds), and the numbers as a table
// for screen readers.
export function chart(title, times, series) {
  const box = el("div", { class: "chart", role: "img", "aria-label": title });
  const fig = el("figure", {}, box, el("figcaption", {}, title));
  const data = [times, ...series.map((s) => s.values)];
  const opts = {
    width: 600, height: 220,
    series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: colours[i % colours.length], width: 2 }))],
    axes: [{ stroke: "currentColor" }, { stroke: "currentColor" }],
  };
  requestAnimationFrame(() => {
    opts.width = Math.max(280, box.clientWidth || 600);
    new window.uPlot(opts, data, box);
  });
  fig.append(el("table", { class: "sr-only" }, el("caption", {}, title),
    el("tbody", {}, times.map((t, i) => el("tr", {}, el("th", { scope: "row" }, new Date(t * 1000).toISOString()),
      series.map((s) => el("td", {}, String(s.values[i]))))))));
  return fig;
}

// The test panel of a function's page: an event (saved in the browser, or
// one of AWS's samples), Invoke with the log tail, and what came back: the
// response, the logs and the REPORT line.
import { rest } from "../aws.js";
import { el, section, field, button, code, errorBox, pretty } from "../ui.js";
import { samples } from "../samples.js";

const saved = (fn) => JSON.parse(localStorage.getItem("nubo.events." + fn) || "{}");

function save(fn, name, text) {
  const all = saved(fn);
  all[name] = text;
  localStorage.setItem("nubo.events." + fn, JSON.stringify(all));
}

function decodeBase64(s) {
  return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
}

async function invoke(fn, payload, out) {
  out.replaceChildren(el("p", { role: "status" }, "Invoking…"));
  try {
    const r = await rest("lambda", "POST", "/2015-03-31/functions/" + encodeURIComponent(fn) + "/invocations", payload,
      { "x-amz-log-type": "Tail" });
    const failed = r.headers.get("x-amz-function-error");
    const logText = r.headers.get("x-amz-log-result") ? decodeBase64(r.headers.get("x-amz-log-result")) : "";
    const report = logText.split("\n").find((l) => l.startsWith("REPORT")) || "";
    out.replaceChildren(
      el("h3", {}, failed ? "Failed (" + failed + ")" : "Succeeded", " · version ", r.headers.get("x-amz-executed-version") || ""),
      el("h4", {}, "Response"), code(pretty(r.text)),
      el("h4", {}, "Log tail"), code(logText),
      report && el("p", { class: "report" }, report.replaceAll("\t", "  ")));
  } catch (err) {
    out.replaceChildren(errorBox(err));
  }
}

export function testPanel(fn) {
  const text = el("textarea", { rows: "10", spellcheck: "false", class: "code" }, "{}");
  const choice = el("select", {});
  const refill = () => {
    choice.replaceChildren(
      el("optgroup", { label: "Saved" }, Object.keys(saved(fn)).map((n) => el("option", { value: "saved:" + n }, n))),
      el("optgroup", { label: "Samples" }, Object.keys(samples).map((n) => el("option", { value: "sample:" + n }, n))));
  };
  refill();
  choice.addEventListener("change", () => {
    const [kind, name] = [choice.value.slice(0, choice.value.indexOf(":")), choice.value.slice(choice.value.indexOf(":") + 1)];
    text.value = kind === "saved" ? saved(fn)[name] : JSON.stringify(samples[name], null, 2);
  });
  const name = el("input", { placeholder: "my-event" });
  const out = el("div", { "aria-live": "polite", class: "result" });
  return section("Test",
    field("Event", choice), field("Payload", text),
    el("div", { class: "actions" },
      button("Invoke", () => invoke(fn, text.value, out), { class: "primary" }),
      field("Save as", name),
      button("Save event", () => {
        if (!name.value) return;
        save(fn, name.value, text.value);
        refill();
        choice.value = "saved:" + name.value;
      })),
    out);
}

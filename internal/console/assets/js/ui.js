// Building blocks of the console's pages: elements, tables, forms,
// formatting. Pages build DOM nodes with el() and never set innerHTML from
// data, so nothing an API returns can inject markup.
export const base = "/_nubo/console";

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else if (k === "value") e.value = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false || c === "") continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// link is an in-app link: the router changes the page without reloading.
export function link(href, ...children) {
  return el("a", { href: base + href, "data-route": "" }, ...children);
}

// crumbs is a page's heading with the way back to its list.
export function crumbs(title, ...trail) {
  return [
    el("nav", { "aria-label": "Breadcrumb", class: "crumbs" }, el("ol", {}, trail.map(([href, label]) => el("li", {}, link(href, label))),
      el("li", { "aria-current": "page" }, title))),
    el("h1", { tabindex: "-1" }, title),
  ];
}

export function heading(title) {
  return el("h1", { tabindex: "-1" }, title);
}

// table renders rows as a table with a caption for screen readers, in a
// box that scrolls sideways on narrow screens.
export function table(caption, columns, rows, empty = "Nothing here yet.") {
  if (rows.length === 0) return el("p", { class: "empty" }, empty);
  return el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": caption },
    el("table", {},
      el("caption", { class: "sr-only" }, caption),
      el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col", class: c.class }, c.title)))),
      el("tbody", {}, rows.map((r) => el("tr", {}, columns.map((c) => el("td", { class: c.class }, c.cell(r))))))));
}

// props renders pairs as a description list.
export function props(pairs) {
  return el("dl", { class: "props" }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

// section is a titled part of a page.
export function section(title, ...children) {
  const id = "s-" + title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return el("section", { "aria-labelledby": id }, el("h2", { id }, title), ...children);
}

let fields = 0;

// field is a labelled input.
export function field(label, input, hint) {
  const id = "f" + ++fields;
  input.id = id;
  const hintEl = hint && el("small", { id: id + "-hint", class: "hint" }, hint);
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return el("div", { class: "field" }, el("label", { for: id }, label), input, hintEl);
}

export function button(label, onclick, attrs = {}) {
  return el("button", { type: "button", onclick, ...attrs }, label);
}

// form is a form whose submit runs fn, its errors shown in out.
export function form(attrs, fn, out, ...children) {
  return el("form", {
    ...attrs,
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const result = await fn();
        if (result !== undefined) out.replaceChildren(...[result].flat());
      } catch (err) {
        out.replaceChildren(errorBox(err));
      }
    },
  }, ...children);
}

// output is a live region for the result of an action.
export function output(attrs = {}) {
  return el("div", { "aria-live": "polite", ...attrs });
}

// busy shows a loading line in target, then what fn returns, or its error.
export async function busy(target, fn) {
  target.replaceChildren(el("p", { class: "loading", role: "status" }, "Loading…"));
  try {
    const content = await fn();
    target.replaceChildren(...[content].flat().filter((c) => c !== undefined && c !== null && c !== ""));
  } catch (err) {
    target.replaceChildren(errorBox(err));
  }
}

export function errorBox(err) {
  return el("div", { class: "error", role: "alert" }, el("strong", {}, err.code || err.name || "Error"), ": ", err.message);
}

export function bytes(n) {
  if (n === undefined || n === null || n === "") return "";
  n = Number(n);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}

export function when(t) {
  if (t === undefined || t === null || t === "") return "";
  const d = typeof t === "number" ? new Date(t < 1e12 ? t * 1000 : t) : new Date(t);
  return isNaN(d) ? String(t) : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

// count says "1 item", "2 items".
export function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

export function pretty(v) {
  try {
    return JSON.stringify(typeof v === "string" ? JSON.parse(v) : v, null, 2);
  } catch {
    return String(v);
  }
}

export function code(text, label) {
  return el("pre", { class: "code", tabindex: "0", "aria-label": label }, text);
}

// copy is a button that copies text to the clipboard.
export function copy(text, label = "Copy") {
  const b = button(label, async () => {
    await navigator.clipboard.writeText(text).catch(() => {});
    b.textContent = "Copied";
  });
  return b;
}

// parseJSON parses what the user typed, naming the field in the error.
export function parseJSON(text, what) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw Object.assign(new Error(what + " is not valid JSON: " + err.message), { code: "InvalidJSON" });
  }
}

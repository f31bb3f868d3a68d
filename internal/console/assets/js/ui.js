// Building blocks of the console's pages: elements, tables, forms,
// formatting. Pages build DOM nodes with el() and never set innerHTML from
// data, so nothing an API returns can inject markup.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// link is an in-app link: it changes the page without reloading.
export function link(href, ...children) {
  return el("a", { href: base + href, "data-route": "" }, ...children);
}

export const base = "/_nubo/console";

// table renders rows as a table with a caption for screen readers.
export function table(caption, columns, rows, empty = "Nothing here yet.") {
  if (rows.length === 0) return el("p", { class: "empty" }, empty);
  return el("table", {},
    el("caption", { class: "sr-only" }, caption),
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.title)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, columns.map((c) => el("td", {}, c.cell(r)))))));
}

// section is a titled part of a page.
export function section(title, ...children) {
  const id = "s-" + title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return el("section", { "aria-labelledby": id }, el("h2", { id }, title), ...children);
}

// field is a labelled input.
export function field(label, input) {
  const id = "f-" + Math.random().toString(36).slice(2);
  input.id = id;
  return el("div", { class: "field" }, el("label", { for: id }, label), input);
}

export function button(label, onclick, attrs = {}) {
  return el("button", { type: "button", onclick, ...attrs }, label);
}

// busy runs fn, showing its error in place of the page's content.
export async function busy(target, fn) {
  target.replaceChildren(el("p", { class: "loading", role: "status" }, "Loading…"));
  try {
    const content = await fn();
    target.replaceChildren(...[content].flat());
  } catch (err) {
    target.replaceChildren(errorBox(err));
  }
}

export function errorBox(err) {
  return el("div", { class: "error", role: "alert" }, el("strong", {}, err.code || "Error"), ": ", err.message);
}

export function bytes(n) {
  if (n === undefined || n === null) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}

export function when(t) {
  if (!t) return "";
  const d = typeof t === "number" ? new Date(t < 1e12 ? t * 1000 : t) : new Date(t);
  return isNaN(d) ? String(t) : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

export function pretty(v) {
  try {
    return JSON.stringify(typeof v === "string" ? JSON.parse(v) : v, null, 2);
  } catch {
    return String(v);
  }
}

export function code(text) {
  return el("pre", { class: "code", tabindex: "0" }, text);
}

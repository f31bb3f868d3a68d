// The console's shell: the layout, the navigation, and the router that
// maps each URL under /_nubo/console/ to a page.
import { session, signIn, signOut } from "./auth.js";
import { el, base, field, button, errorBox } from "./ui.js";
import * as functions from "./pages/functions.js";
import * as fn from "./pages/function.js";
import * as logs from "./pages/logs.js";
import * as metrics from "./pages/metrics.js";
import * as cost from "./pages/cost.js";
import * as queues from "./pages/queues.js";
import * as topics from "./pages/topics.js";

// routes: a path pattern (":name" captures one segment, which links
// encode whole, slashes included) and its page; the first match wins.
const routes = [
  ["/", functions],
  ["/functions", functions],
  ["/functions/:name", fn],
  ["/logs", logs],
  ["/logs/:group", logs],
  ["/metrics", metrics],
  ["/cost", cost],
  ["/queues", queues],
  ["/queues/:name", queues],
  ["/topics", topics],
  ["/topics/:arn", topics],
];

const nav = [
  ["Functions", "/functions"], ["Logs", "/logs"], ["Metrics", "/metrics"], ["Cost", "/cost"],
  ["Queues", "/queues"], ["Topics", "/topics"],
];

function match(path) {
  const got = path.split("/").filter(Boolean).map(decodeURIComponent);
  for (const [pattern, page] of routes) {
    const want = pattern.split("/").filter(Boolean);
    const params = {};
    if (got.length !== want.length) continue;
    const ok = want.every((w, i) => {
      if (w[0] !== ":") return w === got[i];
      params[w.slice(1)] = got[i];
      return true;
    });
    if (ok) return { page, params };
  }
  return null;
}

function layout(main) {
  const s = session();
  const here = location.pathname.slice(base.length) || "/";
  return [
    el("a", { class: "skip", href: "#main" }, "Skip to content"),
    el("header", {},
      el("a", { class: "brand", href: base + "/", "data-route": "" }, "nubo"),
      el("nav", { "aria-label": "Services" }, el("ul", {}, nav.map(([label, href]) =>
        el("li", {}, el("a", { href: base + href, "data-route": "", "aria-current": here.startsWith(href) ? "page" : undefined }, label))))),
      el("span", { class: "who" }, s.user || s.credentials.accessKeyId, " · ", s.region, " ",
        button("Sign out", () => { signOut(); render(); }))),
    el("main", { id: "main", tabindex: "-1" }, main),
  ];
}

function signInPage() {
  const key = el("input", { autocomplete: "username", required: true, value: "test" });
  const secret = el("input", { type: "password", autocomplete: "current-password", required: true });
  const region = el("input", { value: "us-east-1", required: true });
  const out = el("div", { "aria-live": "polite" });
  const form = el("form", { class: "signin", onsubmit: async (e) => {
    e.preventDefault();
    try {
      await signIn(key.value.trim(), secret.value, region.value.trim());
      render();
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
  } },
  el("h1", {}, "Sign in to nubo"),
  el("p", {}, "Use an access key of this nubo (the root key from --root-access-key-id, or an IAM user's)."),
  field("Access key ID", key), field("Secret access key", secret), field("Region", region),
  el("button", { type: "submit" }, "Sign in"), out);
  return el("main", { id: "main" }, form);
}

export function render() {
  const root = document.getElementById("app");
  if (!session()) {
    root.replaceChildren(signInPage());
    return;
  }
  const path = location.pathname.slice(base.length) || "/";
  const m = match(path);
  const main = el("div");
  root.replaceChildren(...layout(main));
  if (!m) {
    main.append(el("h1", {}, "Not found"), el("p", {}, "There is no page at this address."));
    return;
  }
  m.page.render(main, m.params);
  document.getElementById("main").focus({ preventScroll: true });
}

export function go(path) {
  history.pushState(null, "", base + path);
  render();
}

document.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-route]");
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  history.pushState(null, "", a.getAttribute("href"));
  render();
});
window.addEventListener("popstate", render);
render();

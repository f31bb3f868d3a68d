// The console's shell: sign-in, the layout with its navigation, and the
// page the router chose inside it.
import { session, signIn, signOut, whySignedOut } from "./auth.js";
import { serves, config } from "./config.js";
import { match, here, start, render } from "./router.js";
import { el, base, field, errorBox, heading } from "./ui.js";

// nav: the services' pages, grouped as the console's menu shows them.
const nav = [
  ["Compute", [["Functions", "/functions", "lambda"], ["State machines", "/state-machines", "states"], ["APIs", "/apis", "apigateway"]]],
  ["Messaging", [["Queues", "/queues", "sqs"], ["Topics", "/topics", "sns"], ["Event buses", "/buses", "events"], ["Schedules", "/schedules", "scheduler"]]],
  ["Storage", [["Buckets", "/buckets", "s3"], ["Tables", "/tables", "dynamodb"]]],
  ["Monitoring", [["Logs", "/logs", "logs"], ["Metrics", "/metrics", "monitoring"], ["Cost", "/cost", ""]]],
];

let shell; // {root, main, links} while signed in

function menu() {
  const links = [];
  const groups = nav.map(([group, items]) => {
    const shown = items.filter(([, , service]) => serves(service));
    if (shown.length === 0) return "";
    return el("li", {}, el("span", { class: "group" }, group), el("ul", {}, shown.map(([label, href]) => {
      const a = el("a", { href: base + href, "data-route": "" }, label);
      links.push([href, a]);
      return el("li", {}, a);
    })));
  });
  return { list: el("ul", { class: "groups" }, groups), links };
}

function layout() {
  const s = session();
  const { list, links } = menu();
  const navEl = el("nav", { id: "nav", "aria-label": "Services" }, list);
  const toggle = el("button", { type: "button", class: "menu", "aria-expanded": "false", "aria-controls": "nav" }, "Menu");
  toggle.addEventListener("click", () => toggle.setAttribute("aria-expanded", String(toggle.getAttribute("aria-expanded") !== "true")));
  navEl.addEventListener("click", (e) => e.target.closest("a") && toggle.setAttribute("aria-expanded", "false"));
  const main = el("main", { id: "main", tabindex: "-1" });
  const root = el("div", { class: "shell" },
    el("a", { class: "skip", href: "#main" }, "Skip to content"),
    el("header", { class: "top" },
      toggle,
      el("a", { class: "brand", href: base + "/functions", "data-route": "" }, "nubo"),
      el("span", { class: "who" }, el("span", { class: "sr-only" }, "Signed in as "), s.user || s.credentials.accessKeyId, " · ", s.region),
      s.open ? "" : el("button", { type: "button", onclick: () => signOut() }, "Sign out")),
    navEl, main);
  return { root, main, links };
}

function signInPage() {
  const key = el("input", { autocomplete: "username", required: true, value: "test", spellcheck: "false" });
  const secret = el("input", { type: "password", autocomplete: "current-password", required: true });
  const region = el("input", { value: config.region || "us-east-1", required: true, spellcheck: "false" });
  const why = whySignedOut();
  const out = el("div", { "aria-live": "polite" }, why && el("p", { role: "alert" }, why));
  const form = el("form", { class: "signin", onsubmit: async (e) => {
    e.preventDefault();
    try {
      await signIn(key.value.trim(), secret.value, region.value.trim());
      render(true);
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
  } },
  heading("Sign in to nubo"),
  el("p", {}, "Use an access key of this nubo: the root key (--root-access-key-id) or an IAM user's."),
  field("Access key ID", key), field("Secret access key", secret), field("Region", region),
  el("button", { type: "submit", class: "primary" }, "Sign in"), out);
  return el("main", { id: "main", class: "alone" }, form);
}

function notFound(main, what) {
  main.replaceChildren(heading("Not found"), el("p", {}, what), el("p", {}, el("a", { href: base + "/functions", "data-route": "" }, "Go to the functions")));
}

// show renders the current URL: the sign-in form, or the page inside
// the shell.
async function show(signal, inApp) {
  const app = document.getElementById("app");
  if (!session()) {
    shell = null;
    document.title = "Sign in · nubo";
    app.replaceChildren(signInPage());
    return;
  }
  if (here() === "/") history.replaceState(null, "", base + "/functions");
  if (!shell) {
    shell = layout();
    app.replaceChildren(shell.root);
  }
  const m = match(here());
  for (const [href, a] of shell.links) {
    if (m && (m.pattern === href || m.pattern.startsWith(href + "/"))) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const main = el("div", { class: "page" });
  shell.main.replaceChildren(main);
  if (!m) return notFound(main, "There is no page at this address.");
  if (!serves(m.service)) return notFound(main, "This nubo does not serve " + m.service + ".");
  let page;
  try {
    page = await m.load();
  } catch (err) { // the page's module did not load: say so, not a blank page
    if (!signal.aborted) main.replaceChildren(errorBox(err));
    return;
  }
  if (signal.aborted) return;
  await page.render(main, m.params, { signal, query: new URLSearchParams(location.search) });
  const h1 = main.querySelector("h1");
  document.title = (h1 ? h1.textContent + " · " : "") + "nubo";
  // After an in-app navigation, a screen reader starts at the new page.
  if (inApp && !signal.aborted) (h1 || shell.main).focus({ preventScroll: true });
}

addEventListener("nubo:signed-out", () => render(true));
start(show);

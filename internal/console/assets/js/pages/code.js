// The code panel of a function's page: the deployment package's files as a
// tree, and a viewer for one of them.
import { el, section, button, code, errorBox, bytes } from "../ui.js";
import { entries, read } from "../zip.js";

const MAX_VIEW = 1 << 20;

export function codePanel(location) {
  const tree = el("div");
  const view = el("div", { "aria-live": "polite" });
  const load = button("Show the code", async () => {
    tree.replaceChildren(el("p", { role: "status" }, "Loading the package…"));
    try {
      // Code.Location is on nubo's own origin; its query may sign it.
      const u = new URL(location, window.location.href);
      const resp = await fetch(u.pathname + u.search);
      if (!resp.ok) throw new Error("the package could not be downloaded (" + resp.status + ")");
      const buf = await resp.arrayBuffer();
      const files = entries(buf).filter((e) => !e.name.endsWith("/")).sort((a, b) => a.name.localeCompare(b.name));
      tree.replaceChildren(el("ul", { class: "tree" }, files.map((f) => el("li", {},
        button(f.name, async () => {
          if (f.size > MAX_VIEW) {
            view.replaceChildren(el("p", {}, f.name + " is " + bytes(f.size) + ": too large to show."));
            return;
          }
          const data = await read(buf, f);
          const text = new TextDecoder("utf-8", { fatal: false }).decode(data);
          view.replaceChildren(el("h3", {}, f.name), /[\x00-\x08]/.test(text) ? el("p", {}, "A binary file (" + bytes(f.size) + ").") : code(text, f.name));
        }, { class: "link" }), " ", el("small", {}, bytes(f.size))))));
    } catch (err) {
      tree.replaceChildren(errorBox(err));
    }
  });
  return section("Code", location ? load : el("p", {}, "No package to show."), tree, view);
}

// A bucket's page: its objects and folders under a prefix (the prefix is
// in the URL, so every folder has one), uploads by drag and drop or by
// choosing files, downloads, presigned links and deletion.
import { restXml, presign, xmlText } from "../aws.js";
import { uriEncode } from "../sigv4.js";
import { el, link, table, busy, field, button, crumbs, output, errorBox, bytes, when, copy } from "../ui.js";
import { navigate } from "../router.js";
import { base } from "../ui.js";

const objectPath = (bucket, key) => "/" + encodeURIComponent(bucket) + "/" + uriEncode(key, true);
const folderHref = (bucket, prefix) => "/buckets/" + encodeURIComponent(bucket) + (prefix ? "?prefix=" + encodeURIComponent(prefix) : "");

async function listing(bucket, prefix, token) {
  const q = new URLSearchParams({ "list-type": "2", delimiter: "/", "max-keys": "200" });
  if (prefix) q.set("prefix", prefix);
  if (token) q.set("continuation-token", token);
  const { doc } = await restXml("s3", "GET", "/" + encodeURIComponent(bucket) + "?" + q);
  return {
    folders: [...doc.getElementsByTagName("CommonPrefixes")].map((p) => xmlText(p, "Prefix")),
    objects: [...doc.getElementsByTagName("Contents")].map((c) => ({
      key: xmlText(c, "Key"), size: xmlText(c, "Size"), modified: xmlText(c, "LastModified"), etag: xmlText(c, "ETag") })),
    next: xmlText(doc, "IsTruncated") === "true" ? xmlText(doc, "NextContinuationToken") : "",
  };
}

// presignForm makes a link to share an object for a chosen time.
function presignForm(bucket, key, out) {
  const expires = el("input", { type: "number", min: "1", max: "604800", value: "3600", required: true });
  return el("form", { class: "actions", onsubmit: async (e) => {
    e.preventDefault();
    const url = await presign("s3", objectPath(bucket, key), Number(expires.value));
    out.replaceChildren(el("div", { class: "field" }, el("label", {}, "Link to ", key, " for ", expires.value, " s"),
      el("input", { readonly: true, value: url, class: "code presigned", "aria-label": "Presigned URL" }), copy(url, "Copy the link")));
  } }, field("Expires in (seconds)", expires), el("button", { type: "submit" }, "Presign"));
}

function objectActions(bucket, o, out, reload) {
  const name = o.key.split("/").pop();
  const download = button("Download", async () => {
    const a = el("a", { href: await presign("s3", objectPath(bucket, o.key), 300), download: name });
    document.body.append(a);
    a.click();
    a.remove();
  }, { class: "small", "aria-label": "Download " + name });
  const share = button("Presign", () => out.replaceChildren(presignForm(bucket, o.key, out)), { class: "small", "aria-label": "Presign a link to " + name });
  const del = button("Delete", () => out.replaceChildren(el("div", { class: "confirm", role: "alertdialog", "aria-label": "Delete " + o.key },
    el("p", {}, "Delete ", o.key, "?"),
    button("Yes, delete", async () => {
      try {
        await restXml("s3", "DELETE", objectPath(bucket, o.key));
        out.replaceChildren(el("p", {}, "Deleted ", o.key, "."));
        reload();
      } catch (err) {
        out.replaceChildren(errorBox(err));
      }
    }, { class: "danger" }), " ", button("Cancel", () => out.replaceChildren()))), { class: "small danger", "aria-label": "Delete " + name });
  return [download, " ", share, " ", del];
}

// uploader is the drop zone, with a file input for keyboards.
function uploader(bucket, prefix, out, reload) {
  const files = el("input", { type: "file", multiple: true });
  const upload = async (list) => {
    const done = [];
    try {
      for (const f of list) {
        out.replaceChildren(el("p", { role: "status" }, `Uploading ${f.name} (${bytes(f.size)})…`));
        await restXml("s3", "PUT", objectPath(bucket, prefix + f.name), { body: f, headers: { "content-type": f.type || "application/octet-stream" } });
        done.push(f.name);
      }
      out.replaceChildren(el("p", { role: "status" }, "Uploaded ", done.join(", "), "."));
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
    reload();
  };
  files.addEventListener("change", () => upload([...files.files]));
  const zone = el("div", { class: "drop" }, "Drop files here to upload them to ", prefix || "the bucket's root", ", or ",
    el("label", { class: "pick" }, files, " choose files"), ".");
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    upload([...e.dataTransfer.files]);
  });
  return zone;
}

function trail(bucket, prefix) {
  const parts = prefix.split("/").filter(Boolean);
  return [["/buckets", "Buckets"], [folderHref(bucket, ""), bucket], ...parts.slice(0, -1).map((p, i) =>
    [folderHref(bucket, parts.slice(0, i + 1).join("/") + "/"), p])];
}

export async function render(main, { bucket }, { query }) {
  const prefix = query.get("prefix") || "";
  const title = prefix ? prefix.split("/").filter(Boolean).pop() + "/" : bucket;
  const out = output({ class: "result" });
  const list = el("div");
  const filter = el("input", { type: "search", value: prefix, spellcheck: "false" });
  const load = (token) => busy(list, async () => {
    const r = await listing(bucket, prefix, token);
    const rows = [...r.folders.map((p) => ({ folder: p })), ...r.objects.filter((o) => o.key !== prefix)];
    return [table("Objects", [
      { title: "Name", cell: (o) => (o.folder ? link(folderHref(bucket, o.folder), o.folder.slice(prefix.length)) : o.key.slice(prefix.length)) },
      { title: "Size", cell: (o) => (o.folder ? "folder" : bytes(o.size)), class: "num" },
      { title: "Last modified", cell: (o) => (o.folder ? "" : when(o.modified)) },
      { title: "Actions", cell: (o) => (o.folder ? "" : objectActions(bucket, o, out, () => load())) },
    ], rows, "Nothing under this prefix yet."), r.next ? button("More", () => load(r.next)) : ""];
  });
  main.append(...crumbs(title, ...trail(bucket, prefix)),
    el("form", { class: "actions", onsubmit: (e) => { e.preventDefault(); navigate(base + folderHref(bucket, filter.value)); } },
      field("Prefix", filter), el("button", { type: "submit" }, "Go")),
    uploader(bucket, prefix, out, () => load()), out, list);
  await load();
}

// Buckets: the S3 buckets of the account.
import { restXml, xmlText } from "../aws.js";
import { el, link, table, busy, heading, when } from "../ui.js";

async function list() {
  const { doc } = await restXml("s3", "GET", "/");
  const buckets = [...doc.getElementsByTagName("Bucket")].map((b) => ({ name: xmlText(b, "Name"), created: xmlText(b, "CreationDate") }));
  return table("Buckets", [
    { title: "Bucket", cell: (b) => link("/buckets/" + encodeURIComponent(b.name), b.name) },
    { title: "Created", cell: (b) => when(b.created) },
  ], buckets, "No buckets yet.");
}

export async function render(main) {
  const box = el("div");
  main.append(heading("Buckets"), box);
  await busy(box, list);
}

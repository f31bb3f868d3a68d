// A DynamoDB table's page: its description, and forms to scan and to query
// it (by the table's key or an index's), items shown a page at a time.
import { el, count, section, busy, field, props, crumbs, table, output, form, parseJSON, code, bytes, when } from "../ui.js";
import { dynamodb, keyOf } from "./tables.js";
import { plain, typed } from "./items.js";

function describe(t) {
  const indexes = [...(t.GlobalSecondaryIndexes || []).map((i) => ({ ...i, kind: "Global" })),
    ...(t.LocalSecondaryIndexes || []).map((i) => ({ ...i, kind: "Local" }))];
  return [
    props([["Status", t.TableStatus], ["Key", keyOf(t.KeySchema, t.AttributeDefinitions)], ["Items", t.ItemCount],
      ["Size", bytes(t.TableSizeBytes)], ["Billing", t.BillingModeSummary?.BillingMode || "PROVISIONED"],
      ["Stream", t.StreamSpecification?.StreamEnabled ? t.StreamSpecification.StreamViewType + " · " + t.LatestStreamArn : "off"],
      ["Created", when(t.CreationDateTime)], ["ARN", t.TableArn]]),
    indexes.length ? table("Indexes", [{ title: "Index", cell: (i) => i.IndexName }, { title: "Kind", cell: (i) => i.kind },
      { title: "Key", cell: (i) => keyOf(i.KeySchema, t.AttributeDefinitions) },
      { title: "Projection", cell: (i) => i.Projection?.ProjectionType }], indexes) : "",
  ];
}

// results shows a page of items, with the button to the next.
function results(out, r, next) {
  const items = r.Items || [];
  const names = [...new Set(items.flatMap((i) => Object.keys(i)))];
  const more = r.LastEvaluatedKey && el("button", { type: "button", onclick: () => next(r.LastEvaluatedKey) }, "Next page");
  out.replaceChildren(
    el("p", { class: "count", role: "status" }, count(r.Count ?? items.length, "item") + (r.ScannedCount !== undefined ? `, ${r.ScannedCount} read` : "")),
    table("Items", [...names.map((n) => ({ title: n, cell: (i) => (n in i ? plain(i[n]) : "") })),
      { title: "JSON", cell: (i) => el("details", {}, el("summary", {}, "Item"), code(JSON.stringify(i, null, 2))) }],
    items, "No items."), more || "");
}

// keySchema returns the partition and sort keys of the table or an index.
function keySchema(t, index) {
  const i = [...(t.GlobalSecondaryIndexes || []), ...(t.LocalSecondaryIndexes || [])].find((x) => x.IndexName === index);
  const schema = (i || t).KeySchema;
  const type = (n) => t.AttributeDefinitions.find((d) => d.AttributeName === n)?.AttributeType || "S";
  const pk = schema.find((k) => k.KeyType === "HASH").AttributeName;
  const sk = schema.find((k) => k.KeyType === "RANGE")?.AttributeName;
  return { pk, pkType: type(pk), sk, skType: sk && type(sk) };
}

// request builds the Scan or Query input that the form's fields f ask
// for, from start (a LastEvaluatedKey) when given.
function request(t, f, start) {
  const input = { TableName: t.TableName, Limit: Number(f.limit.value) || 25, ...(f.index.value && { IndexName: f.index.value }),
    ...(start && { ExclusiveStartKey: start }) };
  const n = f.names.value.trim() ? parseJSON(f.names.value, "Names") : {};
  const v = f.values.value.trim() ? parseJSON(f.values.value, "Values") : {};
  if (f.filter.value.trim()) input.FilterExpression = f.filter.value.trim();
  if (f.mode.value === "Query") {
    const k = keySchema(t, f.index.value);
    n["#pk"] = k.pk;
    v[":pk"] = typed(k.pkType, f.pk.value);
    let cond = "#pk = :pk";
    const op = f.op.value;
    if (k.sk && op) {
      n["#sk"] = k.sk;
      v[":sk"] = typed(k.skType, f.sk.value);
      if (op === "between") v[":sk2"] = typed(k.skType, f.sk2.value);
      cond += op === "begins_with" ? " AND begins_with(#sk, :sk)" : op === "between" ? " AND #sk BETWEEN :sk AND :sk2" : ` AND #sk ${op} :sk`;
    }
    input.KeyConditionExpression = cond;
    input.ScanIndexForward = !f.backward.checked;
  }
  if (Object.keys(n).length) input.ExpressionAttributeNames = n;
  if (Object.keys(v).length) input.ExpressionAttributeValues = v;
  return input;
}

function inputs(t) {
  const text = (placeholder) => el("input", { spellcheck: "false", placeholder });
  const json = (placeholder) => el("textarea", { rows: "2", class: "code", spellcheck: "false", placeholder });
  const f = {
    mode: el("select", {}, el("option", { value: "Scan" }, "Scan"), el("option", { value: "Query" }, "Query")),
    index: el("select", {}, el("option", { value: "" }, "The table"),
      [...(t.GlobalSecondaryIndexes || []), ...(t.LocalSecondaryIndexes || [])].map((i) => el("option", { value: i.IndexName }, i.IndexName))),
    pk: text(), sk: text(), sk2: text(), filter: text("#n > :v"),
    op: el("select", {}, ["", "=", "<", "<=", ">", ">=", "begins_with", "between"].map((o) => el("option", { value: o }, o || "(any)"))),
    names: json('{"#n": "plays"}'), values: json('{":v": {"N": "10"}}'),
    limit: el("input", { type: "number", min: "1", max: "1000", value: "25" }),
    backward: el("input", { type: "checkbox" }),
  };
  for (const [k, e] of Object.entries(f)) e.name = k;
  return f;
}

function searchForm(t, out) {
  const f = inputs(t);
  const pkField = field("Partition key", f.pk);
  const queryFields = el("div", { class: "grid2" }, pkField, field("Sort key condition", f.op), field("Sort key value", f.sk),
    field("Second value (between)", f.sk2), el("label", { class: "check" }, f.backward, " Newest first (descending sort key)"));
  const labels = () => {
    const k = keySchema(t, f.index.value);
    pkField.querySelector("label").textContent = `Partition key: ${k.pk} (${k.pkType})`;
    queryFields.hidden = f.mode.value !== "Query";
    for (const e of [f.op, f.sk, f.sk2]) e.disabled = !k.sk;
  };
  f.mode.addEventListener("change", labels);
  f.index.addEventListener("change", labels);
  labels();
  const run = async (start) => results(out, await dynamodb(f.mode.value, request(t, f, start)), run);
  return form({ class: "search" }, () => run(), out,
    el("div", { class: "grid2" }, field("Operation", f.mode), field("Index", f.index), field("Limit", f.limit)),
    queryFields,
    el("div", { class: "grid2" }, field("Filter expression", f.filter, "Optional, e.g. #n > :v"),
      field("Expression attribute names", f.names, "JSON"), field("Expression attribute values", f.values, "JSON, typed as DynamoDB's")),
    el("button", { type: "submit", class: "primary" }, "Run"));
}

export async function render(main, { name }) {
  const head = el("div");
  main.append(...crumbs(name, ["/tables", "Tables"]), head);
  await busy(head, async () => {
    const { Table: t } = await dynamodb("DescribeTable", { TableName: name });
    const out = output({ class: "result" });
    return [...describe(t), section("Items", searchForm(t, out), out)];
  });
}

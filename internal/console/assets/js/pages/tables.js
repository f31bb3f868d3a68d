// Tables: the DynamoDB tables with their keys, item counts and sizes.
import { json } from "../aws.js";
import { el, link, table, busy, heading, bytes } from "../ui.js";

export const dynamodb = (op, input) => json("dynamodb", "DynamoDB_20120810", "1.0", op, input);

// keyOf names a key schema's attributes: "artist (S), title (S)".
export function keyOf(schema, defs) {
  const types = Object.fromEntries((defs || []).map((d) => [d.AttributeName, d.AttributeType]));
  return (schema || []).map((k) => `${k.AttributeName} (${types[k.AttributeName] || "?"})`).join(", ");
}

async function list() {
  const names = [];
  let ExclusiveStartTableName;
  do {
    const r = await dynamodb("ListTables", { Limit: 100, ...(ExclusiveStartTableName && { ExclusiveStartTableName }) });
    names.push(...(r.TableNames || []));
    ExclusiveStartTableName = r.LastEvaluatedTableName;
  } while (ExclusiveStartTableName);
  const tables = await Promise.all(names.map(async (n) => (await dynamodb("DescribeTable", { TableName: n })).Table));
  return table("Tables", [
    { title: "Table", cell: (t) => link("/tables/" + encodeURIComponent(t.TableName), t.TableName) },
    { title: "Status", cell: (t) => t.TableStatus },
    { title: "Key", cell: (t) => keyOf(t.KeySchema, t.AttributeDefinitions) },
    { title: "Indexes", cell: (t) => (t.GlobalSecondaryIndexes?.length || 0) + (t.LocalSecondaryIndexes?.length || 0), class: "num" },
    { title: "Items", cell: (t) => t.ItemCount, class: "num" }, { title: "Size", cell: (t) => bytes(t.TableSizeBytes), class: "num" },
    { title: "Stream", cell: (t) => (t.StreamSpecification?.StreamEnabled ? t.StreamSpecification.StreamViewType : "") },
  ], tables, "No tables yet.");
}

export async function render(main) {
  const box = el("div");
  main.append(heading("Tables"), box);
  await busy(box, list);
}

// State machines: Step Functions' state machines of the account.
import { json } from "../aws.js";
import { el, link, table, busy, heading, when } from "../ui.js";

export const sfn = (op, input) => json("states", "AWSStepFunctions", "1.0", op, input);

// all pages through a Step Functions list operation.
export async function all(op, input, key) {
  const out = [];
  let nextToken;
  do {
    const r = await sfn(op, { ...input, maxResults: 1000, ...(nextToken && { nextToken }) });
    out.push(...(r[key] || []));
    nextToken = r.nextToken;
  } while (nextToken);
  return out;
}

async function list() {
  const machines = await all("ListStateMachines", {}, "stateMachines");
  return table("State machines", [
    { title: "State machine", cell: (m) => link("/state-machines/" + encodeURIComponent(m.stateMachineArn), m.name) },
    { title: "Type", cell: (m) => m.type }, { title: "Created", cell: (m) => when(m.creationDate) },
  ], machines, "No state machines yet.");
}

export async function render(main) {
  const box = el("div");
  main.append(heading("State machines"), box);
  await busy(box, list);
}

// Queues: SQS queues with their counts, and a queue's page to send,
// receive, peek, purge and redrive from a dead-letter queue.
import { json } from "../aws.js";
import { el, link, table, section, busy, field, button, code, errorBox, pretty } from "../ui.js";

const sqs = (op, input) => json("sqs", "AmazonSQS", "1.0", op, input);
const nameOf = (url) => url.split("/").pop();

async function list() {
  const { QueueUrls = [] } = await sqs("ListQueues", { MaxResults: 1000 });
  const rows = await Promise.all(QueueUrls.map(async (url) => {
    const { Attributes = {} } = await sqs("GetQueueAttributes", { QueueUrl: url, AttributeNames: ["All"] });
    return { url, a: Attributes };
  }));
  return table("Queues", [
    { title: "Queue", cell: (q) => link("/queues/" + encodeURIComponent(nameOf(q.url)), nameOf(q.url)) },
    { title: "Available", cell: (q) => q.a.ApproximateNumberOfMessages }, { title: "In flight", cell: (q) => q.a.ApproximateNumberOfMessagesNotVisible },
    { title: "Delayed", cell: (q) => q.a.ApproximateNumberOfMessagesDelayed }, { title: "FIFO", cell: (q) => (q.a.FifoQueue === "true" ? "yes" : "") },
  ], rows, "No queues yet.");
}

function messages(msgs) {
  return table("Messages", [
    { title: "Message", cell: (m) => m.MessageId }, { title: "Body", cell: (m) => code(pretty(m.Body)) },
    { title: "Receives", cell: (m) => m.Attributes?.ApproximateReceiveCount },
  ], msgs, "No message was available.");
}

function actions(url, fifo, refresh) {
  const body = el("textarea", { rows: "4", class: "code" }, '{"hello": "world"}');
  const group = el("input", { value: "default" });
  const out = el("div", { "aria-live": "polite" });
  const run = (fn) => async () => {
    try {
      out.replaceChildren(await fn());
      refresh();
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
  };
  const receive = (visibility) => run(async () => messages((await sqs("ReceiveMessage", {
    QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: visibility, AttributeNames: ["All"], WaitTimeSeconds: 0 })).Messages || []));
  return section("Act on the queue",
    field("Message body", body), fifo && field("Message group", group),
    el("div", { class: "actions" },
      button("Send", run(async () => {
        const input = { QueueUrl: url, MessageBody: body.value };
        if (fifo) Object.assign(input, { MessageGroupId: group.value, MessageDeduplicationId: crypto.randomUUID() });
        return el("p", {}, "Sent message ", (await sqs("SendMessage", input)).MessageId);
      }), { class: "primary" }),
      button("Receive", receive(undefined)),
      button("Peek", receive(0), { title: "Receive without hiding the messages" }),
      button("Purge", run(async () => {
        if (!confirm("Delete every message of " + nameOf(url) + "?")) return "";
        await sqs("PurgeQueue", { QueueUrl: url });
        return el("p", {}, "Purged.");
      }), { class: "danger" })),
    out);
}

async function redrive(url, arn, refresh) {
  const { queueUrls = [] } = await sqs("ListDeadLetterSourceQueues", { QueueUrl: url });
  if (queueUrls.length === 0) return "";
  const out = el("div", { "aria-live": "polite" });
  return section("Dead-letter queue of " + queueUrls.map(nameOf).join(", "),
    button("Redrive messages to their sources", async () => {
      try {
        const r = await sqs("StartMessageMoveTask", { SourceArn: arn });
        out.replaceChildren(el("p", {}, "Moving: task ", r.TaskHandle));
        refresh();
      } catch (err) {
        out.replaceChildren(errorBox(err));
      }
    }), out);
}

async function queue(name) {
  const { QueueUrl } = await sqs("GetQueueUrl", { QueueName: name });
  const attrs = el("div");
  const refresh = () => busy(attrs, async () => {
    const { Attributes = {} } = await sqs("GetQueueAttributes", { QueueUrl, AttributeNames: ["All"] });
    return el("dl", { class: "props" }, Object.keys(Attributes).sort().flatMap((k) => [el("dt", {}, k), el("dd", {}, Attributes[k])]));
  });
  refresh();
  const { Attributes = {} } = await sqs("GetQueueAttributes", { QueueUrl, AttributeNames: ["QueueArn", "FifoQueue"] });
  return [section("Attributes", attrs), actions(QueueUrl, Attributes.FifoQueue === "true", refresh), await redrive(QueueUrl, Attributes.QueueArn, refresh)];
}

export function render(main, { name }) {
  const box = el("div");
  if (name) main.append(el("p", {}, link("/queues", "Queues"), " / ", name), el("h1", {}, name), box);
  else main.append(el("h1", {}, "Queues"), box);
  busy(box, () => (name ? queue(name) : list()));
}

// Queues: SQS queues with their counts, and a queue's page to send,
// receive, peek, purge and redrive from a dead-letter queue.
import { json } from "../aws.js";
import { el, link, table, section, busy, field, button, code, errorBox, pretty, heading, crumbs, props, output } from "../ui.js";

const sqs = (op, input) => json("sqs", "AmazonSQS", "1.0", op, input);
const nameOf = (url) => url.split("/").pop();

async function list() {
  const urls = [];
  let NextToken;
  do {
    const r = await sqs("ListQueues", { MaxResults: 1000, ...(NextToken && { NextToken }) });
    urls.push(...(r.QueueUrls || []));
    NextToken = r.NextToken;
  } while (NextToken);
  const rows = await Promise.all(urls.map(async (url) => {
    const { Attributes = {} } = await sqs("GetQueueAttributes", { QueueUrl: url, AttributeNames: ["All"] });
    return { url, a: Attributes };
  }));
  return table("Queues", [
    { title: "Queue", cell: (q) => link("/queues/" + encodeURIComponent(nameOf(q.url)), nameOf(q.url)) },
    { title: "Available", cell: (q) => q.a.ApproximateNumberOfMessages, class: "num" },
    { title: "In flight", cell: (q) => q.a.ApproximateNumberOfMessagesNotVisible, class: "num" },
    { title: "Delayed", cell: (q) => q.a.ApproximateNumberOfMessagesDelayed, class: "num" },
    { title: "Type", cell: (q) => (q.a.FifoQueue === "true" ? "FIFO" : "Standard") },
  ], rows, "No queues yet.");
}

function messages(msgs, what) {
  return table(what, [
    { title: "Message", cell: (m) => m.MessageId }, { title: "Body", cell: (m) => code(pretty(m.Body)) },
    { title: "Receives", cell: (m) => m.Attributes?.ApproximateReceiveCount, class: "num" },
  ], msgs, "No message was available.");
}

// confirmed runs act after the user confirms it in place (no dialog).
function confirmed(out, question, act) {
  return () => out.replaceChildren(el("div", { class: "confirm", role: "alertdialog", "aria-label": question },
    el("p", {}, question), button("Yes, " + question.split(" ")[0].toLowerCase(), act, { class: "danger" }),
    " ", button("Cancel", () => out.replaceChildren())));
}

function actions(url, fifo, refresh) {
  const body = el("textarea", { rows: "4", class: "code", spellcheck: "false" }, '{"hello": "world"}');
  const group = el("input", { value: "default" });
  const out = output({ class: "result" });
  const run = (fn) => async () => {
    try {
      out.replaceChildren(await fn());
      refresh();
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
  };
  const receive = (visibility, what) => run(async () => messages((await sqs("ReceiveMessage", {
    QueueUrl: url, MaxNumberOfMessages: 10, AttributeNames: ["All"], WaitTimeSeconds: 0,
    ...(visibility !== undefined && { VisibilityTimeout: visibility }) })).Messages || [], what));
  return section("Act on the queue",
    field("Message body", body), fifo && field("Message group", group),
    el("div", { class: "actions" },
      button("Send", run(async () => {
        const input = { QueueUrl: url, MessageBody: body.value };
        if (fifo) Object.assign(input, { MessageGroupId: group.value, MessageDeduplicationId: crypto.randomUUID() });
        return el("p", {}, "Sent message ", (await sqs("SendMessage", input)).MessageId, ".");
      }), { class: "primary" }),
      button("Receive", receive(undefined, "Received messages"), { title: "Receive: the messages stay hidden for the visibility timeout" }),
      button("Peek", receive(0, "Peeked messages"), { title: "Receive without hiding the messages" }),
      button("Purge", confirmed(out, "Purge every message of " + nameOf(url) + "?", run(async () => {
        await sqs("PurgeQueue", { QueueUrl: url });
        return el("p", {}, "Purged.");
      })), { class: "danger" })),
    out);
}

async function redrive(url, arn, refresh) {
  const { queueUrls = [] } = await sqs("ListDeadLetterSourceQueues", { QueueUrl: url });
  if (queueUrls.length === 0) return "";
  const out = output();
  return section("Dead-letter queue of " + queueUrls.map(nameOf).join(", "),
    button("Redrive the messages to their sources", async () => {
      try {
        const r = await sqs("StartMessageMoveTask", { SourceArn: arn });
        out.replaceChildren(el("p", {}, "Moving the messages: task ", r.TaskHandle, "."));
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
    return props(Object.keys(Attributes).sort().map((k) => [k, Attributes[k]]));
  });
  const { Attributes = {} } = await sqs("GetQueueAttributes", { QueueUrl, AttributeNames: ["QueueArn", "FifoQueue"] });
  const [dlq] = await Promise.all([redrive(QueueUrl, Attributes.QueueArn, refresh), refresh()]);
  return [props([["URL", QueueUrl], ["ARN", Attributes.QueueArn]]), actions(QueueUrl, Attributes.FifoQueue === "true", refresh), dlq,
    section("Attributes", attrs)];
}

export async function render(main, { name }) {
  const box = el("div");
  if (name) main.append(...crumbs(name, ["/queues", "Queues"]), box);
  else main.append(heading("Queues"), box);
  await busy(box, () => (name ? queue(name) : list()));
}

// Topics: SNS topics, and a topic's page with its subscriptions and a form
// to publish.
import { query, xmlTexts, xmlText } from "../aws.js";
import { el, link, table, section, busy, field, heading, crumbs, output, form } from "../ui.js";

const nameOf = (arn) => arn.split(":").pop();

async function list() {
  const topics = [];
  let token = "";
  do {
    const doc = await query("sns", "ListTopics", token ? { NextToken: token } : {});
    topics.push(...xmlTexts(doc, "TopicArn"));
    token = xmlText(doc, "NextToken") || "";
  } while (token);
  return table("Topics", [{ title: "Topic", cell: (a) => link("/topics/" + encodeURIComponent(a), nameOf(a)) }, { title: "ARN", cell: (a) => a }],
    topics, "No topics yet.");
}

async function subscriptions(arn) {
  const rows = [];
  let token = "";
  do {
    const doc = await query("sns", "ListSubscriptionsByTopic", { TopicArn: arn, ...(token && { NextToken: token }) });
    for (const m of doc.getElementsByTagName("member")) {
      rows.push({ protocol: xmlText(m, "Protocol"), endpoint: xmlText(m, "Endpoint"), arn: xmlText(m, "SubscriptionArn") });
    }
    token = xmlText(doc, "NextToken") || "";
  } while (token);
  const target = (s) => {
    if (s.protocol === "sqs") return link("/queues/" + encodeURIComponent(nameOf(s.endpoint)), s.endpoint);
    if (s.protocol === "lambda") return link("/functions/" + encodeURIComponent(s.endpoint.split(":")[6]), s.endpoint);
    return s.endpoint;
  };
  return table("Subscriptions", [{ title: "Protocol", cell: (s) => s.protocol }, { title: "Endpoint", cell: target },
    { title: "Subscription", cell: (s) => s.arn }], rows, "No subscriptions.");
}

function publish(arn) {
  const message = el("textarea", { rows: "4", class: "code", required: true }, "Hello from the console");
  const subject = el("input", {});
  const out = output({ class: "result" });
  return section("Publish", form({}, async () => {
    const params = { TopicArn: arn, Message: message.value };
    if (subject.value) params.Subject = subject.value;
    const doc = await query("sns", "Publish", params);
    return el("p", {}, "Published message ", xmlText(doc, "MessageId"), ".");
  }, out, field("Subject", subject), field("Message", message), el("button", { type: "submit", class: "primary" }, "Publish"), out));
}

export async function render(main, { arn }) {
  const box = el("div");
  if (!arn) {
    main.append(heading("Topics"), box);
    return busy(box, list);
  }
  main.append(...crumbs(nameOf(arn), ["/topics", "Topics"]), el("p", { class: "arn" }, arn), publish(arn), section("Subscriptions", box));
  await busy(box, () => subscriptions(arn));
}

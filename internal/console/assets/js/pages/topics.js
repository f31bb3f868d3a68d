// Topics: SNS topics, and a topic's page with its subscriptions and a form
// to publish.
import { query, xmlTexts } from "../aws.js";
import { el, link, table, section, busy, field, button, errorBox } from "../ui.js";

const nameOf = (arn) => arn.split(":").pop();

async function list() {
  const topics = [];
  let token = "";
  do {
    const doc = await query("sns", "ListTopics", token ? { NextToken: token } : {});
    topics.push(...xmlTexts(doc, "TopicArn"));
    token = doc.getElementsByTagName("NextToken")[0]?.textContent || "";
  } while (token);
  return table("Topics", [{ title: "Topic", cell: (a) => link("/topics/" + encodeURIComponent(a), nameOf(a)) }, { title: "ARN", cell: (a) => a }],
    topics, "No topics yet.");
}

async function subscriptions(arn) {
  const doc = await query("sns", "ListSubscriptionsByTopic", { TopicArn: arn });
  const rows = [...doc.getElementsByTagName("member")].map((m) => ({
    protocol: m.getElementsByTagName("Protocol")[0]?.textContent, endpoint: m.getElementsByTagName("Endpoint")[0]?.textContent,
    arn: m.getElementsByTagName("SubscriptionArn")[0]?.textContent,
  }));
  return table("Subscriptions", [{ title: "Protocol", cell: (s) => s.protocol }, { title: "Endpoint", cell: (s) => s.endpoint },
    { title: "Subscription", cell: (s) => s.arn }], rows, "No subscriptions.");
}

function publish(arn) {
  const message = el("textarea", { rows: "4", class: "code" }, "Hello from the console");
  const subject = el("input", {});
  const out = el("div", { "aria-live": "polite" });
  return section("Publish", field("Subject", subject), field("Message", message),
    button("Publish", async () => {
      try {
        const params = { TopicArn: arn, Message: message.value };
        if (subject.value) params.Subject = subject.value;
        const doc = await query("sns", "Publish", params);
        out.replaceChildren(el("p", {}, "Published message ", xmlTexts(doc, "MessageId")[0]));
      } catch (err) {
        out.replaceChildren(errorBox(err));
      }
    }, { class: "primary" }), out);
}

export function render(main, { arn }) {
  const box = el("div");
  if (!arn) {
    main.append(el("h1", {}, "Topics"), box);
    busy(box, list);
    return;
  }
  main.append(el("p", {}, link("/topics", "Topics"), " / ", nameOf(arn)), el("h1", {}, nameOf(arn)), publish(arn), box);
  busy(box, async () => section("Subscriptions", await subscriptions(arn)));
}

// A test function that calls nubo's SQS with the JavaScript SDK v3, which
// reads the role's credentials and AWS_ENDPOINT_URL from the environment
// Lambda gives every function.
const { SQSClient, SendMessageCommand, ReceiveMessageCommand } = require("@aws-sdk/client-sqs");

async function outcome(call) {
  try {
    await call();
    return "ok";
  } catch (e) {
    return e.name;
  }
}

exports.handler = async (event) => {
  const sqs = new SQSClient({});
  return {
    send: await outcome(() => sqs.send(new SendMessageCommand({ QueueUrl: event.Queue, MessageBody: "from node" }))),
    receive: await outcome(() => sqs.send(new ReceiveMessageCommand({ QueueUrl: event.Queue }))),
    other: await outcome(() => sqs.send(new SendMessageCommand({ QueueUrl: event.Other, MessageBody: "from node" }))),
  };
};

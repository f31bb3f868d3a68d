// An example function for nubo's nodejs20.x runtime, an ES module: it greets
// whoever the event names.
//
//   nubo deploy examples/node --name hello-node --runtime nodejs20.x --handler index.handler
//   nubo invoke hello-node --payload '{"name": "Ada"}'

export const handler = async (event, context) => {
  const name = event.name || 'world';
  console.log(`greeting ${name}`);
  return { message: `Hello, ${name}!`, requestId: context.awsRequestId };
};

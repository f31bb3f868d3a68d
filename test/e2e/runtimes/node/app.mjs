// The Node.js function of test/e2e/runtimes_cli.sh, an ES module: one handler
// whose event's "op" picks what to show of the runtime.
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

// Module code runs once per execution environment.
const initId = randomUUID();
let invocations = 0;

const envNames = ['GREETING', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_REGION', 'AWS_EXECUTION_ENV', '_HANDLER', 'LAMBDA_TASK_ROOT'];

class ValidationError extends Error {
  name = 'ValidationError';
}

export const handler = async (event, context) => {
  invocations++;
  switch (event.op) {
    case 'inspect':
      return inspect(event, context);
    case 'big':
      return 'x'.repeat(event.n);
    case 'handled':
      return { errorType: 'ValidationError', errorMessage: 'name is required ✗' };
    case 'fail':
      throw new ValidationError('boom ✗');
    case 'sleep':
      await sleep(event.seconds * 1000);
      return 'woke up';
    default:
      throw new Error(`unknown op ${event.op}`);
  }
};

async function inspect(event, context) {
  console.info('inspect', event.text);
  const path = `/tmp/${event.file}`;
  const before = await readFile(path, 'utf8').catch(() => null);
  await writeFile(path, event.text);
  const first = context.getRemainingTimeInMillis();
  await sleep(50);
  const second = context.getRemainingTimeInMillis();
  return {
    text: event.text,
    upper: event.text.toUpperCase(),
    count: invocations,
    initId,
    tmpBefore: before,
    env: Object.fromEntries(envNames.map((n) => [n, process.env[n] ?? null])),
    ctx: {
      requestId: context.awsRequestId,
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      identityId: context.identity?.cognitoIdentityId ?? null,
      clientCustom: context.clientContext?.custom ?? null,
      remaining: [first, second],
    },
  };
}

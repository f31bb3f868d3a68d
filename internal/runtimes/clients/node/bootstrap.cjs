/**
 * nubo's Node.js runtime client.
 *
 * It speaks the Lambda Runtime API 2018-06-01 over one keep-alive connection
 * and follows AWS's managed Node.js runtimes: handler strings, CommonJS and ES
 * module loading, async and callback handlers (callbackWaitsForEmptyEventLoop
 * included), response streaming (awslambda.streamifyResponse and
 * awslambda.HttpResponseStream), the context object, console patching,
 * error payloads and the Runtime.* error types. Only Node's built-in
 * modules are used.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');
const { Connection } = require('./connection.cjs');

const API_PREFIX = '/2018-06-01/runtime';
const USER_AGENT = `nubo-nodejs/${process.version}`;

// ---------------------------------------------------------------- errors

class RuntimeError extends Error {}
class ImportModuleError extends RuntimeError {}
class HandlerNotFound extends RuntimeError {}
class MalformedHandlerName extends RuntimeError {}
class UserCodeSyntaxError extends RuntimeError {}
class NodeJsExit extends RuntimeError {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly ' +
        'caused by a Promise that was never settled. For more information, see ' +
        'https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
class UnhandledPromiseRejection extends RuntimeError {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
for (const cls of [ImportModuleError, HandlerNotFound, MalformedHandlerName, UserCodeSyntaxError, NodeJsExit, UnhandledPromiseRejection]) {
  cls.prototype.name = `Runtime.${cls.name}`;
}

function isErrorLike(obj) {
  return (
    obj &&
    typeof obj.name === 'string' &&
    typeof obj.message === 'string' &&
    typeof obj.stack === 'string' &&
    obj.name &&
    obj.message &&
    obj.stack
  );
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

/** The body AWS's Node.js runtime posts to /error and /init/error. */
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_e) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

function withEnumerableProperties(value) {
  if (value instanceof Error) {
    const ret = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value);
    if (typeof value.stack === 'string') ret.stack = value.stack.split('\n');
    return ret;
  }
  return value;
}

/** An error as AWS prints it after "Invoke Error" and friends: a tab, then JSON. */
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch (_e) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// ---------------------------------------------------------------- logging

const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID = Symbol.for('aws.lambda.runtime.tenantId');
const LEVELS = Object.freeze({
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
});
const jsonLogs = (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';

function jsonErrorReplacer(_k, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

function formatJson(requestId, time, level, params) {
  const result = { timestamp: time, level: level.name, requestId };
  const tenantId = global[TENANT_ID];
  if (tenantId !== undefined && tenantId !== null) result.tenantId = tenantId;
  if (params.length === 1) {
    result.message = params[0];
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch (_e) {
      result.message = util.format(result.message);
      return JSON.stringify(result);
    }
  }
  result.message = util.format(...params);
  for (const param of params) {
    if (param instanceof Error) {
      result.errorType = param?.constructor?.name ?? 'UnknownError';
      result.errorMessage = param.message;
      result.stackTrace = typeof param.stack === 'string' ? param.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(result);
}

function writeLog(level, params) {
  const time = new Date().toISOString();
  const requestId = global[REQUEST_ID];
  const line = jsonLogs
    ? formatJson(requestId, time, level, params)
    : `${time}\t${requestId}\t${level.name}\t${util.format(...params)}`;
  // One console call is one log event: inner newlines become carriage
  // returns, exactly as AWS's client does when it logs to stdout.
  process.stdout.write(line.replace(/\n/g, '\r') + '\n');
}

function patchConsole() {
  const configured = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] ?? LEVELS.TRACE;
  const make = (level) =>
    level.priority >= configured.priority ? (...params) => writeLog(level, params) : () => {};
  console.trace = make(LEVELS.TRACE);
  console.debug = make(LEVELS.DEBUG);
  console.info = make(LEVELS.INFO);
  console.log = console.info;
  console.warn = make(LEVELS.WARN);
  console.error = make(LEVELS.ERROR);
  console.fatal = (...params) => writeLog(LEVELS.FATAL, params);
}

function logError(message, err) {
  if (jsonLogs) console.error(intoError(err));
  else console.error(message, toFormatted(intoError(err)));
}

// ------------------------------------------------------------ Runtime API

class RuntimeClient {
  constructor(address) {
    this.conn = new Connection(address, USER_AGENT);
  }

  request(method, urlPath, headers, body) {
    return this.conn.request(method, urlPath, headers, body);
  }

  async nextInvocation() {
    const res = await this.request('GET', `${API_PREFIX}/invocation/next`, {});
    if (res.status !== 200) {
      throw new Error(`GET /runtime/invocation/next: status ${res.status}: ${res.body.toString('utf8', 0, 512)}`);
    }
    return { bodyJson: res.body.toString('utf8'), headers: res.headers };
  }

  post(urlPath, bodyString, headers, callback) {
    const body = Buffer.from(bodyString, 'utf8');
    const all = Object.assign({ 'Content-Type': 'application/json' }, headers);
    this.request('POST', urlPath, all, body).then(
      (res) => {
        if (res.status !== 202) {
          process.stderr.write(`nubo runtime: POST ${urlPath}: status ${res.status}\n`);
        }
        callback();
      },
      (err) => fatal(`POST ${urlPath}`, err),
    );
  }

  postInvocationResponse(response, id, callback) {
    let body;
    try {
      body = JSON.stringify(response === undefined ? null : response);
    } catch (_e) {
      throw new Error('Unable to stringify response body');
    }
    this.post(`${API_PREFIX}/invocation/${encodeURIComponent(id)}/response`, body, {}, callback);
  }

  postInvocationError(error, id, callback) {
    const response = toRapidResponse(error);
    const headers = { 'Lambda-Runtime-Function-Error-Type': headerValue(response.errorType) };
    const cause = xrayCause(error);
    if (cause !== undefined && cause.length < 1024 * 1024) headers['Lambda-Runtime-Function-XRay-Error-Cause'] = cause;
    this.post(`${API_PREFIX}/invocation/${encodeURIComponent(id)}/error`, JSON.stringify(response), headers, callback);
  }

  postInitError(error, callback) {
    const response = toRapidResponse(error);
    const headers = { 'Lambda-Runtime-Function-Error-Type': headerValue(response.errorType) };
    this.post(`${API_PREFIX}/init/error`, JSON.stringify(response), headers, callback);
  }
}

// ------------------------------------------------------------ streaming

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HTTP_INTEGRATION_RESPONSE = 'application/vnd.awslambda.http-integration-response';

/**
 * The responseStream of a streaming handler: a Writable whose chunks go to
 * the Runtime API as they are written, in a chunked /response with the
 * streaming response mode; the request starts with the first write, so
 * that setContentType may come before it. fail() ends it with the error
 * trailers.
 */
function createResponseStream(client, id) {
  const { Writable } = require('stream');
  let contentType = 'application/octet-stream';
  let request = null;
  const open = () => {
    if (!request) {
      request = client.conn.openStream('POST', `${API_PREFIX}/invocation/${encodeURIComponent(id)}/response`, {
        'Lambda-Runtime-Function-Response-Mode': 'streaming',
        'Content-Type': contentType,
        Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
      });
      if (stream._onBeforeFirstWrite) stream._onBeforeFirstWrite((chunk) => request.write(Buffer.from(chunk)));
    }
    return request;
  };
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      open().write(chunk);
      callback();
    },
    final(callback) {
      open().end();
      callback();
    },
  });
  stream.setContentType = (type) => {
    if (request) throw new Error('Content type cannot be set after the first chunk is written.');
    contentType = type;
  };
  stream.fail = (error) => {
    const response = toRapidResponse(error);
    open().end({
      'Lambda-Runtime-Function-Error-Type': headerValue(response.errorType),
      'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(response)).toString('base64'),
    });
  };
  /** Resolves once the Runtime API answered the whole response. */
  stream.posted = () => open().done;
  return stream;
}

/** awslambda.HttpResponseStream: a status, headers and cookies before the body. */
class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(HTTP_INTEGRATION_RESPONSE);
    const metadata = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadata);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}

/** The awslambda global of AWS's Node.js runtimes. */
const awslambda = {
  streamifyResponse(handler, options) {
    handler[STREAMING] = 'response';
    if (options && options.highWaterMark !== undefined) handler.highWaterMark = options.highWaterMark;
    return handler;
  },
  HttpResponseStream,
};

function headerValue(v) {
  return String(v).replace(/[^\x20-\x7e]/g, '?');
}

function xrayCause(error) {
  try {
    const err = intoError(error);
    const stack = [];
    const paths = new Set();
    for (const line of String(err.stack || '').split('\n').slice(1)) {
      const m = line.match(/^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/);
      if (!m) continue;
      stack.push({ path: m[2], line: parseInt(m[3], 10), label: m[1] || 'anonymous' });
      paths.add(m[2]);
    }
    return JSON.stringify({
      working_directory: process.cwd(),
      exceptions: [{ type: err.name, message: err.message, stack }],
      paths: [...paths],
    }).replace(/[^\x20-\x7e]/g, '?');
  } catch (_e) {
    return undefined;
  }
}

function fatal(what, err) {
  process.stderr.write(`nubo runtime: ${what}: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
}

// ------------------------------------------------------------ user code

function hasTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') return false;
  return hasTypeModule(path.resolve(folder, '..'));
}

function tryRequireFile(file, ext) {
  const p = file + (ext || '');
  return fs.existsSync(p) ? require(p) : undefined;
}

async function tryImport(file, ext) {
  const p = file + (ext || '');
  return fs.existsSync(p) ? await import(pathToFileURL(p).href) : undefined;
}

async function tryRequire(appRoot, moduleRoot, module) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);
  const extensionless = tryRequireFile(lambdaStylePath);
  if (extensionless) return extensionless;

  const typeModule = hasTypeModule(path.dirname(lambdaStylePath));
  if (!typeModule) {
    const loaded = tryRequireFile(lambdaStylePath, '.js');
    if (loaded) return loaded;
  }
  const loaded =
    (typeModule && (await tryImport(lambdaStylePath, '.js'))) ||
    (await tryImport(lambdaStylePath, '.mjs')) ||
    tryRequireFile(lambdaStylePath, '.cjs');
  if (loaded) return loaded;

  // require() resolves relative to this file, not the task root, so resolve
  // against the task root explicitly (node_modules packages, NODE_PATH).
  return require(require.resolve(module, { paths: [appRoot, moduleRoot] }));
}

function findIn(object, nested) {
  return nested.split('.').reduce((o, key) => (o !== undefined && o !== null ? o[key] : undefined), object);
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerString));
  const match = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, module, handlerPath] = match;

  let app;
  try {
    app = await tryRequire(appRoot, moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(e);
    throw e;
  }
  let fn = findIn(app, handlerPath);
  if (!fn && app && typeof app === 'object' && 'default' in app) fn = findIn(app.default, handlerPath);
  if (!fn) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return fn;
}

function isAsyncFunction(fn) {
  try {
    return fn && typeof fn === 'function' && fn.constructor && fn.constructor.name === 'AsyncFunction';
  } catch (_e) {
    return false;
  }
}

// ------------------------------------------------------------ the loop

/** The one listener for beforeExit, which fires when the event loop empties. */
const beforeExit = {
  listener: () => {},
  invoke: () => beforeExit.listener(),
  reset: () => {
    beforeExit.listener = () => {};
  },
  set: (fn) => {
    beforeExit.listener = fn;
  },
};

function buildCallbackContext(client, id, scheduleNext) {
  const postError = (err, callback) => {
    logError('Invoke Error', err);
    client.postInvocationError(err, id, callback);
  };
  let completed = false;
  const complete = (result, callback) => {
    if (completed) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    completed = true;
    try {
      client.postInvocationResponse(result, id, callback);
    } catch (e) {
      completed = false;
      throw e;
    }
  };
  let waitForEmptyEventLoop = true;

  const callback = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      beforeExit.set(() => setImmediate(() => complete(result, scheduleNext)));
    }
  };
  const done = (err, result) => {
    beforeExit.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else {
      try {
        complete(result, scheduleNext);
      } catch (e) {
        postError(e, scheduleNext);
      }
    }
  };
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: (result) => done(null, result),
    fail: (err) => (err === undefined || err === null ? done('handled') : done(err, null)),
    done,
  };

  // Only the first of callback/succeed/fail/done counts.
  let finished = false;
  const once = (fn) =>
    function (...args) {
      if (!finished) {
        fn(...args);
        finished = true;
      }
    };
  context.succeed = once(context.succeed);
  context.fail = once(context.fail);
  context.done = once(context.done);
  return [once(callback), context, () => (completed = true)];
}

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

function attachContext(callbackContext, headers) {
  const env = process.env;
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  if (headers['lambda-runtime-trace-id']) env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  else delete env._X_AMZN_TRACE_ID;
  return Object.assign(callbackContext, {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    tenantId: headers['lambda-runtime-aws-tenant-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  });
}

function isPromise(obj) {
  return obj && obj.then && typeof obj.then === 'function';
}

class Runtime {
  constructor(client, handler, errorCallbacks) {
    this.client = client;
    this.handler = handler;
    this.isAsync = isAsyncFunction(handler);
    this.errorCallbacks = errorCallbacks;
  }

  scheduleIteration() {
    setImmediate(() => {
      this.handleOnce().then(
        () => {},
        (err) => {
          console.log(`Unexpected Top Level Error: ${err.toString()}`);
          this.errorCallbacks.uncaughtException(err);
        },
      );
    });
  }

  async handleOnce() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const id = headers['lambda-runtime-aws-request-id'];
    global[REQUEST_ID] = id;
    global[TENANT_ID] = headers['lambda-runtime-aws-tenant-id'];
    const [callback, callbackContext, markCompleted] = buildCallbackContext(
      this.client,
      id,
      this.scheduleIteration.bind(this),
    );
    if (this.handler[STREAMING] === 'response') {
      this.handleStreaming(id, bodyJson, attachContext(callbackContext, headers));
      return;
    }
    try {
      this.setErrorCallbacks(id);
      this.setDefaultExitListener(id, markCompleted);
      const result = this.handler(JSON.parse(bodyJson), attachContext(callbackContext, headers), callback);
      if (isPromise(result)) {
        result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  /**
   * Runs a streamifyResponse handler: what it writes streams out as it
   * writes; its promise's end closes the stream if it did not; a failure
   * (a throw, a rejection, an event loop that empties first) ends the
   * stream with error trailers.
   */
  handleStreaming(id, bodyJson, context) {
    const stream = createResponseStream(this.client, id);
    let finished = false;
    const finish = (err) => {
      if (finished) return;
      finished = true;
      beforeExit.reset();
      if (err !== undefined) {
        logError('Invoke Error', err);
        stream.fail(intoError(err));
      } else if (!stream.writableEnded) {
        stream.end();
      }
      stream.posted().then(
        () => this.scheduleIteration(),
        (e) => fatal('POST streamed response', e),
      );
    };
    this.errorCallbacks.uncaughtException = (error) => {
      finish(error);
      stream.posted().then(() => process.exit(129));
    };
    this.errorCallbacks.unhandledRejection = (error) => {
      finish(error);
      stream.posted().then(() => process.exit(128));
    };
    beforeExit.set(() => finish(new NodeJsExit()));
    try {
      Promise.resolve(this.handler(JSON.parse(bodyJson), stream, context)).then(
        () => finish(),
        (err) => finish(err === undefined ? new Error('undefined') : err),
      );
    } catch (err) {
      finish(err);
    }
  }

  setErrorCallbacks(id) {
    this.errorCallbacks.uncaughtException = (error) => {
      this.client.postInvocationError(error, id, () => process.exit(129));
    };
    this.errorCallbacks.unhandledRejection = (error) => {
      this.client.postInvocationError(error, id, () => process.exit(128));
    };
  }

  // Used when the handler never calls back: an async handler whose promise
  // never settled fails; a plain one succeeds with null.
  setDefaultExitListener(id, markCompleted) {
    beforeExit.set(() => {
      markCompleted();
      if (this.isAsync) {
        const err = new NodeJsExit();
        logError('Invoke Error', err);
        this.client.postInvocationError(err, id, () => this.scheduleIteration());
      } else {
        this.client.postInvocationResponse(null, id, () => this.scheduleIteration());
      }
    });
  }
}

async function main(client, errorCallbacks) {
  process.on('beforeExit', beforeExit.invoke);
  const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const handler = await loadHandler(appRoot, process.env._HANDLER || '');
  new Runtime(client, handler, errorCallbacks).scheduleIteration();
}

function start() {
  patchConsole();
  globalThis.awslambda = awslambda;
  const address = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!address) fatal('start', 'AWS_LAMBDA_RUNTIME_API is not set');
  const client = new RuntimeClient(address);
  const errorCallbacks = {
    uncaughtException: (error) => client.postInitError(error, () => process.exit(129)),
    unhandledRejection: (error) => client.postInitError(error, () => process.exit(128)),
  };
  const onUncaught = (error) => {
    logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });
  // A handler that fails to load surfaces as an uncaught exception, as on AWS.
  main(client, errorCallbacks).catch(onUncaught);
}

start();

package runtimes

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

const nodeApp = `const fs = require('fs');

let count = 0;

class MyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'MyError';
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

exports.main = async (event, context) => {
  switch (event.op) {
    case 'echo':
      return event.data;
    case 'env': {
      const out = {};
      for (const n of event.names) out[n] = process.env[n];
      out.trace = process.env._X_AMZN_TRACE_ID;
      return out;
    }
    case 'tmp_write':
      fs.writeFileSync('/tmp/' + event.file, event.content, 'utf8');
      return 'ok';
    case 'tmp_read':
      return fs.readFileSync('/tmp/' + event.file, 'utf8');
    case 'ctx':
      return {
        requestId: context.awsRequestId,
        functionName: context.functionName,
        functionVersion: context.functionVersion,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        logGroupName: context.logGroupName,
        logStreamName: context.logStreamName,
        identityId: context.identity.cognitoIdentityId,
        identityPoolId: context.identity.cognitoIdentityPoolId,
        appTitle: context.clientContext.client.app_title,
        custom: context.clientContext.custom.k,
        env: context.clientContext.env.platform,
        remaining: context.getRemainingTimeInMillis(),
      };
    case 'remaining': {
      const first = context.getRemainingTimeInMillis();
      await sleep(50);
      return [first, context.getRemainingTimeInMillis()];
    }
    case 'big':
      return 'x'.repeat(event.n);
    case 'count':
      return ++count;
    case 'log':
      console.log(event.msg);
      return 'logged';
    case 'fail':
      throw new TypeError('boom');
    case 'custom':
      throw new MyError('custom boom');
  }
  throw new Error('unknown op ' + event.op);
};
`

func nodeSuite() suite {
	return suite{
		runtime: "nodejs20.x",
		handler: "app.main",
		files:   map[string]string{"app.js": nodeApp},
		fail: errWant{errorType: "TypeError", message: "boom", header: "TypeError",
			traceKey: "trace", traceHas: "app.js"},
		custom: errWant{errorType: "MyError", message: "custom boom", header: "MyError",
			traceKey: "trace", traceHas: "MyError: custom boom"},
		failLog: "\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\",\"errorMessage\":\"boom\",\"stack\":[\"TypeError: boom\",",
		logLine: func(id, msg string) *regexp.Regexp {
			return regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t` + id + `\tINFO\t` + regexp.QuoteMeta(msg) + `$`)
		},
		initCase: []initCase{
			{name: "import error", handler: "missing.handler", errorType: "Runtime.ImportModuleError",
				message: "Error: Cannot find module 'missing'\nRequire stack:\n- ", match: "prefix"},
			{name: "import error of a dependency", handler: "dep.handler", files: map[string]string{"dep.js": "require('not-a-module-xyz');\n"},
				errorType: "Runtime.ImportModuleError", message: "Error: Cannot find module 'not-a-module-xyz'\nRequire stack:\n- ", match: "prefix"},
			{name: "missing handler", handler: "app.nope", errorType: "Runtime.HandlerNotFound",
				message: "app.nope is undefined or not exported"},
			{name: "handler not a function", handler: "notfn.handler", files: map[string]string{"notfn.js": "exports.handler = 42;\n"},
				errorType: "Runtime.HandlerNotFound", message: "notfn.handler is not a function"},
			{name: "malformed handler", handler: "app", errorType: "Runtime.MalformedHandlerName", message: "Bad handler"},
			{name: "relative path handler", handler: "../app.main", errorType: "Runtime.MalformedHandlerName",
				message: "'../app.main' is not a valid handler name. Use absolute paths when specifying root directories in handler names."},
			{name: "syntax error", handler: "bad.handler", files: map[string]string{"bad.js": "exports.handler = (;\n"},
				errorType: "Runtime.UserCodeSyntaxError", message: "SyntaxError: ", match: "prefix"},
			{name: "exception at load", handler: "boom.handler", files: map[string]string{"boom.js": "throw new RangeError('init boom');\n"},
				errorType: "RangeError", message: "init boom"},
		},
	}
}

// TestNodeHandlers covers the Node.js programming model: module kinds,
// callback handlers and the event loop, and how AWS ends an environment.
func TestNodeHandlers(t *testing.T) {
	t.Parallel()
	cat := runtimeCatalogue(t, "nodejs20.x")

	modules := []struct {
		name    string
		handler string
		files   map[string]string
	}{
		{"mjs", "index.handler", map[string]string{"index.mjs": "export const handler = async (e) => ({ kind: 'esm', meta: typeof import.meta.url, e });\n"}},
		{"type module", "app.handler", map[string]string{
			"package.json": `{"type":"module"}`,
			"app.js":       "export const handler = async (e) => ({ kind: 'esm', meta: typeof import.meta.url, e });\n",
		}},
		{"cjs", "app.handler", map[string]string{"app.cjs": "exports.handler = async (e) => ({ kind: 'cjs', meta: typeof __dirname, e });\n"}},
		{"subdirectory", "src/handlers/api.handler", map[string]string{
			"src/handlers/api.js": "exports.handler = async (e) => ({ kind: 'cjs', meta: typeof __dirname, e });\n",
		}},
		{"nested export", "lib.handlers.api", map[string]string{
			"lib.js": "exports.handlers = { api: async (e) => ({ kind: 'cjs', meta: typeof __dirname, e }) };\n",
		}},
	}
	for _, m := range modules {
		t.Run("module "+m.name, func(t *testing.T) {
			t.Parallel()
			p := startEnv(t, cat, envSpec{runtime: "nodejs20.x", handler: m.handler, files: m.files})
			r, _ := p.invoke(t, `{"x":1}`)
			kind := "cjs"
			meta := "string"
			if strings.Contains(m.name, "mjs") || strings.Contains(m.name, "module") {
				kind = "esm"
			}
			jsonEqual(t, r.body, `{"kind":"`+kind+`","meta":"`+meta+`","e":{"x":1}}`)
		})
	}

	callbacks := `
exports.waits = (event, context, callback) => {
  setTimeout(() => console.log('timer fired'), 300);
  callback(null, { waited: true });
};
exports.nowait = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => console.log('late timer'), 30000);
  callback(null, { waited: false });
};
exports.err = (event, context, callback) => {
  const e = new Error('handled boom');
  e.name = 'ValidationError';
  callback(e);
};
exports.errString = (event, context, callback) => callback('plain failure');
exports.succeed = (event, context) => { context.succeed({ via: 'succeed' }); };
exports.fail = (event, context) => { context.fail(new Error('via fail')); };
exports.done = (event, context) => { context.done(null, 'via done'); };
exports.sync = () => 'ignored';
exports.reject = async () => {
  Promise.reject(new Error('lost'));
  await new Promise((r) => setTimeout(r, 100));
  return 'unreachable';
};
exports.uncaught = (event, context, callback) => {
  setTimeout(() => { throw new Error('async boom'); }, 10);
};
exports.neverSettles = async () => new Promise(() => {});
exports.circular = async () => { const o = {}; o.self = o; return o; };
`
	cases := []struct {
		name, handler string
		kind, body    string // want
		errorType     string
		errorMessage  string
		exitCode      int // the environment then exits with this code; 0 = keeps running
		check         func(t *testing.T, p *proc, elapsed time.Duration)
	}{
		{name: "callback waits for the event loop", handler: "cb.waits", kind: "response", body: `{"waited":true}`,
			check: func(t *testing.T, p *proc, elapsed time.Duration) {
				if elapsed < 250*time.Millisecond {
					t.Errorf("response after %v, want after the 300 ms timer", elapsed)
				}
				if _, found := p.logs.waitLine(func(l string) bool { return strings.HasSuffix(l, "\tINFO\ttimer fired") }); !found {
					t.Errorf("timer did not run before the response:\n%s", p.logs)
				}
			}},
		{name: "callback without waiting", handler: "cb.nowait", kind: "response", body: `{"waited":false}`,
			check: func(t *testing.T, p *proc, elapsed time.Duration) {
				// elapsed includes Node's start, seconds on a loaded machine
				if elapsed > 20*time.Second || strings.Contains(p.logs.String(), "late timer") {
					t.Errorf("response after %v, want before the 30 s timer", elapsed)
				}
			}},
		{name: "callback error object", handler: "cb.err", kind: "error", errorType: "ValidationError", errorMessage: "handled boom"},
		{name: "callback error string", handler: "cb.errString", kind: "error", errorType: "string", errorMessage: "plain failure"},
		{name: "context.succeed", handler: "cb.succeed", kind: "response", body: `{"via":"succeed"}`},
		{name: "context.fail", handler: "cb.fail", kind: "error", errorType: "Error", errorMessage: "via fail"},
		{name: "context.done", handler: "cb.done", kind: "response", body: `"via done"`},
		{name: "sync handler without callback", handler: "cb.sync", kind: "response", body: `null`},
		{name: "unhandled rejection", handler: "cb.reject", kind: "error", errorType: "Runtime.UnhandledPromiseRejection",
			errorMessage: "Error: lost", exitCode: 128},
		{name: "uncaught exception", handler: "cb.uncaught", kind: "error", errorType: "Error", errorMessage: "async boom", exitCode: 129},
		{name: "promise never settled", handler: "cb.neverSettles", kind: "error", errorType: "Runtime.NodeJsExit",
			errorMessage: "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes"},
		{name: "unserialisable result", handler: "cb.circular", kind: "error", errorType: "Error", errorMessage: "Unable to stringify response body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := startEnv(t, cat, envSpec{runtime: "nodejs20.x", handler: c.handler, files: map[string]string{"cb.js": callbacks}})
			start := time.Now()
			r, _ := p.invoke(t, `{}`)
			elapsed := time.Since(start)
			if r.kind != c.kind {
				t.Fatalf("got %s %s, want %s", r.kind, r.body, c.kind)
			}
			if c.kind == "response" {
				jsonEqual(t, r.body, c.body)
			} else {
				e := decodeError(t, r)
				if str(e.ErrorType) != c.errorType || str(e.ErrorMessage) != c.errorMessage {
					t.Errorf("error = %s, want %s %q", r.body, c.errorType, c.errorMessage)
				}
			}
			if c.check != nil {
				c.check(t, p, elapsed)
			}
			if c.exitCode != 0 {
				p.waitExit(t)
				if got := p.status.ExitStatus(); got != c.exitCode {
					t.Errorf("exit code %d, want %d", got, c.exitCode)
				}
				return
			}
			// The environment keeps serving.
			r, _ = p.invoke(t, `{}`)
			if r.kind != c.kind {
				t.Errorf("second invocation: got %s %s, want %s", r.kind, r.body, c.kind)
			}
		})
	}

	t.Run("init error is logged as uncaught", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "nodejs20.x", handler: "missing.handler", files: map[string]string{}})
		p.initError(t)
		if got := p.status.ExitStatus(); got != 129 {
			t.Errorf("exit code %d, want 129", got)
		}
		want := "\tundefined\tERROR\tUncaught Exception \t{\"errorType\":\"Runtime.ImportModuleError\""
		if _, found := p.logs.waitLine(func(l string) bool { return strings.Contains(l, want) }); !found {
			t.Errorf("no log line with %q in:\n%s", want, p.logs)
		}
	})
	t.Run("log level filter", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "nodejs20.x", handler: "app.handler",
			files: map[string]string{"app.js": "exports.handler = async () => { console.debug('hidden'); console.warn('shown'); return 1; };\n"},
			env:   map[string]string{"AWS_LAMBDA_LOG_LEVEL": "WARN"}})
		p.invoke(t, `{}`)
		if _, found := p.logs.waitLine(func(l string) bool { return strings.HasSuffix(l, "\tWARN\tshown") }); !found {
			t.Errorf("no WARN line in:\n%s", p.logs)
		}
		if strings.Contains(p.logs.String(), "hidden") {
			t.Errorf("DEBUG line logged at level WARN:\n%s", p.logs)
		}
	})
}

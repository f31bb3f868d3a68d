package runtimes

import (
	"regexp"
	"strings"
	"testing"
)

const pythonApp = `import logging
import os
import time

COUNT = 0
logger = logging.getLogger()


class MyError(Exception):
    pass


def main(event, context):
    global COUNT
    op = event.get("op")
    if op == "echo":
        return event["data"]
    if op == "env":
        out = {n: os.environ.get(n) for n in event["names"]}
        out["trace"] = os.environ.get("_X_AMZN_TRACE_ID")
        return out
    if op == "tmp_write":
        with open("/tmp/" + event["file"], "w", encoding="utf-8") as f:
            f.write(event["content"])
        return "ok"
    if op == "tmp_read":
        with open("/tmp/" + event["file"], encoding="utf-8") as f:
            return f.read()
    if op == "ctx":
        cc = context.client_context
        return {
            "requestId": context.aws_request_id,
            "functionName": context.function_name,
            "functionVersion": context.function_version,
            "invokedFunctionArn": context.invoked_function_arn,
            "memoryLimitInMB": context.memory_limit_in_mb,
            "logGroupName": context.log_group_name,
            "logStreamName": context.log_stream_name,
            "identityId": context.identity.cognito_identity_id,
            "identityPoolId": context.identity.cognito_identity_pool_id,
            "appTitle": cc.client.app_title,
            "custom": cc.custom["k"],
            "env": cc.env["platform"],
            "remaining": context.get_remaining_time_in_millis(),
        }
    if op == "remaining":
        first = context.get_remaining_time_in_millis()
        time.sleep(0.05)
        return [first, context.get_remaining_time_in_millis()]
    if op == "big":
        return "x" * event["n"]
    if op == "count":
        COUNT += 1
        return COUNT
    if op == "log":
        logger.warning("%s", event["msg"])
        return "logged"
    if op == "fail":
        return 1 / 0
    if op == "custom":
        raise MyError("custom boom")
    if op == "set":
        return {1, 2}
    if op == "debug":
        logger.debug("debug line")
        print("printed line")
        return "ok"
    raise ValueError("unknown op %r" % op)
`

func pythonSuite() suite {
	return suite{
		runtime: "python3.12",
		handler: "app.main",
		files:   map[string]string{"app.py": pythonApp},
		fail: errWant{errorType: "ZeroDivisionError", message: "division by zero", header: "ZeroDivisionError",
			traceKey: "stackTrace", traceHas: "app.py"},
		custom: errWant{errorType: "MyError", message: "custom boom", header: "MyError",
			traceKey: "stackTrace", traceHas: `raise MyError("custom boom")`},
		failLog: "[ERROR] ZeroDivisionError: division by zero\rTraceback (most recent call last):\r\u00a0\u00a0File",
		logLine: func(id, msg string) *regexp.Regexp {
			return regexp.MustCompile(`^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t` + id + `\t` + regexp.QuoteMeta(msg) + `$`)
		},
		initCase: []initCase{
			{name: "import error", handler: "missing.main", errorType: "Runtime.ImportModuleError",
				message: "Unable to import module 'missing': No module named 'missing'"},
			{name: "import error of a dependency", handler: "dep.main", files: map[string]string{"dep.py": "import not_a_module_xyz\n"},
				errorType: "Runtime.ImportModuleError", message: "Unable to import module 'dep': No module named 'not_a_module_xyz'"},
			{name: "missing handler", handler: "app.nope", errorType: "Runtime.HandlerNotFound",
				message: "Handler 'nope' missing on module 'app'"},
			{name: "malformed handler", handler: "app", errorType: "Runtime.MalformedHandlerName",
				message: "Bad handler 'app': not enough values to unpack (expected 2, got 1)"},
			{name: "syntax error", handler: "bad.main", files: map[string]string{"bad.py": "def main(:\n    pass\n"},
				errorType: "Runtime.UserCodeSyntaxError", message: "Syntax error in module 'bad': ", match: "prefix"},
			{name: "exception at import", handler: "boom.main", files: map[string]string{"boom.py": "raise RuntimeError('init boom')\n"},
				errorType: "RuntimeError", message: "init boom"},
			{name: "built-in module", handler: "sys.main", errorType: "Runtime.BuiltInModuleConflict",
				message: "Cannot use built-in module sys as a handler module"},
		},
	}
}

func TestPythonDetails(t *testing.T) {
	t.Parallel()
	cat := runtimeCatalogue(t, "python3.12")

	t.Run("marshal error", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "python3.12", handler: "app.main", files: map[string]string{"app.py": pythonApp}})
		r, _ := p.invoke(t, `{"op":"set"}`)
		e := decodeError(t, r)
		if str(e.ErrorType) != "Runtime.MarshalError" || str(e.ErrorMessage) != "Unable to marshal response: Object of type set is not JSON serializable" {
			t.Errorf("error = %s", r.body)
		}
	})
	t.Run("handler in a package directory and a layer module", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{
			runtime: "python3.12", handler: "pkg/sub/mod.handle",
			files: map[string]string{
				"pkg/__init__.py":     "",
				"pkg/sub/__init__.py": "",
				"pkg/sub/mod.py":      "import layermod, sitemod\n\ndef handle(event, context):\n    return [layermod.NAME, sitemod.NAME, __name__]\n",
			},
			optFiles: map[string]string{
				"python/layermod.py":                             "NAME = 'layer'\n",
				"python/lib/python3.12/site-packages/sitemod.py": "NAME = 'site'\n",
			},
		})
		r, _ := p.invoke(t, `{}`)
		jsonEqual(t, r.body, `["layer","site","pkg.sub.mod"]`)
	})
	t.Run("log level and stdout", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "python3.12", handler: "app.main", files: map[string]string{"app.py": pythonApp},
			env: map[string]string{"AWS_LAMBDA_LOG_LEVEL": "DEBUG"}})
		r, inv := p.invoke(t, `{"op":"debug"}`)
		jsonEqual(t, r.body, `"ok"`)
		for _, want := range []string{"\t" + inv.id + "\tdebug line", "printed line"} {
			if _, found := p.logs.waitLine(func(l string) bool { return strings.Contains(l, want) }); !found {
				t.Errorf("no log line with %q in:\n%s", want, p.logs)
			}
		}
	})
	t.Run("JSON log format", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "python3.12", handler: "app.main", files: map[string]string{"app.py": pythonApp},
			env: map[string]string{"AWS_LAMBDA_LOG_FORMAT": "JSON"}})
		r, inv := p.invoke(t, `{"op":"log","msg":"structured ✓"}`)
		jsonEqual(t, r.body, `"logged"`)
		re := regexp.MustCompile(`^\{"timestamp": "[^"]+Z", "level": "WARNING", "message": "structured ✓", "logger": "root", "requestId": "` + inv.id + `"`)
		if _, found := p.logs.waitLine(re.MatchString); !found {
			t.Errorf("no JSON log line matching %s in:\n%s", re, p.logs)
		}
	})
	t.Run("init warning and error log", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "python3.12", handler: "missing.main", files: map[string]string{}})
		p.initError(t)
		want := "[ERROR] Runtime.ImportModuleError: Unable to import module 'missing': No module named 'missing'\rTraceback (most recent call last):"
		for _, w := range []string{"[WARNING]\t", "LAMBDA_WARNING: Unhandled exception.", want} {
			if _, found := p.logs.waitLine(func(l string) bool { return strings.Contains(l, w) }); !found {
				t.Errorf("no log line with %q in:\n%s", w, p.logs)
			}
		}
	})
}

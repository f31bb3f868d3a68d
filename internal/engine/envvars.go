package engine

import (
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// overridable are the Lambda-defined variables a function's own
// configuration may replace; every other defined variable wins over it.
var overridable = map[string]bool{
	"AWS_LAMBDA_LOG_FORMAT": true, "AWS_LAMBDA_LOG_LEVEL": true, "AWS_XRAY_CONTEXT_MISSING": true,
	"AWS_XRAY_DAEMON_ADDRESS": true, "LANG": true, "LD_LIBRARY_PATH": true, "PATH": true, "TZ": true,
}

// environmentVariables assembles exactly what Lambda gives a runtime: the
// defined variables, the runtime's own (runtimeVars), then the function's.
func (e *Engine) environmentVariables(req *lambda.Invocation, env *environment, runtimeVars []string) []string {
	cfg := req.Target.Config
	p := env.sb.Paths()
	vars := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          env.sb.RuntimeAPI(),
		"_HANDLER":                        cfg.Handler,
		"LAMBDA_TASK_ROOT":                p.TaskRoot,
		"LAMBDA_RUNTIME_DIR":              p.RuntimeDir,
		"AWS_LAMBDA_FUNCTION_NAME":        cfg.FunctionName,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(cfg.MemorySize),
		"AWS_LAMBDA_FUNCTION_VERSION":     cfg.Version,
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       env.logs.group,
		"AWS_LAMBDA_LOG_STREAM_NAME":      env.logs.name,
		"AWS_REGION":                      req.Scope.Region,
		"AWS_DEFAULT_REGION":              req.Scope.Region,
		"AWS_XRAY_CONTEXT_MISSING":        "LOG_ERROR",
		"AWS_XRAY_DAEMON_ADDRESS":         "127.0.0.1:2000",
		"_AWS_XRAY_DAEMON_ADDRESS":        "127.0.0.1",
		"_AWS_XRAY_DAEMON_PORT":           "2000",
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LD_LIBRARY_PATH": strings.Join([]string{"/var/lang/lib", "/lib64", "/usr/lib64", p.RuntimeDir,
			p.RuntimeDir + "/lib", p.TaskRoot, p.TaskRoot + "/lib", p.OptDir + "/lib"}, ":"),
	}
	if env.endpoint != "" {
		vars["AWS_ENDPOINT_URL"] = env.endpoint
	}
	if c := env.creds; c.AccessKeyID != "" {
		vars["AWS_ACCESS_KEY_ID"], vars["AWS_SECRET_ACCESS_KEY"], vars["AWS_SESSION_TOKEN"] = c.AccessKeyID, c.SecretAccessKey, c.SessionToken
	}
	if p.Tmp != "/tmp" {
		vars["TMPDIR"] = p.Tmp
	}
	if lc := cfg.LoggingConfig; lc != nil && lc.LogFormat == "JSON" {
		vars["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
		vars["AWS_LAMBDA_LOG_LEVEL"] = lc.ApplicationLogLevel
	}
	defined := make(map[string]bool, len(vars))
	for k := range vars {
		defined[k] = true
	}
	// The runtime's own variables (PYTHONPATH, NODE_PATH, ...) may be
	// replaced by the function's, as on AWS; Lambda's defined ones only
	// where AWS allows it.
	for _, kv := range runtimeVars {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	if cfg.Environment != nil {
		for k, v := range cfg.Environment.Variables {
			if !defined[k] || overridable[k] {
				vars[k] = v
			}
		}
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}

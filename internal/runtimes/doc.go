// Package runtimes owns nubo's managed runtimes: its own Lambda runtime
// clients for Python, Node.js, Java and Ruby, embedded in the binary, and the
// catalogue that tells the engine how to start an execution environment of
// each runtime identifier.
//
// The clients speak only the Lambda Runtime API 2018-06-01 and behave as
// AWS's managed runtimes do (handler strings, context objects, log line
// formats, error payloads and Runtime.* error types), using nothing but each
// language's standard library. New writes them under Options.Dir, compiles
// the Java client once with the machine's javac (cached by a hash of its
// sources) and finds the interpreters; the engine then asks, per environment:
//
//	cat, err := runtimes.New(runtimes.Options{Dir: dir, Logger: log})
//	if err := cat.Check("python3.12"); err != nil { ... } // at CreateFunction, and before starting
//	l, err := cat.Launch("python3.12", runtimes.Layout{TaskRoot: "/var/task", RuntimeDir: "/var/runtime", OptDir: "/opt"})
//	// start l.Argv in TaskRoot with the standard Lambda variables, then l.Env
//	v := cat.Version("python3.12") // "python:3.12.v1" for INIT_START
//
// Launch.Env holds only runtime-specific variables (AWS_EXECUTION_ENV,
// PYTHONPATH, NODE_PATH, GEM_PATH, RUBYLIB); the engine sets the standard
// ones (AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT, ...) itself. The
// interpreter in Argv[0] is a host path, so a sandbox must make it visible
// at the same path. Every python3.x maps to the machine's python3, every
// nodejsN.x to node, every javaN to java and every rubyN to ruby, unless
// Options.Interpreters says otherwise; provided, provided.al2 and
// provided.al2023 run the function's own bootstrap.
package runtimes

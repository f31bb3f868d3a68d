// Package runtimes owns nubo's managed runtimes: its own Lambda runtime
// clients for Python, Node.js, Java and Ruby, embedded in the binary, and the
// catalogue that tells the engine how to start an execution environment of
// each runtime identifier.
//
// The clients (clients/<language>) speak only the Lambda Runtime API
// 2018-06-01, over one keep-alive connection with no client timeout, and
// behave as AWS's managed runtimes do: the same handler strings, context
// objects, log line formats, error payloads, Runtime.* error types and
// exit codes. Each uses nothing but its language's standard library; the
// Java client also carries source- and binary-compatible copies of
// aws-lambda-java-core's interfaces (Context, RequestHandler,
// RequestStreamHandler, LambdaLogger, ...), so code built against AWS's jar
// runs without it.
//
// New writes the clients under Options.Dir, asks each interpreter for its
// real executable (seeing through version-manager shims), and compiles the
// Java client once with the machine's javac, cached under Dir by a hash of
// its sources. The engine then asks, per environment:
//
//	cat, err := runtimes.New(runtimes.Options{Dir: dir, Logger: log})
//	err = cat.Check("python3.12") // at CreateFunction, and before starting
//	l, err := cat.Launch("python3.12", runtimes.Layout{TaskRoot: "/var/task", RuntimeDir: "/var/runtime", OptDir: "/opt"})
//	// run l.Argv in TaskRoot with the standard Lambda variables, l.Env, then the function's own
//	v := cat.Version("python3.12") // "python:3.12.v1" for INIT_START
//
// Launch.Env holds only runtime-specific variables: AWS_EXECUTION_ENV
// (managed runtimes only), PYTHONPATH, NODE_PATH, GEM_PATH and RUBYLIB;
// the engine sets the standard ones (AWS_LAMBDA_RUNTIME_API, _HANDLER,
// LAMBDA_TASK_ROOT, ...) itself. A function's own variables should be
// applied after Launch.Env, so that, as on AWS, its JAVA_TOOL_OPTIONS or
// NODE_OPTIONS take effect. Argv[0] is a host path, so a sandbox must show
// the interpreter at the same path. Every python3.x runs on the machine's
// python3, every nodejsN.x on node, every javaN on java and every rubyN on
// ruby, unless Options.Interpreters says otherwise; provided, provided.al2
// and provided.al2023 run the package's bootstrap, else a layer's.
package runtimes

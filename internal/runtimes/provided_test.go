package runtimes

import (
	"testing"
)

// A custom runtime written in Python, using only the standard library.
const customBootstrap = `#!/usr/bin/env python3
import json, os, urllib.request

base = "http://%s/2018-06-01/runtime/invocation/" % os.environ["AWS_LAMBDA_RUNTIME_API"]
while True:
    with urllib.request.urlopen(base + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    body = json.dumps({"bootstrap": os.path.abspath(__file__), "event": event,
                       "execution_env": os.environ.get("AWS_EXECUTION_ENV")}).encode()
    urllib.request.urlopen(urllib.request.Request(base + rid + "/response", data=body, method="POST")).read()
`

func TestProvided(t *testing.T) {
	t.Parallel()
	cat := runtimeCatalogue(t, "python3.12") // the bootstrap is a Python script

	t.Run("bootstrap in the package", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "provided.al2023", handler: "ignored",
			files:    map[string]string{"bootstrap": customBootstrap},
			optFiles: map[string]string{"bootstrap": "#!/bin/sh\nexit 3\n"}})
		r, _ := p.invoke(t, `{"k":"ü"}`)
		jsonEqual(t, r.body, `{"bootstrap":"`+p.taskRoot+`/bootstrap","event":{"k":"ü"},"execution_env":null}`)
	})
	t.Run("bootstrap in a layer", func(t *testing.T) {
		t.Parallel()
		p := startEnv(t, cat, envSpec{runtime: "provided.al2", handler: "ignored",
			files:    map[string]string{"app.txt": "no bootstrap here"},
			optFiles: map[string]string{"bootstrap": customBootstrap}})
		r, _ := p.invoke(t, `1`)
		if r.kind != "response" {
			t.Fatalf("got %s %s", r.kind, r.body)
		}
	})
}

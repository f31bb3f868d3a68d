// Command bootstrap is the smallest custom runtime: it asks its Runtime
// API for the next event and answers each with the event itself. The
// benchmarks run it as a function's bootstrap.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

func main() {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/"
	for {
		resp, err := http.Get(api + "next")
		if err != nil {
			fmt.Fprintln(os.Stderr, "next:", err)
			os.Exit(1)
		}
		event, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		r, err := http.Post(api+id+"/response", "application/json", strings.NewReader(string(event)))
		if err != nil {
			fmt.Fprintln(os.Stderr, "response:", err)
			os.Exit(1)
		}
		r.Body.Close()
	}
}

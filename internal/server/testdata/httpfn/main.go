// Command httpfn is the front door tests' function, built with
// aws-lambda-go. Behind a function URL or an HTTP API its request's path
// says what to do; called as a Lambda REQUEST authorizer it allows,
// denies or answers with a policy by the request's authorization header.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		Version, Type string
	}
	json.Unmarshal(raw, &probe)
	switch {
	case probe.Type == "REQUEST":
		return authorize(raw, probe.Version)
	case probe.Version == "1.0":
		var ev events.APIGatewayProxyRequest
		json.Unmarshal(raw, &ev)
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(raw),
			MultiValueHeaders: map[string][]string{"x-multi": {"a", "b"}, "content-type": {"application/json"}}}, nil
	}
	var ev events.APIGatewayV2HTTPRequest
	json.Unmarshal(raw, &ev)
	path := ev.RawPath
	if i := strings.LastIndex(path, "/"); i >= 0 {
		path = path[i:] // the last segment picks the behaviour, whatever the prefix
	}
	q := ev.QueryStringParameters
	switch path {
	case "/raw": // no statusCode: the whole output is the body
		return map[string]string{"hello": "world"}, nil
	case "/string":
		return "just text", nil
	case "/error":
		return nil, errors.New("the function failed")
	case "/malformed":
		return json.RawMessage(`{"statusCode":"teapot"}`), nil
	case "/sleep":
		ms, _ := strconv.Atoi(q["ms"])
		time.Sleep(time.Duration(ms) * time.Millisecond)
	case "/binary":
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "AAEC/w==", IsBase64Encoded: true,
			Headers: map[string]string{"content-type": "application/octet-stream"}}, nil
	case "/stream":
		return stream(q["fifo"]), nil
	}
	status, _ := strconv.Atoi(q["status"])
	if status == 0 {
		status = 200
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: string(raw),
		Headers: map[string]string{"content-type": "application/json", "access-control-allow-origin": "https://from-the-function"},
		Cookies: []string{"session=abc; Path=/", "theme=dark"}}, nil
}

// stream answers with a streamed response: its first line at once, the
// second only once the test has written to the FIFO at path, which it
// does after it received the first — so the first bytes must reach the
// client while the function still runs.
func stream(fifo string) *events.LambdaFunctionURLStreamingResponse {
	pr, pw := io.Pipe()
	go func() {
		fmt.Fprintln(pw, "first")
		f, err := os.Open(fifo)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		line, _ := bufio.NewReader(f).ReadString('\n')
		f.Close()
		fmt.Fprintf(pw, "second after %s", line)
		pw.Close()
	}()
	return &events.LambdaFunctionURLStreamingResponse{StatusCode: 202, Headers: map[string]string{"content-type": "text/plain"},
		Cookies: []string{"streamed=yes"}, Body: pr}
}

// authorize is a Lambda REQUEST authorizer of either payload format: the
// first identity source decides, unless DENY_ALL is set.
func authorize(raw json.RawMessage, version string) (any, error) {
	var ev struct {
		IdentitySource any    `json:"identitySource"`
		RouteArn       string `json:"routeArn"`
		MethodArn      string `json:"methodArn"`
	}
	json.Unmarshal(raw, &ev)
	var token string
	switch s := ev.IdentitySource.(type) {
	case []any:
		if len(s) > 0 {
			token, _ = s[0].(string)
		}
	case string:
		token, _, _ = strings.Cut(s, ",")
	}
	ctx := map[string]any{"user": "ada", "token": token, "n": 7}
	if os.Getenv("DENY_ALL") != "" {
		token = "deny"
	}
	switch token {
	case "allow":
		return map[string]any{"isAuthorized": true, "context": ctx}, nil
	case "deny":
		return map[string]any{"isAuthorized": false}, nil
	case "policy-allow", "policy-deny":
		effect := "Allow"
		if token == "policy-deny" {
			effect = "Deny"
		}
		arn := ev.RouteArn + ev.MethodArn
		return map[string]any{"principalId": "ada", "context": ctx, "policyDocument": map[string]any{"Version": "2012-10-17",
			"Statement": []any{map[string]any{"Action": "execute-api:Invoke", "Effect": effect, "Resource": []string{arn}}}}}, nil
	}
	return nil, errors.New("Unauthorized")
}

func main() {
	lambda.Start(handle)
}

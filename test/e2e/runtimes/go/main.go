// Command go is the aws-lambda-go function of test/e2e/runtimes_cli.sh, run
// as a provided.al2023 bootstrap: one handler whose event's "op" picks what
// to show of the runtime. Like many Go functions it reads its configuration
// at start-up and exits when it is missing, which fails the Init phase.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Package state lives as long as the execution environment.
var (
	initID      = newID()
	invocations int
)

var envNames = []string{"GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_EXECUTION_ENV", "_HANDLER", "LAMBDA_TASK_ROOT"}

type event struct {
	Op      string `json:"op"`
	Text    string `json:"text"`
	File    string `json:"file"`
	N       int    `json:"n"`
	Seconds int    `json:"seconds"`
}

type handledError struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

func handle(ctx context.Context, ev event) (any, error) {
	invocations++
	switch ev.Op {
	case "inspect":
		return inspect(ctx, ev)
	case "big":
		return strings.Repeat("x", ev.N), nil
	case "handled":
		return handledError{ErrorType: "ValidationError", ErrorMessage: "name is required ✗"}, nil
	case "fail":
		return nil, errors.New("boom ✗")
	case "sleep":
		time.Sleep(time.Duration(ev.Seconds) * time.Second)
		return "woke up", nil
	}
	return nil, errors.New("unknown op " + ev.Op)
}

func inspect(ctx context.Context, ev event) (map[string]any, error) {
	log.Printf("inspect %s", ev.Text)
	lc, _ := lambdacontext.FromContext(ctx)
	path := "/tmp/" + ev.File
	var before any
	if data, err := os.ReadFile(path); err == nil {
		before = string(data)
	}
	if err := os.WriteFile(path, []byte(ev.Text), 0o644); err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	first := time.Until(deadline).Milliseconds()
	time.Sleep(50 * time.Millisecond)
	second := time.Until(deadline).Milliseconds()
	env := map[string]any{}
	for _, name := range envNames {
		if v, ok := os.LookupEnv(name); ok {
			env[name] = v
		} else {
			env[name] = nil
		}
	}
	return map[string]any{
		"text":      ev.Text,
		"upper":     strings.ToUpper(ev.Text),
		"count":     invocations,
		"initId":    initID,
		"tmpBefore": before,
		"env":       env,
		"ctx": map[string]any{
			"requestId":          lc.AwsRequestID,
			"functionName":       lambdacontext.FunctionName,
			"functionVersion":    lambdacontext.FunctionVersion,
			"invokedFunctionArn": lc.InvokedFunctionArn,
			"memoryLimitInMB":    lambdacontext.MemoryLimitInMB,
			"logGroupName":       lambdacontext.LogGroupName,
			"logStreamName":      lambdacontext.LogStreamName,
			"identityId":         lc.Identity.CognitoIdentityID,
			"clientCustom":       lc.ClientContext.Custom,
			"remaining":          []int64{first, second},
		},
	}, nil
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func main() {
	if os.Getenv("GREETING") == "" {
		log.Fatal("GREETING is not set")
	}
	lambda.Start(handle)
}

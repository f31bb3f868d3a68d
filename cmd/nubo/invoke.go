package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func invoke(args []string) error {
	fs := flag.NewFlagSet("invoke", flag.ExitOnError)
	var c clientFlags
	c.register(fs)
	payload := fs.String("payload", "", "event JSON, or @file to read it from a file")
	qualifier := fs.String("qualifier", "", "version or alias")
	showLog := fs.Bool("log", false, "print the invocation's log tail to stderr")
	async := fs.Bool("async", false, "invoke asynchronously (InvocationType Event): queue the event and return")
	name, args := leadingArg(args)
	fs.Parse(args)
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	}
	if name == "" {
		return errors.New("usage: nubo invoke NAME [--payload JSON|@file] [--qualifier Q] [--log] [--async]")
	}
	body := []byte(*payload)
	if file, ok := strings.CutPrefix(*payload, "@"); ok {
		var err error
		if body, err = os.ReadFile(file); err != nil {
			return err
		}
	}
	in := &lambda.InvokeInput{FunctionName: aws.String(name), Payload: body}
	if *qualifier != "" {
		in.Qualifier = qualifier
	}
	if *showLog {
		in.LogType = types.LogTypeTail
	}
	if *async {
		in.InvocationType = types.InvocationTypeEvent
	}
	out, err := c.lambdaClient().Invoke(context.Background(), in)
	if err != nil {
		return err
	}
	if *async {
		fmt.Printf("queued (status %d)\n", out.StatusCode)
		return nil
	}
	if *showLog {
		tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
		os.Stderr.Write(tail)
	}
	os.Stdout.Write(out.Payload)
	fmt.Println()
	if out.FunctionError != nil {
		return fmt.Errorf("function error (%s), version %s", aws.ToString(out.FunctionError), aws.ToString(out.ExecutedVersion))
	}
	return nil
}

// leadingArg takes a positional argument given before the flags.
func leadingArg(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

func logsCmd(args []string) error {
	fs := flag.NewFlagSet("logs", flag.ExitOnError)
	var c clientFlags
	c.register(fs)
	follow := fs.Bool("f", false, "follow: keep printing new events")
	since := fs.String("since", "", "only events newer than this (e.g. 10m) or after this RFC 3339 time")
	name, args := leadingArg(args)
	fs.Parse(args)
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	}
	if name == "" {
		return errors.New("usage: nubo logs NAME [-f] [--since 10m]")
	}
	group := name
	if !strings.HasPrefix(group, "/") {
		group = "/aws/lambda/" + name
	}
	q := url.Values{"group": {group}, "follow": {fmt.Sprint(*follow)}, "since": {*since}}
	resp, err := c.get(context.Background(), "/_nubo/logs?"+q.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %s", resp.Status, msg)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 512*1024)
	for sc.Scan() {
		t, rest, _ := strings.Cut(sc.Text(), "\t")
		_, msg, _ := strings.Cut(rest, "\t")
		fmt.Printf("%s %s\n", t, msg)
	}
	return sc.Err()
}

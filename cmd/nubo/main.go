// Command nubo is the nubo platform and its command-line client: `nubo serve`
// runs the platform; the other commands talk to a running one.
package main

import (
	"fmt"
	"os"
)

const usage = `nubo - a self-hosted serverless platform

usage:
  nubo serve   [flags]                    start the platform
  nubo deploy  PATH --name N --runtime R --handler H [flags]
                                          create or update a function from a folder or zip
  nubo ls      [flags]                    list functions
  nubo rm      NAME [flags]               delete a function
  nubo invoke  NAME [--payload JSON|@file] [--qualifier Q] [--log] [--async]
                                          invoke a function and print its answer (or queue the event)
  nubo logs    NAME [-f] [--since 10m]    print (and follow) a function's logs
  nubo cost    [--month YYYY-MM] [--function NAME] [--json]
                                          print the bill: requests, GB-seconds, free tier, cost
  nubo bench   [--concurrency 1,8,64]     measure invoke latency, throughput and cold starts
  nubo bench-sqs [--concurrency 32]       measure SQS send, receive+delete and SQS-to-Lambda rates
  nubo bench-dynamodb [--concurrency 1,32] measure DynamoDB operations beside dynalite, and stream-to-Lambda latency
  nubo bench-s3 [--duration 3s]           measure S3 PUT, GET and multipart beside versitygw
  nubo bench-sfn [--concurrency 1,32]     measure Step Functions executions and state transitions per second
  nubo cluster status [--json]            print the cluster's nodes, their load and each stream's leader
  nubo cluster forget NODE                remove a dead node that will not return (it holds DynamoDB's log back)

Run 'nubo COMMAND -h' for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	commands := map[string]func([]string) error{
		"serve":          serve,
		"deploy":         deploy,
		"ls":             list,
		"rm":             remove,
		"invoke":         invoke,
		"logs":           logsCmd,
		"cost":           costCmd,
		"bench":          benchCmd,
		"bench-sqs":      benchSQSCmd,
		"bench-dynamodb": benchDynamoDBCmd,
		"bench-s3":       benchS3Cmd,
		"bench-sfn":      benchSFNCmd,
		"cluster":        clusterCmd,
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err := cmd(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "nubo:", err)
		os.Exit(1)
	}
}

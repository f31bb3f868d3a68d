package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// clientFlags are the flags of every command that talks to a running nubo.
type clientFlags struct {
	addr   string
	region string
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", env("NUBO_ADDR", "127.0.0.1:4566"), "address of the nubo server (NUBO_ADDR)")
	fs.StringVar(&c.region, "region", env("NUBO_REGION", "us-east-1"), "region (NUBO_REGION)")
}

// lambdaClient is an AWS SDK Lambda client pointed at nubo.
func (c *clientFlags) lambdaClient() *lambda.Client {
	return lambda.NewFromConfig(aws.Config{
		Region:       c.region,
		Credentials:  credentials.NewStaticCredentialsProvider("nubo", "nubo", ""),
		BaseEndpoint: aws.String("http://" + c.addr),
	})
}

func list(args []string) error {
	fs := flag.NewFlagSet("ls", flag.ExitOnError)
	var c clientFlags
	c.register(fs)
	fs.Parse(args)
	client := c.lambdaClient()
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tRUNTIME\tMEMORY\tTIMEOUT\tLAST MODIFIED")
	p := lambda.NewListFunctionsPaginator(client, &lambda.ListFunctionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			return err
		}
		for _, f := range page.Functions {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", aws.ToString(f.FunctionName), f.Runtime,
				aws.ToInt32(f.MemorySize), aws.ToInt32(f.Timeout), aws.ToString(f.LastModified))
		}
	}
	return tw.Flush()
}

func remove(args []string) error {
	fs := flag.NewFlagSet("rm", flag.ExitOnError)
	var c clientFlags
	c.register(fs)
	fs.Parse(args)
	if fs.NArg() != 1 {
		return errors.New("usage: nubo rm NAME")
	}
	_, err := c.lambdaClient().DeleteFunction(context.Background(), &lambda.DeleteFunctionInput{FunctionName: aws.String(fs.Arg(0))})
	return err
}

// waitUpdated waits until a function is Active and its last update is done.
func waitUpdated(ctx context.Context, client *lambda.Client, name string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		out, err := client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil {
			return err
		}
		switch {
		case out.State == types.StateFailed:
			return fmt.Errorf("function %s failed: %s", name, aws.ToString(out.StateReason))
		case out.LastUpdateStatus == types.LastUpdateStatusFailed:
			return fmt.Errorf("update of %s failed: %s", name, aws.ToString(out.LastUpdateStatusReason))
		case out.State == types.StateActive && out.LastUpdateStatus == types.LastUpdateStatusSuccessful:
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("function %s is still not ready after 2 minutes", name)
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/nubo-dev/nubo/internal/server"
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

// config is the AWS SDK configuration of a client of nubo: its address and
// region, and the root credentials nubo serve reads
// (NUBO_ROOT_ACCESS_KEY_ID, NUBO_ROOT_SECRET_ACCESS_KEY), its defaults
// when they are unset.
func (c *clientFlags) config() aws.Config {
	return aws.Config{
		Region: c.region,
		Credentials: credentials.NewStaticCredentialsProvider(env("NUBO_ROOT_ACCESS_KEY_ID", server.DefaultRootKey),
			env("NUBO_ROOT_SECRET_ACCESS_KEY", server.DefaultRootKey), ""),
		BaseEndpoint: aws.String("http://" + c.addr),
	}
}

// lambdaClient is an AWS SDK Lambda client pointed at nubo.
func (c *clientFlags) lambdaClient() *lambda.Client { return lambda.NewFromConfig(c.config()) }

// get GETs one of nubo's own paths, signed as the SDK would sign it.
func (c *clientFlags) get(ctx context.Context, pathAndQuery string) (*http.Response, error) {
	return c.do(ctx, http.MethodGet, pathAndQuery)
}

// do sends a request with no body to one of nubo's own paths, signed.
func (c *clientFlags) do(ctx context.Context, method, pathAndQuery string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+c.addr+pathAndQuery, nil)
	if err != nil {
		return nil, err
	}
	cfg := c.config()
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, emptySHA256, "nubo", c.region, time.Now()); err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
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

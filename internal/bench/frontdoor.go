package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/nubo-dev/nubo/internal/server"
)

// FrontDoorStats is the same no-op request, at one concurrency, through a
// direct Invoke, a function URL and an HTTP API (a quick-created one:
// payload 2.0, the $default route and stage).
type FrontDoorStats struct {
	Concurrency      int
	Direct, URL, API Stats
}

func (f FrontDoorStats) print(w io.Writer) {
	for _, door := range []struct {
		name string
		s    Stats
	}{{"a function URL", f.URL}, {"an HTTP API", f.API}} {
		if f.Direct.PerSec == 0 {
			continue
		}
		fmt.Fprintf(w, "c=%d: %s adds %v p50 and %v p99 to a direct Invoke; rate %.2fx the direct Invoke's\n", f.Concurrency, door.name,
			(door.s.P50 - f.Direct.P50).Round(time.Microsecond), (door.s.P99 - f.Direct.P99).Round(time.Microsecond), door.s.PerSec/f.Direct.PerSec)
	}
}

// runFrontDoor puts a URL and an HTTP API in front of the no-op function
// and measures the three ways in at each concurrency, after a warm-up of
// each, taking turns.
func runFrontDoor(ctx context.Context, srv *server.Server, c *client, concurrencies []int, d time.Duration, logf func(string, ...any)) ([]FrontDoorStats, error) {
	urlBase, apiBase, err := frontDoors(ctx, srv.Addr())
	if err != nil {
		return nil, err
	}
	web := doorClient(srv.Addr(), 128)
	get := func(base string) func(context.Context) error {
		return func(ctx context.Context) error { return web.send(ctx, base) }
	}
	var out []FrontDoorStats
	for _, n := range concurrencies {
		doors := []struct {
			name string
			do   func(context.Context) error
			run  run
		}{{name: "invoke", do: func(ctx context.Context) error { return c.invoke(ctx, "noop") }}, {name: "url", do: get(urlBase)}, {name: "api", do: get(apiBase)}}
		for _, door := range doors {
			c.loadFunc(ctx, n, min(time.Second, d), door.do) // warm-up: n environments, n connections
		}
		// The doors take turns, so that the machine's other work weighs on
		// each alike.
		slice := max(d/rounds, 100*time.Millisecond)
		for range rounds {
			for i := range doors {
				doors[i].run.add(ctx, n, slice, doors[i].do)
			}
		}
		f := FrontDoorStats{Concurrency: n, Direct: doors[0].run.stats(), URL: doors[1].run.stats(), API: doors[2].run.stats()}
		for i, s := range []Stats{f.Direct, f.URL, f.API} {
			logf("%-6s c=%-3d %v", doors[i].name, n, s)
		}
		out = append(out, f)
	}
	return out, nil
}

// frontDoors creates the no-op function's URL and a quick-created HTTP
// API in front of it, with the permission API Gateway needs to invoke it,
// and returns their base URLs.
func frontDoors(ctx context.Context, addr string) (urlBase, apiBase string, err error) {
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: credentials.StaticCredentialsProvider{Value: Credentials}}
	u, err := lambda.NewFromConfig(cfg).CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("noop"), AuthType: types.FunctionUrlAuthTypeNone})
	if err != nil {
		return "", "", fmt.Errorf("create the function URL: %w", err)
	}
	api, err := apigatewayv2.NewFromConfig(cfg).CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("noop"), ProtocolType: agtypes.ProtocolTypeHttp,
		Target: aws.String("arn:aws:lambda:us-east-1:000000000000:function:noop")})
	if err != nil {
		return "", "", fmt.Errorf("create the HTTP API: %w", err)
	}
	if _, err := lambda.NewFromConfig(cfg).AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("noop"), StatementId: aws.String("apigateway"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String("arn:aws:execute-api:us-east-1:000000000000:" + aws.ToString(api.ApiId) + "/*")}); err != nil {
		return "", "", fmt.Errorf("let API Gateway invoke the function: %w", err)
	}
	return aws.ToString(u.FunctionUrl), aws.ToString(api.ApiEndpoint) + "/", nil
}

// rounds is how many turns each door takes in a measurement.
const rounds = 5

// doors sends the no-op request to function URLs and APIs over keep-alive
// connections to nubo, whatever host a URL names.
type doors struct{ http *http.Client }

func doorClient(addr string, conns int) *doors {
	dialer := &net.Dialer{}
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		}}
	return &doors{http: &http.Client{Transport: tr}}
}

func (d *doors) send(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.http.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		return fmt.Errorf("POST %s: %s %s", url, resp.Status, body)
	}
	return nil
}

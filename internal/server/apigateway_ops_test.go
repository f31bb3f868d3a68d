package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// An HTTP_PROXY integration sends the request on, its path variables
// filled in and its query kept, and the response back as it came.
func TestHTTPAPIHTTPProxy(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Backend", "yes")
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+string(body)+" "+r.Header.Get("X-Custom"))
	}))
	defer backend.Close()
	b := n.newAPI(t, "proxy", nil)
	integ, err := b.c.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: b.id, IntegrationType: agtypes.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String(backend.URL + "/upstream/{proxy}"), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		t.Fatal(err)
	}
	b.route("ANY /api/{proxy+}", "integrations/"+aws.ToString(integ.IntegrationId))
	b.stage(&apigatewayv2.CreateStageInput{StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})
	status, h, body := n.call(t, "PUT", b.url("/api/a/b?x=1"), "payload", "X-Custom", "c")
	if status != 418 || h.Get("X-Backend") != "yes" || body != "PUT /upstream/a/b?x=1 payload c" {
		t.Errorf("proxied: %d %v %q", status, h, body)
	}
}

// Access logs reach CloudWatch Logs with their $context variables, and
// every request counts in AWS/ApiGateway and on the bill.
func TestHTTPAPIAccessLogsMetricsAndBill(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createHTTPFunction(t, "observed")
	b := n.newAPI(t, "observed", nil)
	b.route("GET /ok", b.function("observed", "2.0", 30000))
	group := "/aws/apigateway/observed-" + n.region
	b.stage(&apigatewayv2.CreateStageInput{StageName: aws.String("$default"), AutoDeploy: aws.Bool(true),
		AccessLogSettings: &agtypes.AccessLogSettings{DestinationArn: aws.String("arn:aws:logs:" + n.region + ":000000000000:log-group:" + group),
			Format: aws.String(`{"requestId":"$context.requestId","status":"$context.status","routeKey":"$context.routeKey","ip":"$context.identity.sourceIp","integration":"$context.integrationLatency","missing":"$context.nothing"}`)}})
	_, h, _ := n.call(t, "GET", b.url("/ok"), "")
	n.call(t, "GET", b.url("/nope"), "")
	cfg := aws.Config{Region: n.region, BaseEndpoint: aws.String("http://" + n.addr), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	logs := cloudwatchlogs.NewFromConfig(cfg)
	var lines []string
	deadline := time.Now().Add(10 * time.Second)
	// A line is written just after its response: poll for it.
	for len(lines) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		out, err := logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group)})
		if err == nil {
			lines = lines[:0]
			for _, e := range out.Events {
				lines = append(lines, aws.ToString(e.Message))
			}
		}
	}
	if len(lines) != 2 {
		t.Fatalf("access log lines: %v", lines)
	}
	var first, second map[string]string
	json.Unmarshal([]byte(lines[0]), &first)
	json.Unmarshal([]byte(lines[1]), &second)
	if first["requestId"] != h.Get("Apigw-Requestid") || first["status"] != "200" || first["routeKey"] != "GET /ok" || first["ip"] != "127.0.0.1" ||
		first["integration"] == "-" || first["missing"] != "-" || second["status"] != "404" || second["routeKey"] != "-" {
		t.Errorf("lines %v", lines)
	}
	cw := cloudwatch.NewFromConfig(cfg)
	stat := func(metric string) float64 {
		out, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/ApiGateway"), MetricName: aws.String(metric),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("ApiId"), Value: b.id}}, StartTime: aws.Time(time.Now().Add(-time.Hour)),
			EndTime: aws.Time(time.Now().Add(time.Minute)), Period: aws.Int32(3600), Statistics: []cwtypes.Statistic{cwtypes.StatisticSum}})
		if err != nil || len(out.Datapoints) != 1 {
			t.Fatalf("%s: %v %+v", metric, err, out)
		}
		return aws.ToFloat64(out.Datapoints[0].Sum)
	}
	if c, e4, e5 := stat("Count"), stat("4xx"), stat("5xx"); c != 2 || e4 != 1 || e5 != 0 {
		t.Errorf("Count %v, 4xx %v, 5xx %v", c, e4, e5)
	}
	// The bill is nubo's own path, signed for "nubo" as its CLI signs.
	resp := n.do(t, "GET", "/_nubo/cost", signedFor("nubo"), nil)
	var bill struct {
		APIs []struct {
			ApiID    string `json:"apiId"`
			Requests int64  `json:"requests"`
		} `json:"apis"`
	}
	json.Unmarshal(resp.body, &bill)
	found := false
	for _, a := range bill.APIs {
		found = found || a.ApiID == aws.ToString(b.id) && a.Requests == 2
	}
	if !found {
		t.Errorf("bill %+v", bill)
	}
}

// A custom domain name reaches the stages its API mappings name, by the
// mapping key the path starts with.
func TestHTTPAPICustomDomain(t *testing.T) {
	n := sharedNubo(t)
	ctx := context.Background()
	n.createHTTPFunction(t, "domainfn")
	b := n.newAPI(t, "domain", nil)
	b.route("ANY /{proxy+}", b.function("domainfn", "1.0", 30000))
	b.stage(&apigatewayv2.CreateStageInput{StageName: aws.String("live"), AutoDeploy: aws.Bool(true)})
	domain := "api." + n.region + ".example.com"
	if _, err := b.c.CreateDomainName(ctx, &apigatewayv2.CreateDomainNameInput{DomainName: aws.String(domain)}); err != nil {
		t.Fatal(err)
	}
	m, err := b.c.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String(domain), ApiId: b.id, Stage: aws.String("live"), ApiMappingKey: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.c.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String(domain), ApiId: b.id, Stage: aws.String("live"), ApiMappingKey: aws.String("v1")})
	apiErr(t, err, "ConflictException", "")
	status, _, body := n.call(t, "GET", "http://"+domain+"/v1/orders/9", "")
	var ev struct {
		Path           string
		PathParameters map[string]string
		RequestContext struct{ Stage, DomainName string }
	}
	json.Unmarshal([]byte(body), &ev)
	if status != 200 || ev.Path != "/v1/orders/9" || ev.PathParameters["proxy"] != "orders/9" || ev.RequestContext.Stage != "live" || ev.RequestContext.DomainName != domain {
		t.Errorf("mapped: %d %s", status, body)
	}
	if status, _, _ := n.call(t, "GET", "http://"+domain+"/v2/orders", ""); status != 404 {
		t.Errorf("unmapped key: %d", status)
	}
	if _, err := b.c.DeleteApiMapping(ctx, &apigatewayv2.DeleteApiMappingInput{DomainName: aws.String(domain), ApiMappingId: m.ApiMappingId}); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := n.call(t, "GET", "http://"+domain+"/v1/orders/9", ""); status != 404 {
		t.Errorf("after the mapping's deletion: %d", status)
	}
	list, err := b.c.GetDomainNames(ctx, &apigatewayv2.GetDomainNamesInput{})
	if err != nil || len(list.Items) != 1 || !strings.HasSuffix(aws.ToString(list.Items[0].DomainNameConfigurations[0].ApiGatewayDomainName), ".localhost") {
		t.Errorf("domain names %v %+v", err, list)
	}
}

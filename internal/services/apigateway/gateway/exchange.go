package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/nubo-dev/nubo/internal/frontdoor"
	ag "github.com/nubo-dev/nubo/internal/services/apigateway"
	"github.com/nubo-dev/nubo/internal/services/lambda"
)

// exchange is one request through an API: what the gateway learnt of it
// on the way, for its access log line and metrics.
type exchange struct {
	g         *Gateway
	e         *entry
	r         *http.Request
	w         *recorder
	started   time.Time
	requestID string
	match     *ag.Match
	req       *frontdoor.Request

	integrated        bool
	integration       time.Duration
	integrationStatus int
	integrationError  string
	authorizerError   string
	errorMessage      string
	errorType         string
}

// recorder remembers a response's status and length.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// request is the request as an event carries it.
func (x *exchange) request(body []byte) *frontdoor.Request {
	sourceIP := frontdoor.SourceIP(x.r)
	frontdoor.Forwarded(x.r, sourceIP, frontdoor.TraceID(x.r, x.started))
	v := x.e.view
	return &frontdoor.Request{HTTP: x.r, Body: body, RequestID: x.requestID, Time: x.started, Account: x.g.opts.Account,
		APIID: x.e.apiID, DomainName: frontdoor.DomainName(x.r), Stage: v.Stage.StageName, RouteKey: x.match.Route.RouteKey,
		Resource: x.match.Resource, Path: x.e.rawPath, FullPath: x.e.fullPath, SourceIP: sourceIP,
		PathParameters: x.match.Params, StageVariables: v.Stage.StageVariables}
}

// fail answers with one of the gateway's own responses.
func (x *exchange) fail(f frontdoor.Failure, why string) {
	x.errorMessage, x.errorType = f.Message, f.Type
	if why != "" && x.integrationError == "" && x.integrated {
		x.integrationError = why
	}
	if x.e.view != nil && x.e.view.Cors != nil {
		corsOf(x.e.view.Cors).Apply(x.w.Header(), x.r)
	}
	f.Write(x.w, "message")
}

// integrate sends the request to its route's integration and answers
// with what it returned.
func (x *exchange) integrate() {
	integ := x.match.Integration
	if integ == nil {
		x.fail(frontdoor.NotFound, "")
		return
	}
	if integ.IntegrationType == "HTTP_PROXY" {
		x.proxy(integ)
		return
	}
	x.invokeFunction(integ)
}

// invokeFunction is an AWS_PROXY integration: the function gets the
// request in the integration's payload format, within its timeout.
func (x *exchange) invokeFunction(integ *ag.Integration) {
	fn := x.match.Function
	if fn == nil {
		x.fail(frontdoor.InternalError, "The integration names no function")
		return
	}
	build := frontdoor.EventV2
	if integ.PayloadFormatVersion == "1.0" {
		build = frontdoor.EventV1
	}
	event, err := build(x.req)
	if err == nil && len(event) > maxEvent {
		x.fail(frontdoor.TooLarge, "")
		return
	}
	inv := &lambda.Invocation{Scope: lambda.Scope{Account: x.g.opts.Account, Region: fn.Region}, Function: lambda.FunctionRef{Name: fn.Name, Qualifier: fn.Qualifier},
		RequestID: x.requestID, Payload: event, TraceID: x.r.Header.Get("X-Amzn-Trace-Id")}
	if err := x.g.iam.AllowInvoke(x.r.Context(), inv.Function, inv.Scope, x.routeArn()); err != nil {
		x.fail(frontdoor.InternalError, "Execution failed due to configuration error: Invalid permissions on Lambda function: "+err.Error())
		return
	}
	res, err := x.call(inv, time.Duration(integ.TimeoutInMillis)*time.Millisecond)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		x.fail(frontdoor.ServiceUnavailable, "The integration timed out")
		return
	case errors.Is(err, lambda.ErrTooManyRequests):
		x.fail(frontdoor.ServiceUnavailable, err.Error())
		return
	case err != nil:
		x.fail(frontdoor.InternalError, err.Error())
		return
	case res.FunctionError != "" && frontdoor.TimedOut(res.Payload):
		x.fail(frontdoor.Timeout, string(res.Payload))
		return
	case res.FunctionError != "":
		x.fail(frontdoor.InternalError, string(res.Payload))
		return
	}
	x.integrationStatus = http.StatusOK
	mapResponse := frontdoor.ResponseV2
	if integ.PayloadFormatVersion == "1.0" {
		mapResponse = frontdoor.ResponseV1
	}
	resp, err := mapResponse(res.Payload)
	if err != nil {
		x.fail(frontdoor.BadGateway, "The Lambda function returned a malformed response")
		return
	}
	x.respond(resp)
}

// maxEvent is Lambda's synchronous payload limit.
const maxEvent = 6 * 1024 * 1024

// call invokes within timeout. The function runs on after a timeout, as
// it does in AWS; its result is then dropped.
func (x *exchange) call(inv *lambda.Invocation, timeout time.Duration) (*lambda.Result, error) {
	type outcome struct {
		res *lambda.Result
		err error
	}
	done := make(chan outcome, 1)
	start := x.g.opts.Now()
	go func() {
		res, err := x.g.invoker.Invoke(x.r.Context(), inv)
		done <- outcome{res, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	x.integrated = true
	defer func() { x.integration = x.g.opts.Now().Sub(start) }()
	select {
	case o := <-done:
		return o.res, o.err
	case <-t.C:
		return nil, context.DeadlineExceeded
	case <-x.r.Context().Done():
		return nil, x.r.Context().Err()
	}
}

// respond sends an integration's response with the API's CORS headers.
func (x *exchange) respond(resp *frontdoor.Response) {
	if x.e.view.Cors != nil {
		corsOf(x.e.view.Cors).Apply(resp.Header, x.r)
	}
	resp.Write(x.w)
}

// finish logs and counts the exchange.
func (x *exchange) finish() {
	if x.e.view == nil {
		return // no API's stage: nothing to log or count it against
	}
	latency := x.g.opts.Now().Sub(x.started)
	status := x.w.status
	if status == 0 {
		status = http.StatusOK
	}
	if x.g.recorder != nil {
		x.g.recorder.Served(Record{Time: x.started, Region: x.e.region, ApiID: x.e.apiID, Stage: x.e.view.Stage.StageName,
			Status: status, Latency: latency, Integration: x.integration, Integrated: x.integrated})
	}
	x.accessLog(status, latency) // last: a client that reads the line finds the request counted
}

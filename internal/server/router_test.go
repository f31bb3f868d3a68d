package server_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Whatever a request is, nubo answers it in an AWS error shape: never an
// HTML page, never Go's "404 page not found".
func TestUnknownRequestsGetAWSErrors(t *testing.T) {
	n := sharedNubo(t)
	withHeader := func(h map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for hk, hv := range h {
			out[hk] = hv
		}
		return out
	}
	tests := []struct {
		name         string
		method, path string
		header       map[string]string
		body         string
		status       int
		code         string
		shape        string // "rest-json", "json" or "xml"
		mentions     string // the message names what was not understood
	}{
		// Service names no AWS service has, so that these stay unknown as
		// nubo learns more services.
		{"signed for an unknown service", "POST", "/", signedFor("nosuchservice"), "", 400, "UnknownServiceException", "rest-json", `"nosuchservice"`},
		{"unknown JSON service", "POST", "/", withHeader(signedFor("nosuchjson"), "X-Amz-Target", "NoSuchJSON_20200101.ListThings"), "{}", 400, "UnknownServiceException", "json", `"nosuchjson"`},
		{"unknown query service", "POST", "/", withHeader(signedFor("nosuchquery"), "Content-Type", "application/x-www-form-urlencoded"), "Action=ListThings", 400, "UnknownServiceException", "xml", `"nosuchquery"`},
		{"presigned for an unknown service", "GET", "/bucket/key?X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fnosuchservice%2Faws4_request&X-Amz-Signature=00", nil, "", 400, "UnknownServiceException", "rest-json", `"nosuchservice"`},
		{"unsigned root", "GET", "/", nil, "", 400, "UnknownServiceException", "rest-json", "GET /"},
		{"unsigned unknown path", "GET", "/favicon.ico", nil, "", 400, "UnknownServiceException", "rest-json", "/favicon.ico"},
		{"unsigned unknown target", "POST", "/", map[string]string{"X-Amz-Target": "NoSuchJSON_20200101.ListThings"}, "{}", 400, "UnknownServiceException", "json", "no SigV4 signature"},
		{"malformed signature", "GET", "/nowhere", map[string]string{"Authorization": "AWS4-HMAC-SHA256 garbage"}, "", 400, "UnknownServiceException", "rest-json", "/nowhere"},
		{"unsigned unknown Lambda operation", "GET", "/2015-03-31/nothing-here", nil, "", 403, "MissingAuthenticationTokenException", "rest-json", "Missing Authentication Token"},
		{"wrongly signed Lambda operation", "GET", "/2015-03-31/functions", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("0", 64), "X-Amz-Date": "20260101T000000Z"}, "", 403, "InvalidSignatureException", "rest-json", "Signature expired"},
		{"signed unknown Lambda operation", "GET", "/nope", signedFor("lambda"), "", 404, "UnknownOperationException", "rest-json", "GET /nope"},
		{"Lambda path with the wrong method", "PATCH", "/2015-03-31/functions", signedFor("lambda"), "", 404, "UnknownOperationException", "rest-json", "PATCH /2015-03-31/functions"},
		{"body that is not JSON", "POST", "/2015-03-31/functions", signedFor("lambda"), "{not json", 400, "InvalidRequestContentException", "rest-json", "Could not parse request body into json"},
		// Go's mux would redirect a path that is not canonical with an HTML page.
		// (Unsigned: signers disagree on how such paths are signed, and
		// nubo normalises them as AWS does.)
		{"Lambda path with a dot", "GET", "/2015-03-31/functions/.", nil, "", 403, "MissingAuthenticationTokenException", "rest-json", "Missing Authentication Token"},
		{"Lambda path with a double slash", "GET", "/2015-03-31//functions", nil, "", 403, "MissingAuthenticationTokenException", "rest-json", "Missing Authentication Token"},
		{"Invoke payload that is not JSON", "POST", "/2015-03-31/functions/any/invocations", signedFor("lambda"), `{"a":`, 400, "InvalidRequestContentException", "rest-json", "Could not parse payload into json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := n.do(t, tt.method, tt.path, tt.header, []byte(tt.body))
			body := string(resp.body)
			if strings.Contains(strings.ToLower(body), "<html") || strings.Contains(body, "404 page not found") {
				t.Fatalf("not an AWS error: %q", body)
			}
			if resp.status != tt.status {
				t.Errorf("status: got %d, want %d", resp.status, tt.status)
			}
			if resp.header.Get("X-Amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId")
			}
			var code, message string
			switch tt.shape {
			case "rest-json":
				checkWireError(t, resp, apiError{code: tt.code, status: tt.status})
				var e struct{ Message string }
				json.Unmarshal(resp.body, &e)
				code, message = resp.header.Get("X-Amzn-ErrorType"), e.Message
			case "json":
				var e struct {
					Type    string `json:"__type"`
					Message string `json:"message"`
				}
				if err := json.Unmarshal(resp.body, &e); err != nil {
					t.Fatalf("not a JSON error: %v: %q", err, body)
				}
				code, message = e.Type, e.Message
			case "xml":
				var e struct {
					Error struct{ Type, Code, Message string }
				}
				if err := xml.Unmarshal(resp.body, &e); err != nil {
					t.Fatalf("not an XML error: %v: %q", err, body)
				}
				if e.Error.Type != "Sender" {
					t.Errorf("XML error Type: got %q, want Sender", e.Error.Type)
				}
				code, message = e.Error.Code, e.Error.Message
			}
			if code != tt.code {
				t.Errorf("error code: got %q, want %q (%s)", code, tt.code, body)
			}
			if !strings.Contains(message, tt.mentions) {
				t.Errorf("message %q does not mention %q", message, tt.mentions)
			}
		})
	}
}

// An SDK calling an operation nubo does not serve gets an error it can read.
func TestUnimplementedOperation(t *testing.T) {
	n := sharedNubo(t)
	n.createNamed(t, "fn")
	_, err := n.client.GetFunctionCodeSigningConfig(context.Background(), &lambda.GetFunctionCodeSigningConfigInput{FunctionName: aws.String("fn")})
	checkError(t, err, apiError{code: "UnknownOperationException", status: 404,
		message: "The Lambda API has no operation for GET /2020-06-30/functions/fn/code-signing-config."})
	_, err = n.client.ListLayers(context.Background(), &lambda.ListLayersInput{})
	checkError(t, err, apiError{code: "UnknownOperationException", status: 404})
}

// Code.Location serves only stored packages, and only by the signed links
// GetFunction gives: anything else is a plain 404, or S3's 403.
func TestCodeLocationUnknown(t *testing.T) {
	n := sharedNubo(t)
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/_nubo/code/" + strings.Repeat("0", 64) + ".zip", 403},
		{"/_nubo/code/" + strings.Repeat("0", 64) + ".zip?Expires=99999999999&Signature=00", 403},
		{"/_nubo/code/../../etc/passwd", 404},
		{"/_nubo/code/not-a-key.zip", 404},
	} {
		resp := n.do(t, "GET", c.path, nil, nil)
		if resp.status != c.status {
			t.Errorf("GET %s: status %d, want %d", c.path, resp.status, c.status)
		}
	}
}

package iam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/nubo-dev/nubo/internal/sigv4"
)

// TestAuthenticateOverHTTP sends real SDK requests (SQS's JSON protocol,
// Lambda's rest-json with an escaped path) through net/http to a handler
// that authenticates them, as the wire layer will.
func TestAuthenticateOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.clock.now = time.Now() // the SDK signs with the real clock
	key, secret := h.user("alice")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		family := sigv4.JSON
		if r.Header.Get("X-Amz-Target") == "" {
			family = sigv4.Lambda
		}
		p, err := h.svc.Authenticate(r.Context(), r)
		var se *sigv4.Error
		if errors.As(err, &se) {
			e := se.For(family)
			w.Header().Set("X-Amzn-ErrorType", e.Code.Name)
			w.WriteHeader(e.Code.Status)
			fmt.Fprintf(w, `{"__type":%q,"message":%q}`, e.Code.Name, e.Message)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("X-Caller", p.Arn)
		fmt.Fprint(w, `{"QueueUrls":[],"Functions":[]}`)
	}))
	defer srv.Close()
	ctx := context.Background()
	cfg := func(id, secret string) aws.Config {
		return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
			BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1}
	}
	tests := []struct {
		name, id, secret string
		want             string // error code, "" for success
	}{
		{"root", rootKey, rootSecret, ""},
		{"user", key, secret, ""},
		{"wrong secret", key, "wrong" + secret[5:], "InvalidSignatureException"},
		{"unknown key", "AKIAUNKNOWNUNKNOWN00", secret, "UnrecognizedClientException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sqs.NewFromConfig(cfg(tt.id, tt.secret)).ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("a b/c")})
			if got := apiCode(err); got != tt.want {
				t.Errorf("SQS ListQueues: %v, want %q", err, tt.want)
			}
			_, err = lambda.NewFromConfig(cfg(tt.id, tt.secret)).ListFunctions(ctx, &lambda.ListFunctionsInput{Marker: aws.String("x y/z+")})
			if got := apiCode(err); got != tt.want {
				t.Errorf("Lambda ListFunctions: %v, want %q", err, tt.want)
			}
			_, err = lambda.NewFromConfig(cfg(tt.id, tt.secret)).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST")})
			if got := apiCode(err); got != tt.want {
				t.Errorf("Lambda GetFunction of an ARN (escaped path): %v, want %q", err, tt.want)
			}
		})
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

package snsapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/sns"
	"github.com/nubo-dev/nubo/internal/services/sns/snsapi"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/wire"
)

// delivered accepts every delivery.
type delivered struct{}

func (delivered) Deliver(context.Context, string, targets.Message) error { return nil }

func (delivered) DeliverAll(_ context.Context, arns []string, _ []targets.Message) []error {
	return make([]error, len(arns))
}

// FuzzService sends arbitrary query requests to SNS on a real store (its
// HTTP deliveries are queued jobs that nothing runs here):
// whatever arrives, SNS answers in an AWS shape and never fails with a
// server error or panics.
func FuzzService(f *testing.F) {
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(st.Close)
	kv, err := st.KV(ctx, "sns")
	if err != nil {
		f.Fatal(err)
	}
	jobs, err := st.WorkQueue(ctx, "SNS", "sns", 30*time.Second)
	if err != nil {
		f.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := sns.New(ctx, kv, jobs, delivered{}, sns.Options{Account: "000000000000", BaseURL: "http://127.0.0.1:4566", Logger: log})
	if err != nil {
		f.Fatal(err)
	}
	api := snsapi.New(svc, log)
	topic := "arn:aws:sns:us-east-1:000000000000:t"
	f.Add("Action=CreateTopic&Name=t&Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=x&Tags.member.1.Key=k&Tags.member.1.Value=v")
	f.Add("Action=Subscribe&TopicArn=" + topic + "&Protocol=sqs&Endpoint=arn:aws:sqs:us-east-1:000000000000:q&Attributes.entry.1.key=FilterPolicy&Attributes.entry.1.value={\"a\":[\"b\"]}")
	f.Add("Action=Publish&TopicArn=" + topic + "&Message=hi&MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=b")
	f.Add("Action=PublishBatch&TopicArn=" + topic + "&PublishBatchRequestEntries.member.1.Id=1&PublishBatchRequestEntries.member.1.Message=m")
	f.Add("Action=ListSubscriptionsByTopic&TopicArn=" + topic + "&NextToken=99")
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r = r.WithContext(wire.WithCall(r.Context(), &wire.Call{ID: "id", Region: "us-east-1", Request: r}))
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%q: %d %s", body, w.Code, w.Body)
		}
	})
}

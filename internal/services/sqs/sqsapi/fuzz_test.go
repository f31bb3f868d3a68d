package sqsapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/services/sqs"
	"github.com/nubo-dev/nubo/internal/services/sqs/sqsapi"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/wire"
)

// FuzzService sends arbitrary requests in both protocols to SQS on a real
// store: whatever arrives, SQS answers in an AWS shape and never fails
// with a server error or panics.
func FuzzService(f *testing.F) {
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(st.Close)
	kv, err := st.KV(ctx, "sqs")
	if err != nil {
		f.Fatal(err)
	}
	table, err := st.LogTable(ctx, "SQSLOG", "sqslog")
	if err != nil {
		f.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := sqs.New(ctx, kv, table, sqs.Options{Account: "000000000000", Logger: log})
	if err != nil {
		f.Fatal(err)
	}
	api := sqsapi.New(svc, log)
	url := "http://127.0.0.1:4566/000000000000/q"
	f.Add(true, "CreateQueue", `{"QueueName":"q","Attributes":{"VisibilityTimeout":"5"},"tags":{"a":"b"}}`)
	f.Add(true, "SendMessageBatch", `{"QueueUrl":"`+url+`","Entries":[{"Id":"1","MessageBody":"x","MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}}]}`)
	f.Add(true, "ReceiveMessage", `{"QueueUrl":"`+url+`","MaxNumberOfMessages":10,"AttributeNames":["All"],"WaitTimeSeconds":0}`)
	f.Add(false, "", "Action=SendMessage&QueueUrl="+url+"&MessageBody=hi&MessageAttribute.1.Name=n&MessageAttribute.1.Value.DataType=Binary&MessageAttribute.1.Value.BinaryValue=aGk=")
	f.Add(false, "", "Action=DeleteMessageBatch&QueueUrl="+url+"&DeleteMessageBatchRequestEntry.1.Id=a&DeleteMessageBatchRequestEntry.1.ReceiptHandle=x")
	f.Fuzz(func(t *testing.T, json bool, op, body string) {
		if strings.Contains(body, "WaitTimeSeconds") && !strings.Contains(body, `"WaitTimeSeconds":0`) || strings.Contains(body, "ReceiveMessageWaitTimeSeconds") {
			return // a long poll would only wait
		}
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		if json {
			r.Header.Set("X-Amz-Target", "AmazonSQS."+op)
		} else {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r = r.WithContext(wire.WithCall(r.Context(), &wire.Call{ID: "id", Region: "us-east-1", Request: r}))
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", op, body, w.Code, w.Body)
		}
	})
}

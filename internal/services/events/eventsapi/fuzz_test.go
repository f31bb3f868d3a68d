package eventsapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/services/events/eventsapi"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/timer"
	"github.com/nubo-dev/nubo/internal/wire"
)

// FuzzService sends arbitrary requests to EventBridge on a real store:
// whatever arrives, it answers in an AWS shape and never fails with a
// server error or panics.
func FuzzService(f *testing.F) {
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(st.Close)
	kv, err := st.KV(ctx, "events")
	if err != nil {
		f.Fatal(err)
	}
	work, err := st.WorkQueue(ctx, "EVENTS", "events", 30*time.Second)
	if err != nil {
		f.Fatal(err)
	}
	archive, err := st.Stream(ctx, "EVARCHIVE", events.ArchivePrefix, natsstore.StreamOptions{})
	if err != nil {
		f.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := events.New(ctx, kv, events.Options{Account: "000000000000", Jobs: timer.New(work, 30*time.Second, log), Archive: archive,
		Targets: &targets.Targets{}, Logger: log})
	if err != nil {
		f.Fatal(err)
	}
	api := eventsapi.New(svc, log)
	f.Add("PutRule", `{"Name":"r","EventPattern":"{\"source\":[{\"prefix\":\"a\"}]}","ScheduleExpression":"rate(5 minutes)"}`)
	f.Add("PutTargets", `{"Rule":"r","Targets":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:000000000000:q","InputTransformer":{"InputPathsMap":{"a":"$.detail.a[0]"},"InputTemplate":"{\"x\": <a>}"},"RetryPolicy":{"MaximumRetryAttempts":3}}]}`)
	f.Add("PutEvents", `{"Entries":[{"Source":"s","DetailType":"d","Detail":"{\"a\":[1]}","Time":1700000000,"Resources":["x"]}]}`)
	f.Add("TestEventPattern", `{"EventPattern":"{\"a\":[{\"numeric\":[\">\",1]}]}","Event":"{\"id\":\"1\",\"account\":\"1\",\"source\":\"s\",\"time\":\"t\",\"region\":\"r\",\"detail-type\":\"d\",\"a\":2}"}`)
	f.Add("CreateArchive", `{"ArchiveName":"a","EventSourceArn":"arn:aws:events:us-east-1:000000000000:event-bus/default","RetentionDays":1}`)
	f.Add("StartReplay", `{"ReplayName":"r","EventSourceArn":"arn:aws:events:us-east-1:000000000000:archive/a","EventStartTime":1,"EventEndTime":2,"Destination":{"Arn":"arn:aws:events:us-east-1:000000000000:event-bus/default"}}`)
	f.Add("CreateConnection", `{"Name":"c","AuthorizationType":"OAUTH_CLIENT_CREDENTIALS","AuthParameters":{"OAuthParameters":{"AuthorizationEndpoint":"https://x/","HttpMethod":"POST","ClientParameters":{"ClientID":"i","ClientSecret":"s"}}}}`)
	f.Add("PutPermission", `{"Action":"events:PutEvents","Principal":"*","StatementId":"s","Condition":{"Type":"StringEquals","Key":"aws:PrincipalOrgID","Value":"o"}}`)
	f.Fuzz(func(t *testing.T, op, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", "AWSEvents."+op)
		r = r.WithContext(wire.WithCall(r.Context(), &wire.Call{ID: "id", Region: "us-east-1", Request: r}))
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", op, body, w.Code, w.Body)
		}
	})
}

package schedulerapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/services/scheduler"
	"github.com/nubo-dev/nubo/internal/services/scheduler/schedulerapi"
	"github.com/nubo-dev/nubo/internal/store/natsstore"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/timer"
	"github.com/nubo-dev/nubo/internal/wire"
)

// FuzzService sends arbitrary REST requests to Scheduler on a real store:
// it answers in an AWS shape, never with a server error or a panic.
func FuzzService(f *testing.F) {
	ctx := context.Background()
	st, err := natsstore.Open(ctx, natsstore.Options{Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(st.Close)
	kv, err := st.KV(ctx, "scheduler")
	if err != nil {
		f.Fatal(err)
	}
	work, err := st.WorkQueue(ctx, "SCHEDULER", "scheduler", 30*time.Second)
	if err != nil {
		f.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := scheduler.New(ctx, kv, scheduler.Options{Account: "000000000000", Jobs: timer.New(work, 30*time.Second, log), Targets: &targets.Targets{}, Logger: log})
	if err != nil {
		f.Fatal(err)
	}
	api := schedulerapi.New(svc, log)
	f.Add("POST", "/schedules/s", `{"ScheduleExpression":"cron(0 12 * * ? *)","ScheduleExpressionTimezone":"Asia/Tokyo","FlexibleTimeWindow":{"Mode":"FLEXIBLE","MaximumWindowInMinutes":5},"Target":{"Arn":"arn:aws:sqs:us-east-1:000000000000:q","RoleArn":"r"},"StartDate":1700000000}`)
	f.Add("PUT", "/schedules/s", `{"ScheduleExpression":"at(2030-01-01T00:00:00)","FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"arn:aws:scheduler:::aws-sdk:sqs:sendMessage","RoleArn":"r"}}`)
	f.Add("GET", "/schedules?ScheduleGroup=default&MaxResults=1", "")
	f.Add("POST", "/schedule-groups/g", `{"Tags":[{"Key":"k","Value":"v"}]}`)
	f.Add("DELETE", "/tags/arn%3Aaws%3Ascheduler%3Aus-east-1%3A000000000000%3Aschedule-group%2Fg?TagKeys=k", "")
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(method, " \t\r\n") || method == "" {
			return
		}
		r, err := http.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		r = r.WithContext(wire.WithCall(r.Context(), &wire.Call{ID: "id", Region: "us-east-1", Request: r}))
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, w.Code, w.Body)
		}
	})
}

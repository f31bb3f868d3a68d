package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/services/scheduler"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/targets"
	"github.com/nubo-dev/nubo/internal/timer"
)

// buildScheduler builds EventBridge Scheduler: schedules in the KV bucket
// "scheduler", their invocations on the SCHEDULER work queue.
func (s *Server) buildScheduler(ctx context.Context, dests *targets.Targets) error {
	kv, err := s.store.KV(ctx, "scheduler")
	if err != nil {
		return err
	}
	work, err := s.store.WorkQueue(ctx, "SCHEDULER", "scheduler", 30*time.Second)
	if err != nil {
		return err
	}
	s.scheduler, err = scheduler.New(ctx, kv, scheduler.Options{
		Account:   s.cfg.Account,
		Clustered: s.cluster != nil,
		Jobs:      timer.New(work, 30*time.Second, s.log),
		Targets:   dests,
		Buses:     scheduledEvents{s.events, dests},
		APIs:      apiCaller{s},
		Logger:    s.log,
	})
	if err != nil {
		return fmt.Errorf("open scheduler: %w", err)
	}
	s.runners = append(s.runners, s.scheduler.Run)
	if s.cluster != nil {
		s.runners = append(s.runners, follow(func(ctx context.Context) error { return s.scheduler.Follow(ctx, kv.(store.Watchable)) }))
	}
	return nil
}

// scheduledEvents puts a schedule's events on EventBridge buses, as the
// schedule's role when deliveries are checked.
type scheduledEvents struct {
	*events.Service
	dests *targets.Targets
}

func (e scheduledEvents) PutScheduledEvent(ctx context.Context, busARN string, src targets.Source, source, detailType, detail string, resources []string) error {
	a, err := arn.Parse(busARN)
	if err != nil {
		return fmt.Errorf("%w: %s", targets.ErrUnsupported, busARN)
	}
	if allow := e.dests.Allow; allow != nil {
		if err := allow(ctx, src, "events:PutEvents", busARN); err != nil {
			return err
		}
	}
	res, _, err := e.PutEvents(ctx, a.Region, []events.Entry{{Source: source, DetailType: detailType, Detail: detail,
		EventBusName: busARN, Resources: resources}})
	if err != nil {
		return err
	}
	switch r := res[0]; {
	case r.ErrorCode == "ResourceNotFoundException":
		return fmt.Errorf("%w: %s", targets.ErrNotFound, r.ErrorMessage)
	case r.ErrorCode != "":
		return &scheduler.CallError{Status: http.StatusBadRequest, Code: r.ErrorCode}
	}
	return nil
}

// universalAPI is how a universal target reaches one of nubo's services:
// its signing name and JSON target prefix and version ("" for the query
// protocol).
type universalAPI struct{ signing, target, version string }

var universalAPIs = map[string]universalAPI{
	"sqs":            {"sqs", "AmazonSQS", "1.0"},
	"eventbridge":    {"events", "AWSEvents", "1.1"},
	"cloudwatchlogs": {"logs", "Logs_20140328", "1.1"},
	"sns":            {"sns", "", ""},
}

// apiCaller calls nubo's own APIs for universal targets, through the same
// router as every client, signed as the schedule's role (credentials
// Scheduler would get for it): the role's policies decide what the call
// may do.
type apiCaller struct{ s *Server }

func (c apiCaller) Supports(service string) bool {
	_, ok := universalAPIs[service]
	return ok
}

func (c apiCaller) Call(ctx context.Context, region, service, action, roleArn string, input []byte) error {
	api, ok := universalAPIs[service]
	if !ok {
		return fmt.Errorf("%w: %s", targets.ErrUnsupported, service)
	}
	body, contentType := input, "application/x-amz-json-"+api.version
	if api.target == "" {
		form, err := queryForm(action, input)
		if err != nil {
			return &scheduler.CallError{Status: http.StatusBadRequest, Code: "InvalidParameter"}
		}
		body, contentType = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	if api.target != "" {
		req.Header.Set("X-Amz-Target", api.target+"."+action)
	}
	if err := c.sign(ctx, req, body, region, api.signing, roleArn); err != nil {
		return &scheduler.CallError{Status: http.StatusForbidden, Code: "AccessDenied"}
	}
	w := &recorder{header: http.Header{}}
	c.s.router.ServeHTTP(w, req)
	if w.status >= 300 {
		code := w.header.Get("X-Amzn-ErrorType")
		if code == "" {
			code = http.StatusText(w.status)
		}
		return &scheduler.CallError{Status: w.status, Code: strings.TrimSuffix(code, ":")}
	}
	return nil
}

// queryForm turns a universal target's JSON input of flat members into a
// query protocol form.
func queryForm(action string, input []byte) (url.Values, error) {
	var members map[string]any
	if err := json.Unmarshal(input, &members); err != nil {
		return nil, err
	}
	form := url.Values{"Action": {action}}
	for k, v := range members {
		switch v := v.(type) {
		case string:
			form.Set(k, v)
		case float64, bool:
			form.Set(k, fmt.Sprint(v))
		default:
			return nil, fmt.Errorf("member %s is not a string, number or boolean", k)
		}
	}
	return form, nil
}

// recorder keeps an in-process call's status and headers.
type recorder struct {
	header http.Header
	status int
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// sign signs a universal target's request with credentials of roleArn for
// scheduler.amazonaws.com, which the role must trust.
func (c apiCaller) sign(ctx context.Context, req *http.Request, body []byte, region, service, roleArn string) error {
	creds, err := c.s.iam.ServiceRoleCredentials(ctx, roleArn, "scheduler.amazonaws.com", "scheduler", 15*time.Minute)
	if err != nil {
		return err
	}
	req.Host = c.s.Addr()
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: creds.AccessKeyId, SecretAccessKey: creds.SecretAccessKey,
		SessionToken: creds.SessionToken}, req, hex.EncodeToString(sum[:]), service, region, time.Now())
}

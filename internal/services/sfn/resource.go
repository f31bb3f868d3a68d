package sfn

import (
	"strings"

	"github.com/nubo-dev/nubo/internal/arn"
)

// resource is a Task state's Resource taken apart.
type resource struct {
	arn  string
	kind resourceKind
	// typ and name are the resourceType and resource of Task* events
	// ("lambda", "invoke.waitForTaskToken").
	typ, name string
	pattern   string // "", "sync", "sync:2" or "waitForTaskToken"
}

type resourceKind int

const (
	kindService  resourceKind = iota // arn:aws:states:::SERVICE:ACTION
	kindLambda                       // a function ARN, invoked directly
	kindActivity                     // arn:aws:states:R:A:activity:NAME
)

func classify(res string) resource {
	r := resource{arn: res, kind: kindService, name: res}
	a, err := arn.Parse(res)
	if err == nil {
		if _, _, ok := a.Function(); ok {
			r.kind = kindLambda
			return r
		}
		if typ, _ := a.ResourceType(); a.Service == "states" && typ == "activity" {
			r.kind = kindActivity
			return r
		}
		if a.Service == "states" && a.Region == "" && a.Account == "" {
			// arn:aws:states:::SERVICE:ACTION[.PATTERN], or aws-sdk:SERVICE:ACTION
			r.typ, r.name, _ = strings.Cut(a.Resource, ":")
			if r.typ == "aws-sdk" {
				svc, action, _ := strings.Cut(r.name, ":")
				r.typ, r.name = "aws-sdk:"+svc, action
			}
		}
	}
	switch {
	case strings.HasSuffix(res, ".waitForTaskToken"):
		r.pattern = "waitForTaskToken"
	case strings.HasSuffix(res, ".sync:2"):
		r.pattern = "sync:2"
	case strings.HasSuffix(res, ".sync"):
		r.pattern = "sync"
	}
	return r
}

// action is the resource's action without its pattern ("startExecution").
func (r resource) action() string {
	a := strings.TrimSuffix(r.name, ".waitForTaskToken")
	a = strings.TrimSuffix(a, ".sync:2")
	return strings.TrimSuffix(a, ".sync")
}

// events names the event types of each resource kind.
type events struct{ scheduled, started, succeeded, failed, timedOut string }

func (r resource) events() events {
	switch r.kind {
	case kindLambda:
		return events{"LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "LambdaFunctionFailed", "LambdaFunctionTimedOut"}
	case kindActivity:
		return events{"ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "ActivityFailed", "ActivityTimedOut"}
	}
	return events{"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskFailed", "TaskTimedOut"}
}

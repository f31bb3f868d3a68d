package server

import (
	"strings"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/meter"
	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/services/sfn"
)

// statesObserver turns the events Step Functions records into AWS/States
// metrics and the bill: executions' counts and times, each kind of task's
// counts and times, Standard workflows' state transitions (every state
// entered and every retry) and Express workflows' requests and duration.
type statesObserver struct {
	metrics *cloudwatch.Metrics
	meter   *meter.Meter

	mu sync.Mutex
	// tasks are the tasks in flight, by execution and by the id of their
	// last event, for the times of their end.
	tasks map[string]map[int64]*taskInFlight
}

// taskInFlight is a task scheduled, perhaps started, not yet ended.
type taskInFlight struct {
	kind               *taskKind
	dims               []cloudwatch.Dimension
	scheduled, started time.Time
}

// taskKind names one kind of task's events and metrics.
type taskKind struct {
	events  string // "LambdaFunction": LambdaFunctionScheduled, ...
	metrics string // "LambdaFunctions": LambdaFunctionsScheduled, ...
	times   string // "LambdaFunction": LambdaFunctionRunTime, ...
	dim     string
}

var taskKinds = []*taskKind{
	{"LambdaFunction", "LambdaFunctions", "LambdaFunction", cloudwatch.DimLambdaFunctionArn},
	{"Activity", "Activities", "Activity", cloudwatch.DimActivityArn},
	{"Task", "ServiceIntegrations", "ServiceIntegration", cloudwatch.DimServiceIntegrationResourceArn},
}

func newStatesObserver(o *observability) *statesObserver {
	return &statesObserver{metrics: o.metrics, meter: o.meter, tasks: map[string]map[int64]*taskInFlight{}}
}

// Observe records one event.
func (o *statesObserver) Observe(x *sfn.Observed) {
	e := x.Event
	at := e.Timestamp.Time
	machine := []cloudwatch.Dimension{{Name: cloudwatch.DimStateMachineArn, Value: x.StateMachine}}
	switch e.Type {
	case "ExecutionStarted":
		o.count(x, cloudwatch.ExecutionsStarted, machine)
		if x.Express {
			o.meter.AddStates(at, x.Region, machineName(x.StateMachine), meter.StatesUsage{Requests: 1})
		}
		return
	case "ExecutionRedriven":
		o.count(x, cloudwatch.ExecutionsRedriven, machine)
		return
	case "ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut":
		o.ended(x, machine)
		return
	}
	if strings.HasSuffix(e.Type, "StateEntered") {
		o.transition(x)
		return
	}
	for _, k := range taskKinds {
		if stage, ok := strings.CutPrefix(e.Type, k.events); ok && taskStages[stage] {
			o.task(x, k, stage)
			return
		}
	}
}

// taskStages are the stages of a task's events that the metrics follow.
var taskStages = map[string]bool{"Scheduled": true, "Started": true, "Submitted": true, "Succeeded": true, "Failed": true, "TimedOut": true}

func (o *statesObserver) count(x *sfn.Observed, name string, dims []cloudwatch.Dimension) {
	o.put(x, name, dims, 1)
}

func (o *statesObserver) put(x *sfn.Observed, name string, dims []cloudwatch.Dimension, v float64) {
	o.metrics.Put(cloudwatch.NamespaceStates, name, x.Region, dims, v)
}

func (o *statesObserver) transition(x *sfn.Observed) {
	if !x.Express {
		o.meter.AddStates(x.Event.Timestamp.Time, x.Region, machineName(x.StateMachine), meter.StatesUsage{Transitions: 1})
	}
}

// ended records an execution's end: its count and time, and an Express
// execution's billed duration.
func (o *statesObserver) ended(x *sfn.Observed, machine []cloudwatch.Dimension) {
	name := "Executions" + strings.TrimPrefix(x.Event.Type, "Execution")
	o.count(x, name, machine)
	d := x.Event.Timestamp.Sub(x.Start)
	o.put(x, cloudwatch.ExecutionTime, machine, float64(d.Milliseconds()))
	if x.Express {
		mb, ms := sfn.ExpressBilled(d)
		o.meter.AddStates(x.Event.Timestamp.Time, x.Region, machineName(x.StateMachine), meter.StatesUsage{MBMs: mb * ms})
	}
	o.mu.Lock()
	delete(o.tasks, x.Execution)
	o.mu.Unlock()
}

// task records a task's event: Scheduled starts following it, Started
// (and Submitted) move it on, the end records its times.
func (o *statesObserver) task(x *sfn.Observed, k *taskKind, stage string) {
	e := x.Event
	at := e.Timestamp.Time
	o.mu.Lock()
	defer o.mu.Unlock()
	inFlight := o.tasks[x.Execution]
	if stage == "Scheduled" {
		if inFlight == nil {
			inFlight = map[int64]*taskInFlight{}
			o.tasks[x.Execution] = inFlight
		}
		t := &taskInFlight{kind: k, dims: []cloudwatch.Dimension{{Name: k.dim, Value: taskResource(e)}}, scheduled: at}
		inFlight[e.ID] = t
		o.put(x, k.metrics+"Scheduled", t.dims, 1)
		return
	}
	t := inFlight[e.PreviousEventID]
	if t == nil {
		return // scheduled before a restart
	}
	delete(inFlight, e.PreviousEventID)
	ms := func(from time.Time) float64 { return float64(at.Sub(from).Milliseconds()) }
	switch stage {
	case "Started", "Submitted":
		if stage == "Started" {
			t.started = at
			o.put(x, k.metrics+"Started", t.dims, 1)
			o.put(x, k.times+"ScheduleTime", t.dims, ms(t.scheduled))
		}
		inFlight[e.ID] = t
		return
	case "TimedOut":
		if d := e.ActivityTimedOutEventDetails; d != nil && d.Error == "States.HeartbeatTimeout" {
			stage = "HeartbeatTimedOut"
		}
	}
	o.put(x, k.metrics+stage, t.dims, 1)
	if !t.started.IsZero() {
		o.put(x, k.times+"RunTime", t.dims, ms(t.started))
	}
	o.put(x, k.times+"Time", t.dims, ms(t.scheduled))
	if !x.Express && !x.Due.IsZero() {
		o.transition(x) // a retry is a transition of its own
	}
}

// taskResource is the resource a Scheduled event names: a function's or an
// activity's ARN, or an integration's arn:aws:states:::SERVICE:ACTION.
func taskResource(e *sfn.HistoryEvent) string {
	switch {
	case e.LambdaFunctionScheduledEventDetails != nil:
		return e.LambdaFunctionScheduledEventDetails.Resource
	case e.ActivityScheduledEventDetails != nil:
		return e.ActivityScheduledEventDetails.Resource
	case e.TaskScheduledEventDetails != nil:
		return "arn:aws:states:::" + e.TaskScheduledEventDetails.ResourceType + ":" + e.TaskScheduledEventDetails.Resource
	}
	return ""
}

// machineName is the name in a state machine's ARN.
func machineName(arn string) string {
	_, name, _ := strings.Cut(arn, ":stateMachine:")
	return name
}

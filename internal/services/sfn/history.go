package sfn

// HistoryEvent is one event of an execution's history, as
// GetExecutionHistory returns it.
type HistoryEvent struct {
	Timestamp       *Time  `json:"timestamp"`
	Type            string `json:"type"`
	ID              int64  `json:"id"`
	PreviousEventID int64  `json:"previousEventId"`

	ActivityFailedEventDetails          *ErrorDetails             `json:"activityFailedEventDetails,omitempty"`
	ActivityScheduleFailedEventDetails  *ErrorDetails             `json:"activityScheduleFailedEventDetails,omitempty"`
	ActivityScheduledEventDetails       *ActivityScheduledDetails `json:"activityScheduledEventDetails,omitempty"`
	ActivityStartedEventDetails         *ActivityStartedDetails   `json:"activityStartedEventDetails,omitempty"`
	ActivitySucceededEventDetails       *OutputDetails            `json:"activitySucceededEventDetails,omitempty"`
	ActivityTimedOutEventDetails        *ErrorDetails             `json:"activityTimedOutEventDetails,omitempty"`
	EvaluationFailedEventDetails        *EvaluationFailedDetails  `json:"evaluationFailedEventDetails,omitempty"`
	ExecutionAbortedEventDetails        *ErrorDetails             `json:"executionAbortedEventDetails,omitempty"`
	ExecutionFailedEventDetails         *ErrorDetails             `json:"executionFailedEventDetails,omitempty"`
	ExecutionRedrivenEventDetails       *ExecutionRedrivenDetails `json:"executionRedrivenEventDetails,omitempty"`
	ExecutionStartedEventDetails        *ExecutionStartedDetails  `json:"executionStartedEventDetails,omitempty"`
	ExecutionSucceededEventDetails      *OutputDetails            `json:"executionSucceededEventDetails,omitempty"`
	ExecutionTimedOutEventDetails       *ErrorDetails             `json:"executionTimedOutEventDetails,omitempty"`
	LambdaFunctionFailedEventDetails    *ErrorDetails             `json:"lambdaFunctionFailedEventDetails,omitempty"`
	LambdaFunctionScheduledEventDetails *LambdaFunctionScheduled  `json:"lambdaFunctionScheduledEventDetails,omitempty"`
	LambdaFunctionSucceededEventDetails *OutputDetails            `json:"lambdaFunctionSucceededEventDetails,omitempty"`
	LambdaFunctionTimedOutEventDetails  *ErrorDetails             `json:"lambdaFunctionTimedOutEventDetails,omitempty"`
	MapIterationAbortedEventDetails     *MapIterationDetails      `json:"mapIterationAbortedEventDetails,omitempty"`
	MapIterationFailedEventDetails      *MapIterationDetails      `json:"mapIterationFailedEventDetails,omitempty"`
	MapIterationStartedEventDetails     *MapIterationDetails      `json:"mapIterationStartedEventDetails,omitempty"`
	MapIterationSucceededEventDetails   *MapIterationDetails      `json:"mapIterationSucceededEventDetails,omitempty"`
	MapRunFailedEventDetails            *ErrorDetails             `json:"mapRunFailedEventDetails,omitempty"`
	MapRunStartedEventDetails           *MapRunStartedDetails     `json:"mapRunStartedEventDetails,omitempty"`
	MapStateStartedEventDetails         *MapStateStartedDetails   `json:"mapStateStartedEventDetails,omitempty"`
	StateEnteredEventDetails            *StateEnteredDetails      `json:"stateEnteredEventDetails,omitempty"`
	StateExitedEventDetails             *StateExitedDetails       `json:"stateExitedEventDetails,omitempty"`
	TaskFailedEventDetails              *TaskErrorDetails         `json:"taskFailedEventDetails,omitempty"`
	TaskScheduledEventDetails           *TaskScheduledDetails     `json:"taskScheduledEventDetails,omitempty"`
	TaskStartedEventDetails             *TaskResourceDetails      `json:"taskStartedEventDetails,omitempty"`
	TaskSubmittedEventDetails           *TaskOutputDetails        `json:"taskSubmittedEventDetails,omitempty"`
	TaskSucceededEventDetails           *TaskOutputDetails        `json:"taskSucceededEventDetails,omitempty"`
	TaskTimedOutEventDetails            *TaskErrorDetails         `json:"taskTimedOutEventDetails,omitempty"`
	TaskStartFailedEventDetails         *TaskErrorDetails         `json:"taskStartFailedEventDetails,omitempty"`
	TaskSubmitFailedEventDetails        *TaskErrorDetails         `json:"taskSubmitFailedEventDetails,omitempty"`
	LambdaFunctionStartFailedDetails    *ErrorDetails             `json:"lambdaFunctionStartFailedEventDetails,omitempty"`
	LambdaFunctionScheduleFailedDetails *ErrorDetails             `json:"lambdaFunctionScheduleFailedEventDetails,omitempty"`
	MapRunRedrivenEventDetails          *MapRunRedrivenDetails    `json:"mapRunRedrivenEventDetails,omitempty"`
}

// Truncated says whether a payload was cut short.
type Truncated struct {
	Truncated bool `json:"truncated"`
}

// ErrorDetails is an error and its cause.
type ErrorDetails struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// OutputDetails carries a JSON output.
type OutputDetails struct {
	Output        *string    `json:"output,omitempty"`
	OutputDetails *Truncated `json:"outputDetails,omitempty"`
}

// ExecutionStartedDetails is an execution's input and role.
type ExecutionStartedDetails struct {
	Input                  *string    `json:"input,omitempty"`
	InputDetails           *Truncated `json:"inputDetails,omitempty"`
	RoleArn                string     `json:"roleArn,omitempty"`
	StateMachineAliasArn   string     `json:"stateMachineAliasArn,omitempty"`
	StateMachineVersionArn string     `json:"stateMachineVersionArn,omitempty"`
}

// ExecutionRedrivenDetails counts redrives.
type ExecutionRedrivenDetails struct {
	RedriveCount int `json:"redriveCount"`
}

// EvaluationFailedDetails is a failure to evaluate a state's fields.
type EvaluationFailedDetails struct {
	Error    string `json:"error,omitempty"`
	Cause    string `json:"cause,omitempty"`
	Location string `json:"location,omitempty"`
	State    string `json:"state"`
}

// StateEnteredDetails is a state's name and input.
type StateEnteredDetails struct {
	Name         string     `json:"name"`
	Input        *string    `json:"input,omitempty"`
	InputDetails *Truncated `json:"inputDetails,omitempty"`
}

// StateExitedDetails is a state's name, output and assigned variables.
type StateExitedDetails struct {
	Name                     string            `json:"name"`
	Output                   *string           `json:"output,omitempty"`
	OutputDetails            *Truncated        `json:"outputDetails,omitempty"`
	AssignedVariables        map[string]string `json:"assignedVariables,omitempty"`
	AssignedVariablesDetails *Truncated        `json:"assignedVariablesDetails,omitempty"`
}

// MapIterationDetails names a Map state and an iteration.
type MapIterationDetails struct {
	Name  string `json:"name,omitempty"`
	Index int    `json:"index"`
}

// MapStateStartedDetails counts a Map state's items.
type MapStateStartedDetails struct {
	Length int `json:"length"`
}

// MapRunStartedDetails names a distributed Map's run.
type MapRunStartedDetails struct {
	MapRunArn string `json:"mapRunArn,omitempty"`
}

// MapRunRedrivenDetails counts a Map run's redrives.
type MapRunRedrivenDetails struct {
	MapRunArn    string `json:"mapRunArn,omitempty"`
	RedriveCount int    `json:"redriveCount"`
}

// TaskScheduledDetails is a service integration call about to be made.
type TaskScheduledDetails struct {
	ResourceType       string       `json:"resourceType"`
	Resource           string       `json:"resource"`
	Region             string       `json:"region"`
	Parameters         string       `json:"parameters"`
	TimeoutInSeconds   *int64       `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds *int64       `json:"heartbeatInSeconds,omitempty"`
	TaskCredentials    *Credentials `json:"taskCredentials,omitempty"`
}

// Credentials is the role a task runs as.
type Credentials struct {
	RoleArn string `json:"roleArn,omitempty"`
}

// TaskResourceDetails names a task's resource.
type TaskResourceDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
}

// TaskOutputDetails is a task's output.
type TaskOutputDetails struct {
	ResourceType  string     `json:"resourceType"`
	Resource      string     `json:"resource"`
	Output        *string    `json:"output,omitempty"`
	OutputDetails *Truncated `json:"outputDetails,omitempty"`
}

// TaskErrorDetails is a task's failure.
type TaskErrorDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

// ActivityScheduledDetails is an activity task about to be handed out.
type ActivityScheduledDetails struct {
	Resource           string     `json:"resource"`
	Input              *string    `json:"input,omitempty"`
	InputDetails       *Truncated `json:"inputDetails,omitempty"`
	TimeoutInSeconds   *int64     `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds *int64     `json:"heartbeatInSeconds,omitempty"`
}

// ActivityStartedDetails names the worker that took an activity task.
type ActivityStartedDetails struct {
	WorkerName string `json:"workerName,omitempty"`
}

// LambdaFunctionScheduled is a Lambda function about to be invoked
// directly by ARN.
type LambdaFunctionScheduled struct {
	Resource         string       `json:"resource"`
	Input            *string      `json:"input,omitempty"`
	InputDetails     *Truncated   `json:"inputDetails,omitempty"`
	TimeoutInSeconds *int64       `json:"timeoutInSeconds,omitempty"`
	TaskCredentials  *Credentials `json:"taskCredentials,omitempty"`
}

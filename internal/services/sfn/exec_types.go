package sfn

// StartExecutionInput is StartExecution's and StartSyncExecution's request.
type StartExecutionInput struct {
	StateMachineArn string  `json:"stateMachineArn"`
	Name            string  `json:"name,omitempty"`
	Input           *string `json:"input,omitempty"`
	TraceHeader     string  `json:"traceHeader,omitempty"`
	IncludedData    string  `json:"includedData,omitempty"`
}

// StartExecutionOutput is StartExecution's response.
type StartExecutionOutput struct {
	ExecutionArn string `json:"executionArn"`
	StartDate    *Time  `json:"startDate"`
}

// DataDetails says whether data was left out of a response.
type DataDetails struct {
	Included bool `json:"included"`
}

// BillingDetails is what an Express execution is billed.
type BillingDetails struct {
	BilledMemoryUsedInMB         int64 `json:"billedMemoryUsedInMB"`
	BilledDurationInMilliseconds int64 `json:"billedDurationInMilliseconds"`
}

// StartSyncExecutionOutput is the outcome of a synchronous Express
// execution.
type StartSyncExecutionOutput struct {
	ExecutionArn    string          `json:"executionArn"`
	StateMachineArn string          `json:"stateMachineArn,omitempty"`
	Name            string          `json:"name,omitempty"`
	StartDate       *Time           `json:"startDate"`
	StopDate        *Time           `json:"stopDate"`
	Status          string          `json:"status"`
	Error           string          `json:"error,omitempty"`
	Cause           string          `json:"cause,omitempty"`
	Input           *string         `json:"input,omitempty"`
	InputDetails    *DataDetails    `json:"inputDetails,omitempty"`
	Output          *string         `json:"output,omitempty"`
	OutputDetails   *DataDetails    `json:"outputDetails,omitempty"`
	TraceHeader     string          `json:"traceHeader,omitempty"`
	BillingDetails  *BillingDetails `json:"billingDetails,omitempty"`
}

// ExecutionInput names an execution.
type ExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	IncludedData string `json:"includedData,omitempty"`
}

// DescribeExecutionOutput describes an execution.
type DescribeExecutionOutput struct {
	ExecutionArn           string       `json:"executionArn"`
	StateMachineArn        string       `json:"stateMachineArn"`
	Name                   string       `json:"name"`
	Status                 string       `json:"status"`
	StartDate              *Time        `json:"startDate"`
	StopDate               *Time        `json:"stopDate,omitempty"`
	Input                  *string      `json:"input,omitempty"`
	InputDetails           *DataDetails `json:"inputDetails,omitempty"`
	Output                 *string      `json:"output,omitempty"`
	OutputDetails          *DataDetails `json:"outputDetails,omitempty"`
	Error                  string       `json:"error,omitempty"`
	Cause                  string       `json:"cause,omitempty"`
	TraceHeader            string       `json:"traceHeader,omitempty"`
	MapRunArn              string       `json:"mapRunArn,omitempty"`
	StateMachineVersionArn string       `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string       `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           int          `json:"redriveCount"`
	RedriveDate            *Time        `json:"redriveDate,omitempty"`
	RedriveStatus          string       `json:"redriveStatus,omitempty"`
	RedriveStatusReason    string       `json:"redriveStatusReason,omitempty"`
}

// ListExecutionsInput filters executions of a state machine (or of a
// version or an alias).
type ListExecutionsInput struct {
	StateMachineArn string `json:"stateMachineArn,omitempty"`
	StatusFilter    string `json:"statusFilter,omitempty"`
	RedriveFilter   string `json:"redriveFilter,omitempty"`
	MapRunArn       string `json:"mapRunArn,omitempty"`
	ListInput
}

// ExecutionListItem is one execution of ListExecutions.
type ExecutionListItem struct {
	ExecutionArn           string `json:"executionArn"`
	StateMachineArn        string `json:"stateMachineArn"`
	Name                   string `json:"name"`
	Status                 string `json:"status"`
	StartDate              *Time  `json:"startDate"`
	StopDate               *Time  `json:"stopDate,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           int    `json:"redriveCount,omitempty"`
	RedriveDate            *Time  `json:"redriveDate,omitempty"`
}

// ListExecutionsOutput lists executions, newest first.
type ListExecutionsOutput struct {
	Executions []ExecutionListItem `json:"executions"`
	NextToken  string              `json:"nextToken,omitempty"`
}

// StopExecutionInput stops an execution with an optional error and cause.
type StopExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

// StopExecutionOutput is StopExecution's response.
type StopExecutionOutput struct {
	StopDate *Time `json:"stopDate"`
}

// GetExecutionHistoryInput pages an execution's events.
type GetExecutionHistoryInput struct {
	ExecutionArn         string `json:"executionArn"`
	MaxResults           int    `json:"maxResults,omitempty"`
	NextToken            string `json:"nextToken,omitempty"`
	ReverseOrder         bool   `json:"reverseOrder,omitempty"`
	IncludeExecutionData *bool  `json:"includeExecutionData,omitempty"`
}

// GetExecutionHistoryOutput is a page of events.
type GetExecutionHistoryOutput struct {
	Events    []*HistoryEvent `json:"events"`
	NextToken string          `json:"nextToken,omitempty"`
}

// RedriveExecutionInput names an execution to redrive.
type RedriveExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	ClientToken  string `json:"clientToken,omitempty"`
}

// RedriveExecutionOutput is RedriveExecution's response.
type RedriveExecutionOutput struct {
	RedriveDate *Time `json:"redriveDate"`
}

// DescribeStateMachineForExecutionOutput is the definition an execution
// runs.
type DescribeStateMachineForExecutionOutput struct {
	StateMachineArn      string                `json:"stateMachineArn"`
	Name                 string                `json:"name"`
	Definition           string                `json:"definition"`
	RoleArn              string                `json:"roleArn"`
	UpdateDate           *Time                 `json:"updateDate"`
	LoggingConfiguration *LoggingConfiguration `json:"loggingConfiguration,omitempty"`
	TracingConfiguration *TracingConfiguration `json:"tracingConfiguration,omitempty"`
	RevisionID           string                `json:"revisionId,omitempty"`
	MapRunArn            string                `json:"mapRunArn,omitempty"`
	Label                string                `json:"label,omitempty"`
}

// SendTaskSuccessInput completes a task with its output.
type SendTaskSuccessInput struct {
	TaskToken string `json:"taskToken"`
	Output    string `json:"output"`
}

// SendTaskFailureInput fails a task.
type SendTaskFailureInput struct {
	TaskToken string `json:"taskToken"`
	Error     string `json:"error,omitempty"`
	Cause     string `json:"cause,omitempty"`
}

// SendTaskHeartbeatInput keeps a task alive.
type SendTaskHeartbeatInput struct {
	TaskToken string `json:"taskToken"`
}

// CreateActivityInput is CreateActivity's request.
type CreateActivityInput struct {
	Name                    string                   `json:"name"`
	Tags                    []Tag                    `json:"tags,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

// CreateActivityOutput is its response.
type CreateActivityOutput struct {
	ActivityArn  string `json:"activityArn"`
	CreationDate *Time  `json:"creationDate"`
}

// ActivityInput names an activity.
type ActivityInput struct {
	ActivityArn string `json:"activityArn"`
}

// DescribeActivityOutput describes an activity.
type DescribeActivityOutput struct {
	ActivityArn             string                   `json:"activityArn"`
	Name                    string                   `json:"name"`
	CreationDate            *Time                    `json:"creationDate"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

// ActivityListItem is one activity.
type ActivityListItem struct {
	ActivityArn  string `json:"activityArn"`
	Name         string `json:"name"`
	CreationDate *Time  `json:"creationDate"`
}

// ListActivitiesOutput lists activities.
type ListActivitiesOutput struct {
	Activities []ActivityListItem `json:"activities"`
	NextToken  string             `json:"nextToken,omitempty"`
}

// GetActivityTaskInput polls an activity for a task.
type GetActivityTaskInput struct {
	ActivityArn string `json:"activityArn"`
	WorkerName  string `json:"workerName,omitempty"`
}

// GetActivityTaskOutput is a task, or empty when none came within the poll.
type GetActivityTaskOutput struct {
	TaskToken string  `json:"taskToken,omitempty"`
	Input     *string `json:"input,omitempty"`
}

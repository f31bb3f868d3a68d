package cloudwatch

// NamespaceStates is Step Functions' namespace. Each of its series has one
// dimension, whose name depends on what the metric is about:
// StateMachineArn (executions), LambdaFunctionArn (functions a Task state
// names by ARN), ServiceIntegrationResourceArn (arn:aws:states:::SERVICE:
// ACTION tasks) or ActivityArn; Put records them.
const NamespaceStates = "AWS/States"

// The dimensions of AWS/States.
const (
	DimStateMachineArn               = "StateMachineArn"
	DimLambdaFunctionArn             = "LambdaFunctionArn"
	DimServiceIntegrationResourceArn = "ServiceIntegrationResourceArn"
	DimActivityArn                   = "ActivityArn"
)

// The AWS/States metrics of executions. Each kind of task has its counts
// (ActivitiesScheduled, LambdaFunctionsStarted, ServiceIntegrationsFailed,
// ... and ActivitiesHeartbeatTimedOut) and times in milliseconds (RunTime
// from start to end, ScheduleTime from scheduled to start, Time from
// scheduled to end: LambdaFunctionRunTime, ...).
const (
	ExecutionsStarted   = "ExecutionsStarted"
	ExecutionsSucceeded = "ExecutionsSucceeded"
	ExecutionsFailed    = "ExecutionsFailed"
	ExecutionsAborted   = "ExecutionsAborted"
	ExecutionsTimedOut  = "ExecutionsTimedOut"
	ExecutionsRedriven  = "ExecutionsRedriven"
	ExecutionTime       = "ExecutionTime"
)

// oneDimension are the namespaces whose series have one dimension named
// by the metric: a series keeps the dimension's value in Function and its
// name in Resource.
var oneDimension = map[string]bool{NamespaceStates: true}

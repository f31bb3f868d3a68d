package cloudwatch

// NamespaceStates is Step Functions' namespace. Its metrics are recorded
// with RecordIn, each with one dimension: StateMachineArn (executions),
// LambdaFunctionArn (functions a Task state names by ARN),
// ServiceIntegrationResourceArn (arn:aws:states:::SERVICE:ACTION tasks) or
// ActivityArn.
const NamespaceStates = "AWS/States"

// The dimensions of AWS/States.
const (
	DimStateMachineArn               = "StateMachineArn"
	DimLambdaFunctionArn             = "LambdaFunctionArn"
	DimServiceIntegrationResourceArn = "ServiceIntegrationResourceArn"
	DimActivityArn                   = "ActivityArn"
)

// The AWS/States metrics: executions' counts and their time, and for each
// kind of task (Activit*, LambdaFunction*, ServiceIntegration*) its
// counts and times: RunTime from start to end, ScheduleTime from
// scheduled to start, Time from scheduled to end.
const (
	ExecutionsStarted   = "ExecutionsStarted"
	ExecutionsSucceeded = "ExecutionsSucceeded"
	ExecutionsFailed    = "ExecutionsFailed"
	ExecutionsAborted   = "ExecutionsAborted"
	ExecutionsTimedOut  = "ExecutionsTimedOut"
	ExecutionsRedriven  = "ExecutionsRedriven"
	ExecutionTime       = "ExecutionTime"
)

// statesTimes are the AWS/States metrics in milliseconds; the others count.
var statesTimes = []string{ExecutionTime, "ActivityRunTime", "ActivityScheduleTime", "ActivityTime",
	"LambdaFunctionRunTime", "LambdaFunctionScheduleTime", "LambdaFunctionTime",
	"ServiceIntegrationRunTime", "ServiceIntegrationScheduleTime", "ServiceIntegrationTime"}

// StatesUnit is an AWS/States metric's unit.
func StatesUnit(name string) string {
	for _, t := range statesTimes {
		if t == name {
			return "Milliseconds"
		}
	}
	return "Count"
}

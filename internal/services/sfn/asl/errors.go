package asl

import (
	"errors"
	"fmt"
)

// Error names that Step Functions raises itself (the "States." errors of
// the language), matched by Retry and Catch.
const (
	ErrAll                    = "States.ALL"
	ErrHeartbeatTimeout       = "States.HeartbeatTimeout"
	ErrTimeout                = "States.Timeout"
	ErrTaskFailed             = "States.TaskFailed"
	ErrPermissions            = "States.Permissions"
	ErrResultPathMatchFailure = "States.ResultPathMatchFailure"
	ErrParameterPathFailure   = "States.ParameterPathFailure"
	ErrBranchFailed           = "States.BranchFailed"
	ErrNoChoiceMatched        = "States.NoChoiceMatched"
	ErrIntrinsicFailure       = "States.IntrinsicFailure"
	ErrExceedToleratedFailure = "States.ExceedToleratedFailureThreshold"
	ErrItemReaderFailed       = "States.ItemReaderFailed"
	ErrResultWriterFailed     = "States.ResultWriterFailed"
	ErrRuntime                = "States.Runtime"
	ErrDataLimitExceeded      = "States.DataLimitExceeded"
	ErrQueryEvaluationError   = "States.QueryEvaluationError"
	ErrHTTPSocket             = "States.Http.Socket"
)

// MaxPayload is the largest input or output of a state, and of an
// execution (256 KB).
const MaxPayload = 256 * 1024

// statesErrors are the States.* names a definition may use in ErrorEquals.
var statesErrors = map[string]bool{
	ErrAll: true, ErrHeartbeatTimeout: true, ErrTimeout: true, ErrTaskFailed: true, ErrPermissions: true,
	ErrResultPathMatchFailure: true, ErrParameterPathFailure: true, ErrBranchFailed: true, ErrNoChoiceMatched: true,
	ErrIntrinsicFailure: true, ErrExceedToleratedFailure: true, ErrItemReaderFailed: true, ErrResultWriterFailed: true,
	ErrRuntime: true, ErrDataLimitExceeded: true, ErrQueryEvaluationError: true, ErrHTTPSocket: true,
}

// Failure is an error a state raises: a name that Retry and Catch match,
// and a cause. Task integrations, Fail states and the interpreter itself
// produce them.
type Failure struct {
	Name  string
	Cause string
	// Location is the field whose JSONata expression failed
	// ("Output/error"), for States.QueryEvaluationError.
	Location string
}

func (f *Failure) Error() string { return f.Name + ": " + f.Cause }

// Failf returns a Failure with a formatted cause.
func Failf(name, format string, args ...any) *Failure {
	if len(args) == 0 {
		return &Failure{Name: name, Cause: format}
	}
	return &Failure{Name: name, Cause: fmt.Sprintf(format, args...)}
}

// At sets the failure's Location and returns it.
func (f *Failure) At(location string) *Failure {
	f.Location = location
	return f
}

// AsFailure returns the Failure err carries (nil for nil); any other
// error becomes a States.Runtime failure with its text as the cause.
func AsFailure(err error) *Failure {
	if err == nil {
		return nil
	}
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	return &Failure{Name: ErrRuntime, Cause: err.Error()}
}

// Fatal reports whether a failure ends the execution whatever the state's
// Retry and Catch say: States.Runtime errors are never retried or caught.
func (f *Failure) Fatal() bool { return f.Name == ErrRuntime }

// InState prefixes a cause with the sentence Step Functions puts before
// the errors it raises while executing a state.
func InState(state string, enteredEventID int64, cause string) string {
	return fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", state, enteredEventID) + cause
}

// PayloadTooLarge is the States.DataLimitExceeded failure of a state or
// task whose result is over the limit.
func PayloadTooLarge(name string) *Failure {
	return Failf(ErrDataLimitExceeded, "The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", name)
}

// Matches reports whether an ErrorEquals list matches the error name.
// States.ALL matches every error; States.TaskFailed every error but
// States.Timeout. States.Runtime errors are fatal and match nothing.
func Matches(errorEquals []string, name string) bool {
	if name == ErrRuntime {
		return false
	}
	for _, e := range errorEquals {
		if e == name || e == ErrAll || e == ErrTaskFailed && name != ErrTimeout {
			return true
		}
	}
	return false
}

package sfn

import (
	"net/http"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// The error shapes of Step Functions' model. Every one is a 400.
var (
	ErrActivityAlreadyExists          = code("ActivityAlreadyExists")
	ErrActivityDoesNotExist           = code("ActivityDoesNotExist")
	ErrActivityLimitExceeded          = code("ActivityLimitExceeded")
	ErrActivityWorkerLimitExceeded    = code("ActivityWorkerLimitExceeded")
	ErrConflict                       = code("ConflictException")
	ErrExecutionAlreadyExists         = code("ExecutionAlreadyExists")
	ErrExecutionDoesNotExist          = code("ExecutionDoesNotExist")
	ErrExecutionLimitExceeded         = code("ExecutionLimitExceeded")
	ErrExecutionNotRedrivable         = code("ExecutionNotRedrivable")
	ErrInvalidArn                     = code("InvalidArn")
	ErrInvalidDefinition              = code("InvalidDefinition")
	ErrInvalidEncryptionConfiguration = code("InvalidEncryptionConfiguration")
	ErrInvalidExecutionInput          = code("InvalidExecutionInput")
	ErrInvalidLoggingConfiguration    = code("InvalidLoggingConfiguration")
	ErrInvalidName                    = code("InvalidName")
	ErrInvalidOutput                  = code("InvalidOutput")
	ErrInvalidToken                   = code("InvalidToken")
	ErrInvalidTracingConfiguration    = code("InvalidTracingConfiguration")
	ErrMissingRequiredParameter       = code("MissingRequiredParameter")
	ErrResourceNotFound               = code("ResourceNotFound")
	ErrServiceQuotaExceeded           = code("ServiceQuotaExceededException")
	ErrStateMachineAlreadyExists      = code("StateMachineAlreadyExists")
	ErrStateMachineDeleting           = code("StateMachineDeleting")
	ErrStateMachineDoesNotExist       = code("StateMachineDoesNotExist")
	ErrStateMachineLimitExceeded      = code("StateMachineLimitExceeded")
	ErrStateMachineTypeNotSupported   = code("StateMachineTypeNotSupported")
	ErrTaskDoesNotExist               = code("TaskDoesNotExist")
	ErrTaskTimedOut                   = code("TaskTimedOut")
	ErrTooManyTags                    = code("TooManyTags")
	// ErrValidation is the shared ValidationException.
	ErrValidation = awserr.Validation
)

func code(name string) *awserr.Code { return &awserr.Code{Name: name, Status: http.StatusBadRequest} }

func errorf(c *awserr.Code, format string, args ...any) *awserr.Error {
	return awserr.New(c, format, args...)
}

func invalidArn(arn string) error {
	return errorf(ErrInvalidArn, "Invalid Arn: '%s'", arn)
}

func smDoesNotExist(arn string) error {
	return errorf(ErrStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
}

func execDoesNotExist(arn string) error {
	return errorf(ErrExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
}

package events

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// Error codes of EventBridge, as its model names them (awsJson1_1: the
// name is the error's __type).
var (
	ErrResourceNotFound      = &awserr.Code{Name: "ResourceNotFoundException", Status: http.StatusBadRequest}
	ErrResourceAlreadyExists = &awserr.Code{Name: "ResourceAlreadyExistsException", Status: http.StatusBadRequest}
	ErrValidation            = &awserr.Code{Name: "ValidationException", Status: http.StatusBadRequest}
	ErrInvalidEventPattern   = &awserr.Code{Name: "InvalidEventPatternException", Status: http.StatusBadRequest}
	ErrLimitExceeded         = &awserr.Code{Name: "LimitExceededException", Status: http.StatusBadRequest}
	ErrIllegalStatus         = &awserr.Code{Name: "IllegalStatusException", Status: http.StatusBadRequest}
	ErrInternal              = &awserr.Code{Name: "InternalException", Status: http.StatusInternalServerError}
)

func validation(format string, args ...any) error {
	return awserr.New(ErrValidation, format, args...)
}

func busNotFound(name string) error {
	return awserr.New(ErrResourceNotFound, "Event bus %s does not exist.", name)
}

func ruleNotFound(name, bus string) error {
	return awserr.New(ErrResourceNotFound, "Rule %s does not exist on EventBus %s.", name, bus)
}

// constraints collects the model's constraint violations of one request,
// worded as AWS's validation layer words them: "1 validation error
// detected: Value 'x' at 'name' failed to satisfy constraint: ...".
type constraints []string

func (c *constraints) add(value any, member, constraint string) {
	v := "null"
	if value != nil {
		v = "'" + fmt.Sprint(value) + "'"
	}
	*c = append(*c, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", v, member, constraint))
}

// name checks a string against the model's length and pattern.
func (c *constraints) name(value, member string, maxLen int, pattern string, required bool) {
	if value == "" {
		if required {
			c.add(nil, member, "Member must not be null")
		}
		return
	}
	if !matchPattern(pattern, value) {
		c.add(value, member, "Member must satisfy regular expression pattern: "+pattern)
	}
	if len(value) > maxLen {
		c.add(value, member, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	}
}

func (c constraints) err() error {
	switch len(c) {
	case 0:
		return nil
	case 1:
		return validation("1 validation error detected: %s", c[0])
	}
	return validation("%d validation errors detected: %s", len(c), strings.Join(c, "; "))
}

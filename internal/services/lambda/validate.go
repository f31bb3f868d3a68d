package lambda

import (
	"fmt"
	"regexp"
	"strings"
)

// Validator collects model-constraint failures and reports them the way AWS's
// front end does: a ValidationException whose message counts and lists them.
// The zero value is ready to use.
type Validator struct {
	msgs []string
}

// Fail records that value at member broke constraint.
func (v *Validator) Fail(value any, member, constraint string) {
	shown := "null"
	if value != nil {
		shown = fmt.Sprintf("'%v'", value)
	}
	v.msgs = append(v.msgs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", shown, member, constraint))
}

// Required fails when s is empty.
func (v *Validator) Required(member, s string) bool {
	if s == "" {
		v.Fail(nil, member, "Member must not be null")
		return false
	}
	return true
}

// Length checks min <= len(s) <= max (in characters).
func (v *Validator) Length(member, s string, min, max int) {
	n := len([]rune(s))
	switch {
	case n < min:
		v.Fail(s, member, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case n > max:
		v.Fail(s, member, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// Range checks min <= n <= max.
func (v *Validator) Range(member string, n, min, max int) {
	switch {
	case n < min:
		v.Fail(n, member, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	case n > max:
		v.Fail(n, member, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

// Pattern checks s against re, quoting pattern in the message.
func (v *Validator) Pattern(member, s string, re *regexp.Regexp, pattern string) {
	if !re.MatchString(s) {
		v.Fail(s, member, "Member must satisfy regular expression pattern: "+pattern)
	}
}

// Enum checks that s is one of values.
func (v *Validator) Enum(member, s string, values ...string) {
	for _, ok := range values {
		if s == ok {
			return
		}
	}
	v.Fail(s, member, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

// Err returns the ValidationException, or nil when nothing failed.
func (v *Validator) Err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return Errorf(ErrValidation, "1 validation error detected: %s", v.msgs[0])
	}
	return Errorf(ErrValidation, "%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; "))
}

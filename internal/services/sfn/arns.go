package sfn

import (
	"strings"
	"unicode"

	"github.com/nubo-dev/nubo/internal/arn"
)

// Scope is who calls and where: the account and the region of the
// request.
type Scope struct {
	Account string
	Region  string
}

func (s *Service) account(sc Scope) string {
	if sc.Account != "" {
		return sc.Account
	}
	return s.opts.Account
}

// machineRef is a state machine ARN taken apart:
// arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION|:ALIAS].
type machineRef struct {
	Region, Account, Name string
	Qualifier             string // a version number or an alias name
}

func (r machineRef) arn() string {
	return arn.New("states", r.Region, r.Account, "stateMachine:"+r.Name).String()
}

func (r machineRef) qualified() string {
	if r.Qualifier == "" {
		return r.arn()
	}
	return r.arn() + ":" + r.Qualifier
}

// isVersion reports whether the qualifier is a version number.
func (r machineRef) isVersion() bool {
	if r.Qualifier == "" {
		return false
	}
	for _, c := range r.Qualifier {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func parseMachineArn(s string) (machineRef, error) {
	a, err := arn.Parse(s)
	typ, id := a.ResourceType()
	if err != nil || a.Service != "states" || typ != "stateMachine" || id == "" {
		return machineRef{}, invalidArn(s)
	}
	name, qualifier, _ := strings.Cut(id, ":")
	if strings.Contains(name, "/") {
		return machineRef{}, errorf(ErrValidation, "Invalid Arn: 'Distributed Map state labels are not supported: %s'", s)
	}
	if name == "" || strings.Contains(qualifier, ":") {
		return machineRef{}, invalidArn(s)
	}
	return machineRef{Region: a.Region, Account: a.Account, Name: name, Qualifier: qualifier}, nil
}

// execRef is an execution ARN: arn:aws:states:R:A:execution:MACHINE:NAME
// (express:MACHINE:NAME:ID for Express executions).
type execRef struct {
	Region, Account, Machine, Name string
	Express                        bool
}

func executionArn(region, account, machineName, name string) string {
	return arn.New("states", region, account, "execution:"+machineName+":"+name).String()
}

func parseExecutionArn(s string) (execRef, error) {
	a, err := arn.Parse(s)
	typ, id := a.ResourceType()
	if err != nil || a.Service != "states" || typ != "execution" && typ != "express" {
		return execRef{}, invalidArn(s)
	}
	machineName, name, ok := strings.Cut(id, ":")
	if !ok || machineName == "" || name == "" {
		return execRef{}, invalidArn(s)
	}
	return execRef{Region: a.Region, Account: a.Account, Machine: machineName, Name: name, Express: typ == "express"}, nil
}

func activityArn(region, account, name string) string {
	return arn.New("states", region, account, "activity:"+name).String()
}

func parseActivityArn(s string) (region, name string, err error) {
	a, perr := arn.Parse(s)
	typ, id := a.ResourceType()
	if perr != nil || a.Service != "states" || typ != "activity" || id == "" {
		return "", "", invalidArn(s)
	}
	return a.Region, id, nil
}

// validName checks a state machine, execution, alias or activity name:
// 1 to 80 characters, none of them blanks, brackets, wildcards, special
// characters or control characters.
func validName(name string) bool {
	if name == "" || len([]rune(name)) > 80 {
		return false
	}
	for _, c := range name {
		if unicode.IsSpace(c) || unicode.IsControl(c) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", c) {
			return false
		}
	}
	return true
}

func invalidName(name string) error {
	return errorf(ErrInvalidName, "Invalid Name: '%s'", name)
}

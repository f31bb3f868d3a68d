package lambda

import (
	"net/http"
	"regexp"

	"github.com/nubo-dev/nubo/internal/awserr"
)

// AddPermissionInput is AddPermission's request: one statement of a
// function's (or a version's or alias's) resource-based policy.
type AddPermissionInput struct {
	StatementId         string `json:"StatementId"`
	Action              string `json:"Action"`
	Principal           string `json:"Principal"`
	SourceArn           string `json:"SourceArn,omitempty"`
	SourceAccount       string `json:"SourceAccount,omitempty"`
	EventSourceToken    string `json:"EventSourceToken,omitempty"`
	RevisionId          string `json:"RevisionId,omitempty"`
	PrincipalOrgID      string `json:"PrincipalOrgID,omitempty"`
	FunctionUrlAuthType string `json:"FunctionUrlAuthType,omitempty"`
}

// AddPermissionOutput is its response: the statement added, as JSON.
type AddPermissionOutput struct {
	Statement string `json:"Statement"`
}

// GetPolicyOutput is GetPolicy's response.
type GetPolicyOutput struct {
	Policy     string `json:"Policy"`
	RevisionId string `json:"RevisionId"`
}

// ErrPolicyLengthExceeded refuses a policy over 20 KB.
var ErrPolicyLengthExceeded = &awserr.Code{Name: "PolicyLengthExceededException", Status: http.StatusBadRequest}

// MaxPolicySize is the largest resource-based policy of a function.
const MaxPolicySize = 20480

// The request's patterns, as AWS's model states and its messages quote
// them.
var (
	statementIDRE      = regexp.MustCompile(`^([a-zA-Z0-9-_.]+)$`)
	permissionActionRE = regexp.MustCompile(`^(lambda:[*]|lambda:[a-zA-Z]+|[*])$`)
	principalRE        = regexp.MustCompile(`^[^\s]+$`)
	sourceARNRE        = regexp.MustCompile(`^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$`)
	sourceAccountRE    = regexp.MustCompile(`^\d{12}$`)
	eventTokenRE       = regexp.MustCompile(`^[a-zA-Z0-9._\-]+$`)
	orgIDRE            = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
)

// Validate checks an AddPermission request's members as AWS does.
func (in *AddPermissionInput) Validate() error {
	var v Validator
	if v.Required("statementId", in.StatementId) {
		v.Length("statementId", in.StatementId, 1, 100)
		v.Pattern("statementId", in.StatementId, statementIDRE, `([a-zA-Z0-9-_.]+)`)
	}
	if v.Required("action", in.Action) {
		v.Pattern("action", in.Action, permissionActionRE, `(lambda:[*]|lambda:[a-zA-Z]+|[*])`)
	}
	if v.Required("principal", in.Principal) {
		v.Pattern("principal", in.Principal, principalRE, `[^\s]+`)
	}
	if in.SourceArn != "" {
		v.Pattern("sourceArn", in.SourceArn, sourceARNRE, `arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)`)
	}
	if in.SourceAccount != "" {
		v.Pattern("sourceAccount", in.SourceAccount, sourceAccountRE, `\d{12}`)
	}
	if in.EventSourceToken != "" {
		v.Length("eventSourceToken", in.EventSourceToken, 0, 256)
		v.Pattern("eventSourceToken", in.EventSourceToken, eventTokenRE, `[a-zA-Z0-9._\-]+`)
	}
	if in.PrincipalOrgID != "" {
		v.Pattern("principalOrgID", in.PrincipalOrgID, orgIDRE, `^o-[a-z0-9]{10,32}$`)
	}
	if in.FunctionUrlAuthType != "" {
		v.Enum("functionUrlAuthType", in.FunctionUrlAuthType, "NONE", "AWS_IAM")
	}
	return v.Err()
}

package sfn

import "github.com/nubo-dev/nubo/internal/services/sfn/asl"

// State machine types.
const (
	TypeStandard = "STANDARD"
	TypeExpress  = "EXPRESS"
)

// Execution statuses.
const (
	StatusRunning        = "RUNNING"
	StatusSucceeded      = "SUCCEEDED"
	StatusFailed         = "FAILED"
	StatusTimedOut       = "TIMED_OUT"
	StatusAborted        = "ABORTED"
	StatusPendingRedrive = "PENDING_REDRIVE"
)

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// LoggingConfiguration says where and what an execution logs.
type LoggingConfiguration struct {
	Level                string           `json:"level,omitempty"` // ALL, ERROR, FATAL, OFF
	IncludeExecutionData bool             `json:"includeExecutionData,omitempty"`
	Destinations         []LogDestination `json:"destinations,omitempty"`
}

// LogDestination is a CloudWatch Logs log group.
type LogDestination struct {
	CloudWatchLogsLogGroup *CloudWatchLogsLogGroup `json:"cloudWatchLogsLogGroup,omitempty"`
}

// CloudWatchLogsLogGroup names a log group by ARN.
type CloudWatchLogsLogGroup struct {
	LogGroupArn string `json:"logGroupArn,omitempty"`
}

// TracingConfiguration turns X-Ray tracing on; nubo stores it only to
// return it.
type TracingConfiguration struct {
	Enabled bool `json:"enabled"`
}

// EncryptionConfiguration is accepted as AWS_OWNED_KEY only.
type EncryptionConfiguration struct {
	Type                         string `json:"type"`
	KmsKeyID                     string `json:"kmsKeyId,omitempty"`
	KmsDataKeyReusePeriodSeconds *int   `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
}

// CreateStateMachineInput is CreateStateMachine's request.
type CreateStateMachineInput struct {
	Name                    string                   `json:"name"`
	Definition              string                   `json:"definition"`
	RoleArn                 string                   `json:"roleArn"`
	Type                    string                   `json:"type,omitempty"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
	Tags                    []Tag                    `json:"tags,omitempty"`
	Publish                 bool                     `json:"publish,omitempty"`
	VersionDescription      string                   `json:"versionDescription,omitempty"`
}

// CreateStateMachineOutput is CreateStateMachine's response.
type CreateStateMachineOutput struct {
	StateMachineArn        string `json:"stateMachineArn"`
	CreationDate           *Time  `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

// DescribeStateMachineInput names a state machine, a version or an alias.
type DescribeStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	IncludedData    string `json:"includedData,omitempty"`
}

// DescribeStateMachineOutput is DescribeStateMachine's response.
type DescribeStateMachineOutput struct {
	StateMachineArn         string                   `json:"stateMachineArn"`
	Name                    string                   `json:"name"`
	Status                  string                   `json:"status,omitempty"`
	Definition              string                   `json:"definition"`
	RoleArn                 string                   `json:"roleArn"`
	Type                    string                   `json:"type"`
	CreationDate            *Time                    `json:"creationDate"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
	Label                   string                   `json:"label,omitempty"`
	RevisionID              string                   `json:"revisionId,omitempty"`
	Description             string                   `json:"description,omitempty"`
	VariableReferences      map[string][]string      `json:"variableReferences,omitempty"`
}

// UpdateStateMachineInput is UpdateStateMachine's request.
type UpdateStateMachineInput struct {
	StateMachineArn         string                   `json:"stateMachineArn"`
	Definition              string                   `json:"definition,omitempty"`
	RoleArn                 string                   `json:"roleArn,omitempty"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
	Publish                 bool                     `json:"publish,omitempty"`
	VersionDescription      string                   `json:"versionDescription,omitempty"`
}

// UpdateStateMachineOutput is UpdateStateMachine's response.
type UpdateStateMachineOutput struct {
	UpdateDate             *Time  `json:"updateDate"`
	RevisionID             string `json:"revisionId,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

// DeleteStateMachineInput names a state machine.
type DeleteStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
}

// ListInput pages a list.
type ListInput struct {
	MaxResults int    `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
}

// StateMachineListItem is one state machine of ListStateMachines.
type StateMachineListItem struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	CreationDate    *Time  `json:"creationDate"`
}

// ListStateMachinesOutput is ListStateMachines' response.
type ListStateMachinesOutput struct {
	StateMachines []StateMachineListItem `json:"stateMachines"`
	NextToken     string                 `json:"nextToken,omitempty"`
}

// ValidateStateMachineDefinitionInput is ValidateStateMachineDefinition's
// request.
type ValidateStateMachineDefinitionInput struct {
	Definition string `json:"definition"`
	Type       string `json:"type,omitempty"`
	Severity   string `json:"severity,omitempty"`
	MaxResults int    `json:"maxResults,omitempty"`
}

// ValidateStateMachineDefinitionOutput lists the definition's problems.
type ValidateStateMachineDefinitionOutput struct {
	Result      string           `json:"result"` // OK or FAIL
	Diagnostics []asl.Diagnostic `json:"diagnostics"`
	Truncated   bool             `json:"truncated"`
}

// TagResourceInput tags a state machine or an activity.
type TagResourceInput struct {
	ResourceArn string `json:"resourceArn"`
	Tags        []Tag  `json:"tags"`
}

// UntagResourceInput removes tags.
type UntagResourceInput struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

// ListTagsForResourceInput names a resource.
type ListTagsForResourceInput struct {
	ResourceArn string `json:"resourceArn"`
}

// ListTagsForResourceOutput lists its tags.
type ListTagsForResourceOutput struct {
	Tags []Tag `json:"tags"`
}

// PublishStateMachineVersionInput is PublishStateMachineVersion's request.
type PublishStateMachineVersionInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	RevisionID      string `json:"revisionId,omitempty"`
	Description     string `json:"description,omitempty"`
}

// PublishStateMachineVersionOutput is its response.
type PublishStateMachineVersionOutput struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	CreationDate           *Time  `json:"creationDate"`
}

// ListStateMachineVersionsInput names a state machine.
type ListStateMachineVersionsInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	ListInput
}

// StateMachineVersionListItem is one version.
type StateMachineVersionListItem struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	CreationDate           *Time  `json:"creationDate"`
}

// ListStateMachineVersionsOutput lists versions, newest first.
type ListStateMachineVersionsOutput struct {
	StateMachineVersions []StateMachineVersionListItem `json:"stateMachineVersions"`
	NextToken            string                        `json:"nextToken,omitempty"`
}

// DeleteStateMachineVersionInput names a version.
type DeleteStateMachineVersionInput struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
}

// RoutingConfigurationListItem is one version of an alias and its weight.
type RoutingConfigurationListItem struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	Weight                 int    `json:"weight"`
}

// CreateStateMachineAliasInput is CreateStateMachineAlias' request.
type CreateStateMachineAliasInput struct {
	Name                 string                         `json:"name"`
	Description          string                         `json:"description,omitempty"`
	RoutingConfiguration []RoutingConfigurationListItem `json:"routingConfiguration"`
}

// CreateStateMachineAliasOutput is its response.
type CreateStateMachineAliasOutput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         *Time  `json:"creationDate"`
}

// StateMachineAliasInput names an alias.
type StateMachineAliasInput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
}

// DescribeStateMachineAliasOutput describes an alias.
type DescribeStateMachineAliasOutput struct {
	StateMachineAliasArn string                         `json:"stateMachineAliasArn"`
	Name                 string                         `json:"name"`
	Description          string                         `json:"description,omitempty"`
	RoutingConfiguration []RoutingConfigurationListItem `json:"routingConfiguration"`
	CreationDate         *Time                          `json:"creationDate"`
	UpdateDate           *Time                          `json:"updateDate,omitempty"`
}

// UpdateStateMachineAliasInput changes an alias.
type UpdateStateMachineAliasInput struct {
	StateMachineAliasArn string                         `json:"stateMachineAliasArn"`
	Description          *string                        `json:"description,omitempty"`
	RoutingConfiguration []RoutingConfigurationListItem `json:"routingConfiguration,omitempty"`
}

// UpdateStateMachineAliasOutput is its response.
type UpdateStateMachineAliasOutput struct {
	UpdateDate *Time `json:"updateDate"`
}

// ListStateMachineAliasesInput names a state machine.
type ListStateMachineAliasesInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	ListInput
}

// StateMachineAliasListItem is one alias.
type StateMachineAliasListItem struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         *Time  `json:"creationDate"`
}

// ListStateMachineAliasesOutput lists aliases.
type ListStateMachineAliasesOutput struct {
	StateMachineAliases []StateMachineAliasListItem `json:"stateMachineAliases"`
	NextToken           string                      `json:"nextToken,omitempty"`
}

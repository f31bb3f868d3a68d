package cloudwatch

// NamespaceEvents is EventBridge's namespace; its series are the
// account's, an EventBusName's, a RuleName's, or both's.
const NamespaceEvents = "AWS/Events"

// EventBridge's metrics besides Invocations, which Put records: failed
// deliveries, events that matched a rule, rules triggered, deliveries held
// back by an API destination's rate, and dead-letter queue sends.
const (
	FailedInvocations              = "FailedInvocations"
	MatchedEvents                  = "MatchedEvents"
	TriggeredRules                 = "TriggeredRules"
	ThrottledRules                 = "ThrottledRules"
	InvocationsSentToDLQ           = "InvocationsSentToDLQ"
	InvocationsFailedToBeSentToDLQ = "InvocationsFailedToBeSentToDLQ"
)

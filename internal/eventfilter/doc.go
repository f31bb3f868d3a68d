// Package eventfilter is the event pattern language of EventBridge rules,
// SNS subscription filter policies and Lambda event filtering, as AWS's
// own matcher (aws/event-ruler) defines it: a JSON object whose leaves are
// arrays of conditions — exact strings, numbers, booleans and null,
// prefix, suffix and equals-ignore-case (with their case-insensitive
// forms), anything-but, numeric comparisons, exists, wildcard, cidr — and
// whose "$or" lists alternatives; nested keys are joined by dots.
//
// Compile parses an EventBridge pattern (CompileFilterPolicy an SNS filter
// policy, with SNS's older dialect and its limits) and refuses a bad one
// with an *Error worded as AWS words it. A Pattern matches one event; a
// Machine holds many patterns under ids and finds those matching an event
// through an index, so its cost follows the event and the matches, not the
// number of rules.
package eventfilter

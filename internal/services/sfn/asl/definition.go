// Package asl is the Amazon States Language: parsing and validating a
// state machine definition with AWS's diagnostics, and the pure parts of
// running one — each state's data flow in both query languages (JSONPath
// with payload templates and intrinsic functions, JSONata with $states and
// variables), Choice rules, Wait times, Retry and Catch. It does no I/O
// and keeps no clock: the interpreter in package sfn drives it.
package asl

import "github.com/nubo-dev/nubo/internal/services/sfn/jsonpath"

// Query languages.
const (
	JSONPath = "JSONPath"
	JSONata  = "JSONata"
)

// State types.
const (
	TypeTask     = "Task"
	TypeWait     = "Wait"
	TypePass     = "Pass"
	TypeSucceed  = "Succeed"
	TypeFail     = "Fail"
	TypeChoice   = "Choice"
	TypeParallel = "Parallel"
	TypeMap      = "Map"
)

// Machine is a parsed state machine, or a Parallel branch, or a Map's
// item processor: states and where to start.
type Machine struct {
	StartAt string
	States  map[string]*State
	// TimeoutSeconds bounds a whole execution (top level only; 0: none).
	TimeoutSeconds int64
	QueryLanguage  string
}

// State is one state of a machine. Fields that do not apply to its type
// are zero.
type State struct {
	Name     string
	Type     string
	Language string // the effective query language: the state's own, else the machine's
	Next     string
	End      bool

	// JSONPath data flow.
	InputPath, OutputPath IOPath
	Parameters            *Template
	ResultSelector        *Template
	ResultPath            IOPath
	Result                any // Pass
	HasResult             bool

	// JSONata data flow.
	Arguments *Template
	Output    *Template

	// Assign sets variables when the state completes (both languages).
	Assign *Template

	// Task.
	Resource         string
	TimeoutSeconds   *Template // a number, or a JSONata expression
	HeartbeatSeconds *Template
	TimeoutPath      *Ref
	HeartbeatPath    *Ref
	Credentials      *Template

	Retry []*Retrier
	Catch []*Catcher

	// Choice.
	Choices []*ChoiceRule
	Default string

	// Wait.
	Seconds       *Template
	Timestamp     *Template
	SecondsPath   *Ref
	TimestampPath *Ref

	// Parallel.
	Branches []*Machine

	// Map.
	Processor         *Machine
	ItemsPath         *Ref
	Items             *Template // JSONata
	ItemSelector      *Template
	MaxConcurrency    *Template
	MaxConcurrencyRef *Ref
	ToleratedPercent  *Template
	TolPercentRef     *Ref
	ToleratedCount    *Template
	TolCountRef       *Ref
	Distributed       bool
	Label             string

	// Fail.
	Error     *Template
	Cause     *Template
	ErrorPath *Template // a path or an intrinsic function
	CausePath *Template
}

// IOPath is InputPath, OutputPath or ResultPath: absent (the default,
// "$"), null (discard), or a path.
type IOPath struct {
	Null bool
	Ref  *Ref
}

// Retrier is one Retry rule.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int64
	MaxAttempts     int64
	BackoffRate     float64
	MaxDelaySeconds int64 // 0: no cap
	JitterFull      bool  // JitterStrategy FULL
}

// Catcher is one Catch rule.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  IOPath    // JSONPath
	Output      *Template // JSONata
	Assign      *Template
}

// Ref is a path whose root is the state's data ($), the context object
// ($$) or a variable ($name).
type Ref struct {
	Src  string
	Root RefRoot
	Var  string // the variable's name when Root is RootVar
	Path *jsonpath.Path
}

// RefRoot is what a Ref's leading $ names.
type RefRoot int

// Ref roots.
const (
	RootInput RefRoot = iota
	RootContext
	RootVar
)

// Defaults of Retry rules.
const (
	DefaultInterval    = 1
	DefaultMaxAttempts = 3
	DefaultBackoffRate = 2.0
)

// This file is nubo's patch to jsonata-go v1.5.4 (see PATCHES.md).

package jsonata

import (
	"reflect"
	"time"
)

// Limits bound one evaluation of an expression, as jsonata-js's timebox
// does: an expression that recurses without end would otherwise overflow
// the goroutine's stack, which kills the process, and one that runs
// without end would never return. A zero field is no limit.
type Limits struct {
	// MaxDepth is how deeply evaluations may nest: each node evaluated
	// within another, and each function call, is one level deeper.
	MaxDepth int
	// Timeout is how long an evaluation may run.
	Timeout time.Duration
	// MaxSize is how many string bytes and array and object items the
	// values of an evaluation's nodes may hold in all: a value returned
	// again counts again. It stops the evaluations that would fill the
	// machine's memory, which is fatal to the process too: paths over
	// large ranges ([1..10000000].[1..10000000]) and values doubled
	// over and over.
	MaxSize int
}

// SetLimits sets the limits of the expression's evaluations.
func (e *Expr) SetLimits(l Limits) {
	e.limits = l
}

// run is one evaluation's state against its limits; it is shared by
// every environment of the evaluation, which runs on one goroutine.
type run struct {
	Limits
	depth    int
	steps    int
	size     int
	deadline time.Time
}

// timeCheckEvery is how many nodes are evaluated between looks at the
// clock.
const timeCheckEvery = 1024

func (l Limits) start() *run {
	if l == (Limits{}) {
		return nil
	}
	r := &run{Limits: l}
	if l.Timeout > 0 {
		r.deadline = time.Now().Add(l.Timeout)
	}
	return r
}

// enter notes that a node's evaluation starts, and fails when it is one
// level too deep or the evaluation has run out of time.
func (r *run) enter() error {
	if r.MaxDepth > 0 && r.depth >= r.MaxDepth {
		return newEvalError(ErrStackOverflow, nil, nil)
	}
	r.steps++
	if r.Timeout > 0 && r.steps%timeCheckEvery == 0 && time.Now().After(r.deadline) {
		return newEvalError(ErrTimeout, nil, nil)
	}
	r.depth++
	return nil
}

// produced notes the value a node evaluated to, and fails once the
// evaluation's values are too large in all.
func (r *run) produced(v reflect.Value) error {
	if r.MaxSize == 0 {
		return nil
	}
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Ptr {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String, reflect.Slice, reflect.Array, reflect.Map:
		r.size += v.Len()
	}
	if r.size > r.MaxSize {
		return newEvalError(ErrTooLarge, nil, nil)
	}
	return nil
}

// room fails when n more items would make the evaluation's values too
// large, before they are made.
func (r *run) room(n int) error {
	if r.MaxSize > 0 && r.size+n > r.MaxSize {
		return newEvalError(ErrTooLarge, nil, nil)
	}
	return nil
}

// leave notes that a node's evaluation ended.
func (r *run) leave() {
	r.depth--
}

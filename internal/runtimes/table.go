package runtimes

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error classes of the catalogue, for errors.Is.
var (
	// ErrUnsupportedRuntime: nubo has no runtime for this identifier.
	ErrUnsupportedRuntime = errors.New("unsupported runtime")
	// ErrInterpreterMissing: the runtime is known but this machine cannot run it.
	ErrInterpreterMissing = errors.New("runtime interpreter missing")
	// ErrNoBootstrap: a custom runtime's package has no bootstrap
	// (AWS reports it as Runtime.InvalidEntrypoint).
	ErrNoBootstrap = errors.New("no bootstrap")
)

// family is a language whose runtime identifiers share one client.
type family string

const (
	python   family = "python"
	nodejs   family = "nodejs"
	java     family = "java"
	ruby     family = "ruby"
	provided family = "provided"
)

// familyNames are what error messages call each family's interpreter.
var familyNames = map[family]string{
	python: "a Python interpreter",
	nodejs: "a Node.js interpreter",
	java:   "a Java runtime",
	ruby:   "a Ruby interpreter",
}

// commands are the interpreters looked up on PATH when not configured.
var commands = map[family]string{
	python: "python3",
	nodejs: "node",
	java:   "java",
	ruby:   "ruby",
}

// runtime describes one runtime identifier.
type runtime struct {
	id      string
	family  family
	version string // "3.12", "20", "17", "3.3", "al2023"
}

// runtimeTable lists every identifier nubo runs. AWS's deprecated ones are
// left out where AWS no longer lets functions use them.
var runtimeTable = func() map[string]runtime {
	t := map[string]runtime{}
	add := func(f family, id, version string) { t[id] = runtime{id: id, family: f, version: version} }
	for _, v := range []string{"3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"} {
		add(python, "python"+v, v)
	}
	for _, v := range []string{"18", "20", "22", "24", "26"} {
		add(nodejs, "nodejs"+v+".x", v)
	}
	for _, id := range []string{"java8.al2", "java8.al2023", "java11", "java11.al2023", "java17", "java17.al2023", "java21", "java25"} {
		v, _, _ := strings.Cut(strings.TrimPrefix(id, "java"), ".")
		add(java, id, v)
	}
	for _, v := range []string{"3.2", "3.3", "3.4", "4.0"} {
		add(ruby, "ruby"+v, v)
	}
	add(provided, "provided", "al1")
	add(provided, "provided.al2", "al2")
	add(provided, "provided.al2023", "al2023")
	return t
}()

// clientVersion is bumped whenever a runtime client changes behaviour; it is
// the ".vN" of Version, as AWS counts its runtime releases.
const clientVersion = 1

func lookup(id string) (runtime, error) {
	rt, ok := runtimeTable[id]
	if !ok {
		if id == "" {
			return runtime{}, fmt.Errorf("no runtime given: %w", ErrUnsupportedRuntime)
		}
		return runtime{}, fmt.Errorf("nubo has no runtime %s; package the function for provided.al2023 with its own bootstrap: %w",
			id, ErrUnsupportedRuntime)
	}
	return rt, nil
}

// Runtimes lists every runtime identifier the catalogue knows, sorted.
func Runtimes() []string {
	ids := make([]string, 0, len(runtimeTable))
	for id := range runtimeTable {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

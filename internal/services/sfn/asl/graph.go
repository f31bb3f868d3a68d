package asl

import (
	"slices"
	"strconv"
)

// checkGraph checks a machine's transitions, as AWS does after the schema:
// every target exists, every state is reachable from StartAt, and some
// state ends the workflow. loc is where the machine sits ("" at the top,
// "/States/P/Branches[0]" for a branch).
func checkGraph(w *walker, m *Machine, loc string) {
	missing := func(target, at string) {
		w.add(CodeMissingTarget, at, "Missing 'Next' target: %s", target)
	}
	if _, ok := m.States[m.StartAt]; !ok {
		missing(m.StartAt, loc+"/StartAt")
	}
	terminal := false
	for _, name := range sortedStateNames(m) {
		s := m.States[name]
		at := loc + "/States/" + name
		for _, t := range s.targets(at) {
			if _, ok := m.States[t.name]; !ok {
				missing(t.name, t.at)
			}
		}
		if s.End || s.Type == TypeSucceed || s.Type == TypeFail {
			terminal = true
		}
		for i, b := range s.Branches {
			checkGraph(w, b, at+"/Branches["+strconv.Itoa(i)+"]")
		}
		if s.Processor != nil {
			checkGraph(w, s.Processor, at+"/ItemProcessor")
		}
	}
	if !terminal {
		w.add(CodeMissingEndState, "", "Workflow has no terminal state")
		return
	}
	reached := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		s, ok := m.States[name]
		if !ok || reached[name] {
			return
		}
		reached[name] = true
		for _, t := range s.targets("") {
			visit(t.name)
		}
	}
	visit(m.StartAt)
	for _, name := range sortedStateNames(m) {
		if !reached[name] {
			w.add(CodeMissingTarget, loc+"/States/"+name, "State \"%s\" is not reachable.", name)
		}
	}
}

type target struct{ name, at string }

// targets lists the states a state can move to, with where each is named.
func (s *State) targets(at string) []target {
	var out []target
	if s.Next != "" {
		out = append(out, target{s.Next, at + "/Next"})
	}
	for i, r := range s.Choices {
		out = append(out, target{r.Next, at + "/Choices[" + strconv.Itoa(i) + "]/Next"})
	}
	if s.Default != "" {
		out = append(out, target{s.Default, at + "/Default"})
	}
	for i, c := range s.Catch {
		out = append(out, target{c.Next, at + "/Catch[" + strconv.Itoa(i) + "]/Next"})
	}
	return out
}

func sortedStateNames(m *Machine) []string {
	names := make([]string, 0, len(m.States))
	for n := range m.States {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

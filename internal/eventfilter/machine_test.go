package eventfilter

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// gen makes random patterns and events over a few fields and small sets of
// values, so that they often match.
type gen struct{ r *rand.Rand }

var (
	genWords  = []string{"aws.ec2", "aws.s3", "app.orders", "running", "stopped", "Running", "img.png", "IMG.PNG", "x", ""}
	genFields = []string{"source", "detail.state", "detail.name", "detail.n", "detail.ip", "detail.tags", "detail.items.name", "detail.items.qty"}
	genIPs    = []string{"10.0.0.1", "10.0.1.7", "192.168.1.1", "2001:db8::1", "::ffff:10.0.0.1"}
)

func (g gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g gen) quote(s string) string { return fmt.Sprintf("%q", s) }

func (g gen) num() string {
	return []string{"0", "1", "2.5", "10", "-3", "1e2", "100.0", "5000000000"}[g.r.IntN(8)]
}

// condition is one element of a field's array.
func (g gen) condition() string {
	w := g.pick(genWords)
	switch g.r.IntN(22) {
	case 0, 1, 2:
		return g.quote(w)
	case 3:
		return g.num()
	case 4:
		return []string{"null", "true", "false"}[g.r.IntN(3)]
	case 5:
		return `{"prefix":` + g.quote(w[:len(w)/2]) + `}`
	case 6:
		return `{"suffix":` + g.quote(w[len(w)/2:]) + `}`
	case 7:
		return `{"prefix":{"equals-ignore-case":` + g.quote(strings.ToUpper(w[:len(w)/2])) + `}}`
	case 8:
		return `{"suffix":{"equals-ignore-case":` + g.quote(strings.ToUpper(w[len(w)/2:])) + `}}`
	case 9:
		return `{"equals-ignore-case":` + g.quote(strings.ToUpper(w)) + `}`
	case 10:
		return `{"wildcard":` + g.quote([]string{"*.png", "aws.*", "*n*", "r*g", "*"}[g.r.IntN(5)]) + `}`
	case 11:
		return `{"numeric":[">",` + g.num() + `]}`
	case 12:
		return `{"numeric":[">=",-5,"<",` + g.num() + `]}`
	case 13:
		return `{"numeric":["=",` + g.num() + `]}`
	case 14:
		return `{"cidr":` + g.quote([]string{"10.0.0.0/24", "10.0.0.0/8", "2001:db8::/32", "0.0.0.0/0"}[g.r.IntN(4)]) + `}`
	case 15:
		return g.quote(g.pick(genIPs))
	case 16:
		return `{"exists":` + []string{"true", "false"}[g.r.IntN(2)] + `}`
	case 17:
		return `{"anything-but":` + g.quote(w) + `}`
	case 18:
		return `{"anything-but":[` + g.num() + `,` + g.num() + `]}`
	case 19:
		return `{"anything-but":{"prefix":` + g.quote(w[:len(w)/2]+"q") + `}}`
	case 20:
		return `{"anything-but":{"equals-ignore-case":[` + g.quote(w) + `]}}`
	default:
		return `{"anything-but":{"wildcard":"*o*"}}`
	}
}

func (g gen) fieldPattern(path string) string {
	var conds []string
	for i := 0; i <= g.r.IntN(3); i++ {
		conds = append(conds, g.condition())
	}
	s := "[" + strings.Join(conds, ",") + "]"
	parts := strings.Split(path, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		s = `{"` + parts[i] + `":` + s + `}`
	}
	return s[1 : len(s)-1] // without the outer braces: "a":{"b":[...]}
}

func (g gen) pattern() string {
	var members []string
	used := map[string]bool{}
	for i := 0; i <= g.r.IntN(3); i++ {
		f := g.pick(genFields)
		top := strings.Split(f, ".")[0]
		if used[top] {
			continue
		}
		used[top] = true
		members = append(members, g.fieldPattern(f))
	}
	if g.r.IntN(4) == 0 {
		members = append(members, `"$or":[{`+g.fieldPattern("alt.a")+`},{`+g.fieldPattern("alt.b")+`}]`)
	}
	return "{" + strings.Join(members, ",") + "}"
}

func (g gen) value() string {
	switch g.r.IntN(6) {
	case 0:
		return g.num()
	case 1:
		return []string{"null", "true", "false"}[g.r.IntN(3)]
	case 2:
		return g.quote(g.pick(genIPs))
	default:
		return g.quote(g.pick(genWords))
	}
}

func (g gen) event() string {
	var items []string
	for i := 0; i < g.r.IntN(3); i++ {
		items = append(items, `{"name":`+g.value()+`,"qty":`+g.value()+`}`)
	}
	tags := []string{}
	for i := 0; i < g.r.IntN(3); i++ {
		tags = append(tags, g.value())
	}
	ev := `{"source":` + g.value() + `,"detail":{"state":` + g.value() + `,"name":` + g.value() +
		`,"n":` + g.value() + `,"ip":` + g.value() + `,"tags":[` + strings.Join(tags, ",") +
		`],"items":[` + strings.Join(items, ",") + `]},"alt":{"a":` + g.value() + `,"b":` + g.value() + `}}`
	if g.r.IntN(3) == 0 {
		ev = strings.Replace(ev, `"state":`, `"other":`, 1)
	}
	return ev
}

// TestMachineAgreesWithPatterns adds, replaces and removes random rules and
// checks that the machine finds exactly the rules whose patterns match.
func TestMachineAgreesWithPatterns(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	var m Machine
	rules := map[string]*Pattern{}
	texts := map[string]string{}
	compiled, nonEmpty := 0, 0
	for step := 0; step < 3000; step++ {
		id := fmt.Sprintf("r%d", g.r.IntN(300))
		switch {
		case g.r.IntN(10) == 0:
			m.Remove(id)
			delete(rules, id)
		default:
			text := g.pattern()
			p, err := Compile([]byte(text))
			if err != nil {
				continue
			}
			compiled++
			m.Add(id, p)
			rules[id], texts[id] = p, text
		}
		if step%10 != 0 {
			continue
		}
		event := g.event()
		e, err := ParseEvent([]byte(event))
		if err != nil {
			t.Fatalf("%s: %v", event, err)
		}
		var want []string
		for id, p := range rules {
			if p.MatchEvent(e) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		nonEmpty += len(want)
		if got := m.Match(e); !slices.Equal(got, want) {
			for _, id := range append(got, want...) {
				t.Logf("%s: %s", id, texts[id])
			}
			t.Fatalf("event %s\n got %v\nwant %v", event, got, want)
		}
	}
	t.Logf("%d compiled, %d matches found", compiled, nonEmpty)
	if m.Len() != len(rules) || compiled < 1000 || nonEmpty < 1000 {
		t.Fatalf("Len %d, want %d (%d compiled)", m.Len(), len(rules), compiled)
	}
	for id := range rules {
		if !m.Remove(id) {
			t.Fatalf("Remove(%s) = false", id)
		}
	}
	if len(m.paths) != 0 || len(m.always.regs) != 0 {
		t.Fatalf("empty machine keeps %d paths, %d unanchored entries", len(m.paths), len(m.always.regs))
	}
}

func TestMachineConcurrent(t *testing.T) {
	var m Machine
	p, _ := Compile([]byte(`{"source":["a"]}`))
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if w%2 == 0 {
					m.Add(fmt.Sprintf("r%d-%d", w, i%10), p)
					m.Remove(fmt.Sprintf("r%d-%d", w, (i+5)%10))
					continue
				}
				ids, err := m.MatchJSON([]byte(`{"source":"a"}`))
				if err != nil {
					t.Error(err)
				}
				for _, id := range ids {
					if !strings.HasPrefix(id, "r") {
						t.Errorf("bad id %s", id)
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestMachineReplaceAndNoMatch(t *testing.T) {
	var m Machine
	if got, _ := m.MatchJSON([]byte(`{"a":"b"}`)); got != nil {
		t.Fatalf("zero machine matched %v", got)
	}
	p1, _ := Compile([]byte(`{"a":["b"]}`))
	p2, _ := Compile([]byte(`{"a":["c"]}`))
	m.Add("r", p1)
	m.Add("r", p2)
	if got, _ := m.MatchJSON([]byte(`{"a":"b"}`)); got != nil {
		t.Fatalf("replaced pattern still matches: %v", got)
	}
	if got, _ := m.MatchJSON([]byte(`{"a":"c"}`)); !slices.Equal(got, []string{"r"}) {
		t.Fatalf("got %v", got)
	}
	if _, err := m.MatchJSON([]byte(`{"a":`)); err == nil {
		t.Fatal("bad JSON accepted")
	}
	if m.Remove("nope") {
		t.Fatal("removed a rule never added")
	}
}

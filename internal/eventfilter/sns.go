package eventfilter

// PolicyScope is what an SNS filter policy is applied to.
type PolicyScope string

const (
	ScopeAttributes PolicyScope = "MessageAttributes"
	ScopeBody       PolicyScope = "MessageBody"
)

// SNS's documented filter policy limits.
const (
	maxPolicyKeys         = 5
	maxPolicyCombinations = 150
)

// ErrNestedPolicy is SNS's refusal of a nested policy on message
// attributes; SNS words it without the "FilterPolicy: " other policy
// errors carry.
var ErrNestedPolicy = &Error{Reason: "Filter policy scope MessageAttributes does not support nested filter policy"}

// CompileFilterPolicy parses an SNS subscription filter policy: SNS's
// dialect of the language (no wildcard, anything-but only with values or
// one prefix, numbers within ±10^9), then SNS's limits — at most five
// top-level keys, at most 150 combinations of values (each array's length
// times its nesting depth, multiplied across keys and added across "$or"
// alternatives), and no nesting when the policy applies to message
// attributes. Errors are *Error, or ErrNestedPolicy.
func CompileFilterPolicy(policy []byte, scope PolicyScope) (*Pattern, error) {
	p, cerr := compileDialect(snsDialect, policy)
	if cerr != nil {
		return nil, cerr
	}
	v, err := decodeJSON(policy)
	if err != nil {
		return nil, &Error{Reason: "Filter policy is not valid JSON"}
	}
	obj, _ := v.(map[string]any)
	if len(obj) > maxPolicyKeys {
		return nil, &Error{Reason: "Filter policy can not have more than 5 keys"}
	}
	combos, nested := policyCombinations(obj, 1, 1)
	if nested && scope != ScopeBody {
		return nil, ErrNestedPolicy
	}
	if combos > maxPolicyCombinations {
		return nil, &Error{Reason: "Filter policy is too complex"}
	}
	return p, nil
}

// policyCombinations counts a policy object's combinations at a depth,
// starting from those counted so far, and reports whether it nests objects.
func policyCombinations(obj map[string]any, depth int, combos float64) (float64, bool) {
	nested := false
	for k, v := range obj {
		switch v := v.(type) {
		case map[string]any:
			combos, _ = policyCombinations(v, depth+1, combos)
			nested = true
		case []any:
			if k != "$or" {
				combos *= float64(len(v) * depth)
				continue
			}
			sum := 0.0
			for _, alt := range v {
				m, _ := alt.(map[string]any)
				c, n := policyCombinations(m, depth, combos)
				sum, nested = sum+c, nested || n
			}
			combos = sum
		}
	}
	return combos, nested
}

package sfn

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/nubo-dev/nubo/internal/services/sfn/asl"
)

// MockConfig is a mock configuration in the format of Step Functions
// Local: test cases per state machine name map states to mocked
// responses, and each response gives, per invocation of the state
// ("0", "1-2", ...), a Return value or a Throw.
type MockConfig struct {
	StateMachines   map[string]mockMachine             `json:"StateMachines"`
	MockedResponses map[string]map[string]mockResponse `json:"MockedResponses"`
}

type mockMachine struct {
	TestCases map[string]map[string]string `json:"TestCases"`
}

type mockResponse struct {
	Return json.RawMessage `json:"Return,omitempty"`
	Throw  *struct {
		Error string `json:"Error"`
		Cause string `json:"Cause"`
	} `json:"Throw,omitempty"`
}

// ParseMockConfig reads a mock configuration file and checks that every
// test case names responses that exist.
func ParseMockConfig(data []byte) (*MockConfig, error) {
	c := &MockConfig{}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("mock configuration: %w", err)
	}
	for sm, m := range c.StateMachines {
		for tc, states := range m.TestCases {
			for state, resp := range states {
				if _, ok := c.MockedResponses[resp]; !ok {
					return nil, fmt.Errorf("mock configuration: test case %s/%s maps state %s to the unknown response %s", sm, tc, state, resp)
				}
			}
		}
	}
	for name, r := range c.MockedResponses {
		for k, v := range r {
			if _, _, err := invocations(k); err != nil {
				return nil, fmt.Errorf("mock configuration: response %s: %w", name, err)
			}
			if (v.Return == nil) == (v.Throw == nil) {
				return nil, fmt.Errorf("mock configuration: response %s, invocation %s: give exactly one of Return and Throw", name, k)
			}
		}
	}
	return c, nil
}

// invocations reads "3" or "1-2".
func invocations(k string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(k, "-")
	if lo, err = strconv.Atoi(a); err != nil {
		return 0, 0, fmt.Errorf("bad invocation %q", k)
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(b); err != nil || hi < lo {
			return 0, 0, fmt.Errorf("bad invocation %q", k)
		}
	}
	return lo, hi, nil
}

type mocked struct {
	result string
	err    *asl.Failure
}

// mockResponse finds the mocked response of a state's nth invocation in
// the execution's test case.
func (s *Service) mockResponse(r *run, state string, attempt int) (mocked, bool) {
	c := s.opts.Mock
	r.mu.Lock()
	testCase, machineName := r.meta.TestCase, r.meta.MachineName
	r.mu.Unlock()
	if c == nil || testCase == "" {
		return mocked{}, false
	}
	respName, ok := c.StateMachines[machineName].TestCases[testCase][state]
	if !ok {
		return mocked{}, false
	}
	for k, v := range c.MockedResponses[respName] {
		lo, hi, _ := invocations(k)
		if attempt < lo || attempt > hi {
			continue
		}
		if v.Throw != nil {
			return mocked{err: &asl.Failure{Name: v.Throw.Error, Cause: v.Throw.Cause}}, true
		}
		ret, err := decodeJSON(string(v.Return))
		if err != nil {
			return mocked{err: asl.Failf(asl.ErrTaskFailed, "invalid mocked Return: %v", err)}, true
		}
		return mocked{result: payload(ret)}, true
	}
	return mocked{}, false
}

package sns

import "github.com/nubo-dev/nubo/internal/iam/policy"

// Account is the account every topic belongs to.
func (s *Service) Account() string { return s.opts.Account }

// Policy is the access policy (the Policy attribute) of the topic an ARN
// names, its default one unless set: nil when there is no such topic.
func (s *Service) Policy(arn string) (*policy.Document, error) {
	s.mu.RLock()
	t := s.topics[arn]
	s.mu.RUnlock()
	if t == nil {
		return nil, nil
	}
	text := t.Attrs["Policy"]
	if text == "" {
		text = defaultPolicy(arn, s.opts.Account)
	}
	return s.policies.Parse(text, policy.Resource)
}

package control

import (
	"context"
	"maps"
	"regexp"
	"slices"

	"github.com/nubo-dev/nubo/internal/services/lambda"
)

const maxTags = 50

var taggableRE = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*):lambda:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):(\d{12}):function:([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$`)

// taggedFunction parses a tagging Resource ARN into the function it names.
func (s *Service) taggedFunction(resource string) (lambda.Scope, string, error) {
	m := taggableRE.FindStringSubmatch(resource)
	if m == nil {
		var v lambda.Validator
		v.Fail(resource, "resource", `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?`)
		return lambda.Scope{}, "", v.Err()
	}
	if m[9] != "" {
		return lambda.Scope{}, "", lambda.Errorf(lambda.ErrInvalidParameterValue,
			"Tags on function aliases and versions are not supported. Please specify a function ARN.")
	}
	scope := lambda.Scope{Account: m[7], Region: m[2]}
	if scope.Account != s.opts.Account {
		return scope, "", lambda.FunctionNotFound(resource)
	}
	return scope, m[8], nil
}

func validateTags(v *lambda.Validator, tags map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		v.Length("tags.key", k, 1, 128)
		v.Length("tags.value", tags[k], 0, 256)
	}
}

// TagResource adds or replaces tags on a function.
func (s *Service) TagResource(ctx context.Context, resource string, tags map[string]string) error {
	var v lambda.Validator
	if tags == nil {
		v.Fail(nil, "tags", "Member must not be null")
	}
	validateTags(&v, tags)
	if err := v.Err(); err != nil {
		return err
	}
	return s.modifyTags(ctx, resource, func(r *functionRecord) error {
		merged := maps.Clone(r.Tags)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, tags)
		if len(merged) > maxTags {
			return lambda.Errorf(lambda.ErrInvalidParameterValue, "Number of tags exceeds resource tag limit.")
		}
		r.Tags = merged
		return nil
	})
}

// UntagResource removes tags from a function.
func (s *Service) UntagResource(ctx context.Context, resource string, keys []string) error {
	var v lambda.Validator
	if len(keys) == 0 {
		v.Fail(nil, "tagKeys", "Member must not be null")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.modifyTags(ctx, resource, func(r *functionRecord) error {
		for _, k := range keys {
			delete(r.Tags, k)
		}
		return nil
	})
}

// modifyTags applies fn to the record of the function resource names.
func (s *Service) modifyTags(ctx context.Context, resource string, fn func(r *functionRecord) error) error {
	scope, name, err := s.taggedFunction(resource)
	if err != nil {
		return err
	}
	_, err = s.modifyFunction(ctx, scope, name, fn)
	return err
}

// ListTags returns a function's tags.
func (s *Service) ListTags(ctx context.Context, resource string) (map[string]string, error) {
	scope, name, err := s.taggedFunction(resource)
	if err != nil {
		return nil, err
	}
	rec, _, err := s.loadFunction(ctx, scope, name)
	if err != nil {
		return nil, err
	}
	if rec.Tags == nil {
		return map[string]string{}, nil
	}
	return rec.Tags, nil
}

package iam

import (
	"context"
	"slices"
	"strings"
)

// maxTags is how many tags a user or role may have.
const maxTags = 50

// TagsInput is the request of Tag{User,Role}; Untag{User,Role} use
// TagKeys; List{User,Role}Tags use the name and Page.
type TagsInput struct {
	UserName string   `json:"UserName,omitempty"`
	RoleName string   `json:"RoleName,omitempty"`
	Tags     []Tag    `json:"Tags,omitempty"`
	TagKeys  []string `json:"TagKeys,omitempty"`
	Page
}

// ListTagsOutput is the result of List{User,Role}Tags.
type ListTagsOutput struct {
	Tags []Tag `json:"Tags"`
	Truncation
}

// TagRole adds or replaces tags of a role.
func (s *Service) TagRole(ctx context.Context, caller *Principal, in *TagsInput) error {
	return s.tag(ctx, caller.Account, kindRole, in.RoleName, in.Tags)
}

// TagUser adds or replaces tags of a user.
func (s *Service) TagUser(ctx context.Context, caller *Principal, in *TagsInput) error {
	return s.tag(ctx, caller.Account, kindUser, in.UserName, in.Tags)
}

// UntagRole removes tags of a role by key.
func (s *Service) UntagRole(ctx context.Context, caller *Principal, in *TagsInput) error {
	return s.untag(ctx, caller.Account, kindRole, in.RoleName, in.TagKeys)
}

// UntagUser removes tags of a user by key.
func (s *Service) UntagUser(ctx context.Context, caller *Principal, in *TagsInput) error {
	return s.untag(ctx, caller.Account, kindUser, in.UserName, in.TagKeys)
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(ctx context.Context, caller *Principal, in *TagsInput) (*ListTagsOutput, error) {
	return s.listTags(ctx, caller.Account, kindRole, in.RoleName, in.Page)
}

// ListUserTags lists a user's tags.
func (s *Service) ListUserTags(ctx context.Context, caller *Principal, in *TagsInput) (*ListTagsOutput, error) {
	return s.listTags(ctx, caller.Account, kindUser, in.UserName, in.Page)
}

// tagsOf is the tag list of a user or role.
func (e *entity) tagsOf() *[]Tag {
	if e.User != nil {
		return &e.User.Tags
	}
	return &e.Role.Tags
}

func checkTags(tags []Tag) error {
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 || strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalid("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length less than or equal to 128", t.Key)
		}
		if len(t.Value) > 256 {
			return invalid("1 validation error detected: Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", t.Value)
		}
	}
	return nil
}

func (s *Service) tag(ctx context.Context, acct, kind, name string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	_, err := s.updateEntity(ctx, acct, kind, name, func(e *entity) error {
		list := e.tagsOf()
		for _, t := range tags {
			i := slices.IndexFunc(*list, func(x Tag) bool { return x.Key == t.Key })
			if i >= 0 {
				(*list)[i].Value = t.Value
			} else {
				*list = append(*list, t)
			}
		}
		if len(*list) > maxTags {
			return limit("The number of tags has reached the maximum limit.")
		}
		return nil
	})
	return err
}

func (s *Service) untag(ctx context.Context, acct, kind, name string, keys []string) error {
	_, err := s.updateEntity(ctx, acct, kind, name, func(e *entity) error {
		list := e.tagsOf()
		*list = slices.DeleteFunc(*list, func(t Tag) bool { return slices.Contains(keys, t.Key) })
		return nil
	})
	return err
}

func (s *Service) listTags(ctx context.Context, acct, kind, name string, pg Page) (*ListTagsOutput, error) {
	e, _, err := s.getEntity(ctx, acct, kind, name)
	if err != nil {
		return nil, err
	}
	page, tr, err := paginate(slices.Clone(*e.tagsOf()), func(t Tag) string { return t.Key }, pg)
	if err != nil {
		return nil, err
	}
	return &ListTagsOutput{Tags: page, Truncation: tr}, nil
}

// mergeTags is base with over's values replacing those of the same key
// (session tags over a role's, case-insensitively as IAM compares keys).
func mergeTags(base, over []Tag) []Tag {
	out := slices.Clone(over)
	for _, t := range base {
		if !slices.ContainsFunc(over, func(o Tag) bool { return strings.EqualFold(o.Key, t.Key) }) {
			out = append(out, t)
		}
	}
	return out
}

package apigateway

import (
	"context"
	"maps"
	"strings"
)

// Tags are TagResource's and GetTags' tags.
type Tags struct {
	Tags map[string]string `json:"tags"`
}

// parseTagARN finds what an ARN names: an API (arn:aws:apigateway:<region>::/apis/<id>),
// a stage (.../apis/<id>/stages/<name>) or a custom domain name
// (.../domainnames/<name>).
func parseTagARN(arn string) (region, kind, id, stage string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "apigateway" {
		return "", "", "", "", notFound("Invalid resource ARN specified: %s", arn)
	}
	path := strings.Split(strings.TrimPrefix(parts[5], "/"), "/")
	switch {
	case len(path) == 2 && path[0] == "apis":
		return parts[3], "api", path[1], "", nil
	case len(path) == 4 && path[0] == "apis" && path[2] == "stages":
		return parts[3], "stage", path[1], path[3], nil
	case len(path) == 2 && path[0] == "domainnames":
		return parts[3], "domain", path[1], "", nil
	}
	return "", "", "", "", notFound("Invalid resource ARN specified: %s", arn)
}

// editTags applies fn to the tags of what arn names.
func (s *Service) editTags(ctx context.Context, account, arn string, fn func(map[string]string) map[string]string) (map[string]string, error) {
	region, kind, id, stage, err := parseTagARN(arn)
	if err != nil {
		return nil, err
	}
	scope := Scope{Account: account, Region: region}
	var out map[string]string
	switch kind {
	case "domain":
		d, err := s.domain(scope, id)
		if err != nil {
			return nil, err
		}
		d.Domain.Tags = fn(d.Domain.Tags)
		out = d.Domain.Tags
		if err := s.saveDomain(ctx, d, false); err != nil {
			return nil, err
		}
	default:
		_, err = s.modify(ctx, scope, id, func(rec *apiRecord) error {
			tags := &rec.Api.Tags
			if kind == "stage" {
				st := rec.Stages[stage]
				if st == nil {
					return notFound("Invalid stage identifier specified")
				}
				tags = &st.Tags
			}
			*tags = fn(*tags)
			out = *tags
			return nil
		})
	}
	return out, err
}

// TagResource adds tags.
func (s *Service) TagResource(ctx context.Context, account, arn string, tags map[string]string) error {
	_, err := s.editTags(ctx, account, arn, func(m map[string]string) map[string]string {
		if m == nil {
			m = map[string]string{}
		}
		maps.Copy(m, tags)
		return m
	})
	return err
}

// UntagResource removes tags.
func (s *Service) UntagResource(ctx context.Context, account, arn string, keys []string) error {
	_, err := s.editTags(ctx, account, arn, func(m map[string]string) map[string]string {
		for _, k := range keys {
			delete(m, k)
		}
		return m
	})
	return err
}

// GetTags returns the tags of what arn names.
func (s *Service) GetTags(ctx context.Context, account, arn string) (*Tags, error) {
	region, kind, id, stage, err := parseTagARN(arn)
	if err != nil {
		return nil, err
	}
	scope := Scope{Account: account, Region: region}
	var tags map[string]string
	switch kind {
	case "domain":
		d, err := s.domain(scope, id)
		if err != nil {
			return nil, err
		}
		tags = d.Domain.Tags
	case "stage":
		st, err := s.GetStage(ctx, scope, id, stage)
		if err != nil {
			return nil, err
		}
		tags = st.Tags
	default:
		rec, _, err := s.load(ctx, scope, id)
		if err != nil {
			return nil, err
		}
		tags = rec.Api.Tags
	}
	if tags == nil {
		tags = map[string]string{}
	}
	return &Tags{Tags: tags}, nil
}

package apigateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
)

// DomainNameInput is the body of CreateDomainName and UpdateDomainName.
type DomainNameInput struct {
	DomainName               string                    `json:"domainName,omitempty"`
	DomainNameConfigurations []DomainNameConfiguration `json:"domainNameConfigurations,omitempty"`
	MutualTlsAuthentication  json.RawMessage           `json:"mutualTlsAuthentication,omitempty"`
	RoutingMode              string                    `json:"routingMode,omitempty"`
	Tags                     map[string]string         `json:"tags,omitempty"`
}

// ApiMappingInput is the body of CreateApiMapping and UpdateApiMapping.
type ApiMappingInput struct {
	ApiId         *string `json:"apiId,omitempty"`
	ApiMappingKey *string `json:"apiMappingKey,omitempty"`
	Stage         *string `json:"stage,omitempty"`
}

// domainRec is what the store holds for a custom domain name.
type domainRec struct {
	Region   string                 `json:"region"`
	Domain   DomainName             `json:"domain"`
	Mappings map[string]*ApiMapping `json:"mappings,omitempty"`
}

var (
	hostnameRE   = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	mappingKeyRE = regexp.MustCompile(`^([a-zA-Z0-9._-]+(/[a-zA-Z0-9._-]+)*)?$`)
)

const domainNotFound = "Invalid domain name identifier specified"

// loadDomains reads every custom domain name, for the gateway's host
// matching.
func (s *Service) loadDomains(ctx context.Context) error {
	keys, err := s.kv.Keys(ctx, store.Key("domain"))
	if err != nil {
		return fmt.Errorf("list domain names: %w", err)
	}
	for _, k := range keys {
		e, err := s.kv.Get(ctx, k)
		if err != nil {
			continue
		}
		var d domainRec
		if json.Unmarshal(e.Value, &d) == nil {
			s.domains[d.Domain.DomainName] = &d
		}
	}
	return nil
}

func (s *Service) saveDomain(ctx context.Context, d *domainRec, create bool) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	s.domainWrites.Lock()
	defer s.domainWrites.Unlock()
	key := domainKey(d.Domain.DomainName)
	var rev uint64
	if create {
		rev, err = s.kv.Create(ctx, key, data)
	} else {
		rev, err = s.kv.Put(ctx, key, data)
	}
	if errors.Is(err, store.ErrExists) {
		return awserr.New(ErrConflict, "The domain name you provided already exists.")
	}
	if err != nil {
		return fmt.Errorf("store domain name: %w", err)
	}
	s.mu.Lock()
	s.revs.Wrote(key, rev)
	s.domains[d.Domain.DomainName] = d
	s.mu.Unlock()
	return nil
}

// domain returns a copy of a custom domain name of the scope's region.
func (s *Service) domain(scope Scope, name string) (*domainRec, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.domains[strings.ToLower(name)]
	if d == nil || d.Region != scope.Region {
		return nil, notFound(domainNotFound)
	}
	c := *d
	c.Mappings = map[string]*ApiMapping{}
	for k, m := range d.Mappings {
		mc := *m
		c.Mappings[k] = &mc
	}
	return &c, nil
}

// CreateDomainName adds a custom domain name: requests whose Host is it
// reach the APIs its API mappings name.
func (s *Service) CreateDomainName(ctx context.Context, scope Scope, in *DomainNameInput) (*DomainName, error) {
	name := strings.ToLower(strings.TrimSuffix(in.DomainName, "."))
	switch {
	case in.MutualTlsAuthentication != nil:
		return nil, badRequest("nubo does not serve mutual TLS authentication")
	case !hostnameRE.MatchString(name) || net.ParseIP(name) != nil || name == "localhost":
		return nil, badRequest("Invalid domain name specified: %s", in.DomainName)
	case strings.Contains(name, ".lambda-url.") || strings.Contains(name, ".execute-api."):
		return nil, badRequest("The domain name %s is one of nubo's own", in.DomainName)
	}
	d := &domainRec{Region: scope.Region, Domain: DomainName{
		ApiMappingSelectionExpression: "$request.basepath", DomainName: name,
		DomainNameArn: "arn:aws:apigateway:" + scope.Region + "::/domainnames/" + name, Tags: in.Tags,
	}}
	configs := in.DomainNameConfigurations
	if len(configs) == 0 {
		configs = []DomainNameConfiguration{{}}
	}
	for _, c := range configs {
		c.ApiGatewayDomainName = "d-" + newID(10) + ".execute-api." + scope.Region + ".localhost"
		c.DomainNameStatus = "AVAILABLE"
		if c.EndpointType == "" {
			c.EndpointType = "REGIONAL"
		}
		if c.SecurityPolicy == "" {
			c.SecurityPolicy = "TLS_1_2"
		}
		d.Domain.DomainNameConfigurations = append(d.Domain.DomainNameConfigurations, c)
	}
	if err := s.saveDomain(ctx, d, true); err != nil {
		return nil, err
	}
	out := d.Domain
	return &out, nil
}

// GetDomainName returns a custom domain name.
func (s *Service) GetDomainName(ctx context.Context, scope Scope, name string) (*DomainName, error) {
	d, err := s.domain(scope, name)
	if err != nil {
		return nil, err
	}
	return &d.Domain, nil
}

// GetDomainNames lists the region's custom domain names.
func (s *Service) GetDomainNames(ctx context.Context, scope Scope, p Page) (*List[DomainName], error) {
	s.mu.Lock()
	var out []*DomainName
	for _, d := range s.domains {
		if d.Region == scope.Region {
			c := d.Domain
			out = append(out, &c)
		}
	}
	s.mu.Unlock()
	return page(out, p, func(d *DomainName) string { return d.DomainName })
}

// DeleteDomainName deletes a custom domain name and its API mappings.
func (s *Service) DeleteDomainName(ctx context.Context, scope Scope, name string) error {
	d, err := s.domain(scope, name)
	if err != nil {
		return err
	}
	s.domainWrites.Lock()
	defer s.domainWrites.Unlock()
	key := domainKey(d.Domain.DomainName)
	if err := s.kv.Delete(ctx, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete domain name: %w", err)
	}
	s.mu.Lock()
	s.revs.Deleted(key)
	delete(s.domains, d.Domain.DomainName)
	s.mu.Unlock()
	return nil
}

// CreateApiMapping maps a path of a custom domain name to a stage.
func (s *Service) CreateApiMapping(ctx context.Context, scope Scope, domainName string, in *ApiMappingInput) (*ApiMapping, error) {
	m := &ApiMapping{ApiMappingId: newID(6)}
	if err := s.applyMapping(ctx, scope, domainName, m, in); err != nil {
		return nil, err
	}
	return m, nil
}

// applyMapping sets in's members on m, checks it and stores it.
func (s *Service) applyMapping(ctx context.Context, scope Scope, domainName string, m *ApiMapping, in *ApiMappingInput) error {
	d, err := s.domain(scope, domainName)
	if err != nil {
		return err
	}
	set(&m.ApiId, in.ApiId)
	set(&m.ApiMappingKey, in.ApiMappingKey)
	set(&m.Stage, in.Stage)
	if !mappingKeyRE.MatchString(m.ApiMappingKey) {
		return badRequest("Invalid API mapping key specified: %s", m.ApiMappingKey)
	}
	rec, _, err := s.load(ctx, scope, m.ApiId)
	if err != nil {
		return err
	}
	if rec.Stages[m.Stage] == nil {
		return badRequest("Invalid stage identifier specified")
	}
	for id, other := range d.Mappings {
		if id != m.ApiMappingId && other.ApiMappingKey == m.ApiMappingKey {
			return awserr.New(ErrConflict, "ApiMapping with key '%s' already exists for domain name %s", m.ApiMappingKey, d.Domain.DomainName)
		}
	}
	c := *m
	d.Mappings[m.ApiMappingId] = &c
	return s.saveDomain(ctx, d, false)
}

// GetApiMapping returns an API mapping.
func (s *Service) GetApiMapping(ctx context.Context, scope Scope, domainName, id string) (*ApiMapping, error) {
	d, err := s.domain(scope, domainName)
	if err != nil {
		return nil, err
	}
	m := d.Mappings[id]
	if m == nil {
		return nil, notFound("Invalid API mapping identifier specified %s", id)
	}
	return m, nil
}

// GetApiMappings lists a custom domain name's API mappings.
func (s *Service) GetApiMappings(ctx context.Context, scope Scope, domainName string, p Page) (*List[ApiMapping], error) {
	d, err := s.domain(scope, domainName)
	if err != nil {
		return nil, err
	}
	return page(values(d.Mappings), p, func(m *ApiMapping) string { return m.ApiMappingKey + "\x00" + m.ApiMappingId })
}

// UpdateApiMapping changes an API mapping.
func (s *Service) UpdateApiMapping(ctx context.Context, scope Scope, domainName, id string, in *ApiMappingInput) (*ApiMapping, error) {
	m, err := s.GetApiMapping(ctx, scope, domainName, id)
	if err != nil {
		return nil, err
	}
	if err := s.applyMapping(ctx, scope, domainName, m, in); err != nil {
		return nil, err
	}
	return m, nil
}

// DeleteApiMapping deletes an API mapping.
func (s *Service) DeleteApiMapping(ctx context.Context, scope Scope, domainName, id string) error {
	d, err := s.domain(scope, domainName)
	if err != nil {
		return err
	}
	if d.Mappings[id] == nil {
		return notFound("Invalid API mapping identifier specified %s", id)
	}
	delete(d.Mappings, id)
	return s.saveDomain(ctx, d, false)
}

// unmapApi deletes the API mappings to an API's stage (every stage when
// stage is "").
func (s *Service) unmapApi(ctx context.Context, scope Scope, apiID, stage string) error {
	s.mu.Lock()
	var names []string
	for name, d := range s.domains {
		if d.Region == scope.Region {
			names = append(names, name)
		}
	}
	s.mu.Unlock()
	for _, name := range names {
		d, err := s.domain(scope, name)
		if err != nil {
			continue
		}
		changed := false
		for id, m := range d.Mappings {
			if m.ApiId == apiID && (stage == "" || m.Stage == stage) {
				delete(d.Mappings, id)
				changed = true
			}
		}
		if changed {
			if err := s.saveDomain(ctx, d, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// IsDomain reports whether host (lower-case, without port) is a custom
// domain name.
func (s *Service) IsDomain(host string) bool {
	s.mu.Lock()
	_, ok := s.domains[host]
	s.mu.Unlock()
	return ok
}

// Mapped finds where a request to a custom domain name goes: the API
// mapping whose key is the longest prefix of the path (segment-wise), and
// the path without that key.
func (s *Service) Mapped(host, path string) (region string, m *ApiMapping, rest string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.domains[host]
	if d == nil {
		return "", nil, "", false
	}
	var best *ApiMapping
	for _, cand := range d.Mappings {
		k := cand.ApiMappingKey
		if k != "" && path != "/"+k && !strings.HasPrefix(path, "/"+k+"/") {
			continue
		}
		if best == nil || len(k) > len(best.ApiMappingKey) {
			best = cand
		}
	}
	if best == nil {
		return "", nil, "", false
	}
	rest = path
	if best.ApiMappingKey != "" {
		rest = strings.TrimPrefix(path, "/"+best.ApiMappingKey)
		if rest == "" {
			rest = "/"
		}
	}
	c := *best
	return d.Region, &c, rest, true
}

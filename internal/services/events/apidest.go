package events

import (
	"context"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
)

// The bounds of an API destination's rate.
const (
	maxRate     = 300
	defaultRate = 300
)

var httpMethods = []string{"HEAD", "POST", "PATCH", "DELETE", "PUT", "GET", "OPTIONS"}

// apiDestination is an HTTP endpoint events are sent to through a
// connection, at most RateLimit a second.
type apiDestination struct {
	Region        string    `json:"region"`
	Name          string    `json:"name"`
	ID            string    `json:"id"`
	Description   string    `json:"description,omitempty"`
	ConnectionArn string    `json:"connection"`
	Endpoint      string    `json:"endpoint"`
	HttpMethod    string    `json:"method"`
	RateLimit     int32     `json:"rate"`
	Created       time.Time `json:"created"`
	Modified      time.Time `json:"modified"`
}

// DestinationInfo is an API destination as DescribeApiDestination shows
// it.
type DestinationInfo struct {
	ApiDestinationArn, Name, Description, ApiDestinationState, ConnectionArn, InvocationEndpoint, HttpMethod string
	InvocationRateLimitPerSecond                                                                             int32
	CreationTime, LastModifiedTime                                                                           time.Time
}

// DestinationARN is an API destination's ARN.
func (s *Service) DestinationARN(d *apiDestination) string {
	return arn.New("events", d.Region, s.opts.Account, "api-destination/"+d.Name+"/"+d.ID).String()
}

// destinationInfoLocked describes a destination: ACTIVE once its connection
// is authorized.
func (s *Service) destinationInfoLocked(d *apiDestination) DestinationInfo {
	state := "INACTIVE"
	if c := s.connectionByARNLocked(d.ConnectionArn); c != nil && c.State == connAuthorized {
		state = "ACTIVE"
	}
	return DestinationInfo{ApiDestinationArn: s.DestinationARN(d), Name: d.Name, Description: d.Description, ApiDestinationState: state,
		ConnectionArn: d.ConnectionArn, InvocationEndpoint: d.Endpoint, HttpMethod: d.HttpMethod, InvocationRateLimitPerSecond: d.RateLimit,
		CreationTime: d.Created, LastModifiedTime: d.Modified}
}

// DestinationInput is CreateApiDestination's and UpdateApiDestination's
// request.
type DestinationInput struct {
	Name, Description, ConnectionArn, InvocationEndpoint, HttpMethod string
	InvocationRateLimitPerSecond                                     *int32
}

func (in *DestinationInput) check(create bool) error {
	var c constraints
	c.name(in.Name, "name", 64, namePattern, true)
	if in.ConnectionArn != "" && !matchPattern(connectionPattern, in.ConnectionArn) {
		c.add(in.ConnectionArn, "connectionArn", "Member must satisfy regular expression pattern: "+connectionPattern)
	} else if in.ConnectionArn == "" && create {
		c.add(nil, "connectionArn", "Member must not be null")
	}
	if in.HttpMethod != "" && !slices.Contains(httpMethods, in.HttpMethod) {
		c.add(in.HttpMethod, "httpMethod", "Member must satisfy enum value set: [HEAD, POST, PATCH, DELETE, PUT, GET, OPTIONS]")
	} else if in.HttpMethod == "" && create {
		c.add(nil, "httpMethod", "Member must not be null")
	}
	if in.InvocationEndpoint == "" && create {
		c.add(nil, "invocationEndpoint", "Member must not be null")
	}
	if r := in.InvocationRateLimitPerSecond; r != nil && *r < 1 {
		c.add(*r, "invocationRateLimitPerSecond", "Member must have value greater than or equal to 1")
	}
	if err := c.err(); err != nil {
		return err
	}
	if r := in.InvocationRateLimitPerSecond; r != nil && *r > maxRate {
		return validation("Invocation rate limit per second must be at most %d.", maxRate)
	}
	if in.InvocationEndpoint != "" {
		return checkEndpoint(in.InvocationEndpoint, "invocationEndpoint")
	}
	return nil
}

// checkEndpoint refuses an endpoint that is not HTTPS. Plain HTTP is let
// through to loopback addresses, where nubo's own tests and local services
// listen.
func checkEndpoint(endpoint, member string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		var c constraints
		c.add(endpoint, member, "Member must be a valid URL")
		return c.err()
	}
	if u.Scheme == "https" {
		return nil
	}
	if ip := net.ParseIP(u.Hostname()); u.Scheme == "http" && (u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()) {
		return nil
	}
	return validation("Invalid endpoint %s: only HTTPS endpoints are supported.", endpoint)
}

// CreateApiDestination creates an API destination.
func (s *Service) CreateApiDestination(ctx context.Context, region string, in DestinationInput) (DestinationInfo, error) {
	if err := in.check(true); err != nil {
		return DestinationInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connectionByARNLocked(in.ConnectionArn) == nil {
		_, id := mustARN(in.ConnectionArn).ResourceType()
		name, _, _ := strings.Cut(id, "/")
		return DestinationInfo{}, connectionNotFound(name)
	}
	if s.dests[regionKey(region, in.Name)] != nil {
		return DestinationInfo{}, awserr.New(ErrResourceAlreadyExists, "An api-destination '%s' already exists.", in.Name)
	}
	now := s.now()
	d := &apiDestination{Region: region, Name: in.Name, ID: uuid.NewString(), Description: in.Description, ConnectionArn: in.ConnectionArn,
		Endpoint: in.InvocationEndpoint, HttpMethod: in.HttpMethod, RateLimit: defaultRate, Created: now, Modified: now}
	if in.InvocationRateLimitPerSecond != nil {
		d.RateLimit = *in.InvocationRateLimitPerSecond
	}
	if err := s.saveDestLocked(ctx, d); err != nil {
		return DestinationInfo{}, err
	}
	return s.destinationInfoLocked(d), nil
}

func mustARN(s string) arn.ARN {
	a, _ := arn.Parse(s)
	return a
}

func (s *Service) saveDestLocked(ctx context.Context, d *apiDestination) error {
	if err := s.put(ctx, destKey(d.Region, d.Name), d); err != nil {
		return err
	}
	s.dests[regionKey(d.Region, d.Name)] = d
	return nil
}

func destinationNotFound(name string) error {
	return awserr.New(ErrResourceNotFound, "Failed to describe the api-destination(s). An api-destination '%s' does not exist.", name)
}

// DescribeApiDestination describes an API destination.
func (s *Service) DescribeApiDestination(ctx context.Context, region, name string) (DestinationInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := s.dests[regionKey(region, name)]
	if d == nil {
		return DestinationInfo{}, destinationNotFound(name)
	}
	return s.destinationInfoLocked(d), nil
}

// UpdateApiDestination changes an API destination.
func (s *Service) UpdateApiDestination(ctx context.Context, region string, in DestinationInput) (DestinationInfo, error) {
	if err := in.check(false); err != nil {
		return DestinationInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.dests[regionKey(region, in.Name)]
	if old == nil {
		return DestinationInfo{}, destinationNotFound(in.Name)
	}
	next := *old
	if in.ConnectionArn != "" {
		if s.connectionByARNLocked(in.ConnectionArn) == nil {
			return DestinationInfo{}, connectionNotFound(in.ConnectionArn)
		}
		next.ConnectionArn = in.ConnectionArn
	}
	for _, f := range []struct{ to, from *string }{{&next.Description, &in.Description}, {&next.Endpoint, &in.InvocationEndpoint}, {&next.HttpMethod, &in.HttpMethod}} {
		if *f.from != "" {
			*f.to = *f.from
		}
	}
	if in.InvocationRateLimitPerSecond != nil {
		next.RateLimit = *in.InvocationRateLimitPerSecond
	}
	next.Modified = s.now()
	if err := s.saveDestLocked(ctx, &next); err != nil {
		return DestinationInfo{}, err
	}
	return s.destinationInfoLocked(&next), nil
}

// DeleteApiDestination deletes an API destination.
func (s *Service) DeleteApiDestination(ctx context.Context, region, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dests[regionKey(region, name)] == nil {
		return destinationNotFound(name)
	}
	if err := s.del(ctx, destKey(region, name)); err != nil {
		return err
	}
	delete(s.dests, regionKey(region, name))
	return nil
}

// ListApiDestinations lists a region's API destinations.
func (s *Service) ListApiDestinations(ctx context.Context, region, prefix, connectionARN, token string, limit *int32) ([]DestinationInfo, string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	for _, d := range s.dests {
		if d.Region == region && strings.HasPrefix(d.Name, prefix) && (connectionARN == "" || d.ConnectionArn == connectionARN) {
			names = append(names, d.Name)
		}
	}
	names, next, err := page(names, token, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]DestinationInfo, 0, len(names))
	for _, n := range names {
		out = append(out, s.destinationInfoLocked(s.dests[regionKey(region, n)]))
	}
	return out, next, nil
}

// destinationByARNLocked finds an API destination and its connection.
func (s *Service) destinationByARNLocked(destARN string) (*apiDestination, *connection) {
	a, err := arn.Parse(destARN)
	if err != nil {
		return nil, nil
	}
	_, id := a.ResourceType()
	name, _, _ := strings.Cut(id, "/")
	d := s.dests[regionKey(a.Region, name)]
	if d == nil || s.DestinationARN(d) != destARN {
		return nil, nil
	}
	return d, s.connectionByARNLocked(d.ConnectionArn)
}

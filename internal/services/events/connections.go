package events

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nubo-dev/nubo/internal/arn"
	"github.com/nubo-dev/nubo/internal/awserr"
)

// The states of a connection.
const (
	connAuthorized   = "AUTHORIZED"
	connAuthorizing  = "AUTHORIZING"
	connDeauthorized = "DEAUTHORIZED"
	connDeleting     = "DELETING"
)

// AuthParameters are a connection's credentials and the parameters every
// request through it carries, as CreateConnection takes them.
type AuthParameters struct {
	BasicAuthParameters      *BasicAuth      `json:"BasicAuthParameters,omitempty"`
	OAuthParameters          *OAuth          `json:"OAuthParameters,omitempty"`
	ApiKeyAuthParameters     *APIKeyAuth     `json:"ApiKeyAuthParameters,omitempty"`
	InvocationHttpParameters *HTTPParameters `json:"InvocationHttpParameters,omitempty"`
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username string `json:"Username"`
	Password string `json:"Password,omitempty"`
}

// APIKeyAuth is an API key sent as a header.
type APIKeyAuth struct {
	ApiKeyName  string `json:"ApiKeyName"`
	ApiKeyValue string `json:"ApiKeyValue,omitempty"`
}

// OAuth is the OAuth 2.0 client credentials grant: a token is requested
// from AuthorizationEndpoint and sent as a bearer token.
type OAuth struct {
	AuthorizationEndpoint string          `json:"AuthorizationEndpoint"`
	HttpMethod            string          `json:"HttpMethod"`
	ClientParameters      *OAuthClient    `json:"ClientParameters,omitempty"`
	OAuthHttpParameters   *HTTPParameters `json:"OAuthHttpParameters,omitempty"`
}

// OAuthClient is the client's id and secret.
type OAuthClient struct {
	ClientID     string `json:"ClientID"`
	ClientSecret string `json:"ClientSecret,omitempty"`
}

// HTTPParameters are headers, query string and body parameters.
type HTTPParameters struct {
	HeaderParameters      []Parameter `json:"HeaderParameters,omitempty"`
	QueryStringParameters []Parameter `json:"QueryStringParameters,omitempty"`
	BodyParameters        []Parameter `json:"BodyParameters,omitempty"`
}

// Parameter is one of them; a secret one's value is never shown.
type Parameter struct {
	Key           string `json:"Key"`
	Value         string `json:"Value,omitempty"`
	IsValueSecret bool   `json:"IsValueSecret,omitempty"`
}

// redacted is what DescribeConnection shows: no secrets.
func (a AuthParameters) redacted() AuthParameters {
	out := a
	if b := a.BasicAuthParameters; b != nil {
		out.BasicAuthParameters = &BasicAuth{Username: b.Username}
	}
	if k := a.ApiKeyAuthParameters; k != nil {
		out.ApiKeyAuthParameters = &APIKeyAuth{ApiKeyName: k.ApiKeyName}
	}
	if o := a.OAuthParameters; o != nil {
		c := *o
		if o.ClientParameters != nil {
			c.ClientParameters = &OAuthClient{ClientID: o.ClientParameters.ClientID}
		}
		c.OAuthHttpParameters = o.OAuthHttpParameters.redacted()
		out.OAuthParameters = &c
	}
	out.InvocationHttpParameters = a.InvocationHttpParameters.redacted()
	return out
}

func (p *HTTPParameters) redacted() *HTTPParameters {
	if p == nil {
		return nil
	}
	hide := func(ps []Parameter) []Parameter {
		out := slices.Clone(ps)
		for i := range out {
			if out[i].IsValueSecret {
				out[i].Value = ""
			}
		}
		return out
	}
	return &HTTPParameters{HeaderParameters: hide(p.HeaderParameters), QueryStringParameters: hide(p.QueryStringParameters), BodyParameters: hide(p.BodyParameters)}
}

// connection is a connection as stored, secrets included (in the
// metadata bucket: nubo has no secrets manager).
type connection struct {
	Region            string         `json:"region"`
	Name              string         `json:"name"`
	ID                string         `json:"id"`
	Description       string         `json:"description,omitempty"`
	AuthorizationType string         `json:"type"`
	Auth              AuthParameters `json:"auth"`
	State             string         `json:"state"`
	Created           time.Time      `json:"created"`
	Modified          time.Time      `json:"modified"`
	Authorized        time.Time      `json:"authorized,omitzero"`
}

// ConnectionInfo is a connection as DescribeConnection shows it.
type ConnectionInfo struct {
	ConnectionArn, Name, Description, ConnectionState, AuthorizationType, SecretArn string
	AuthParameters                                                                  AuthParameters
	CreationTime, LastModifiedTime, LastAuthorizedTime                              time.Time
}

// ConnectionARN is a connection's ARN.
func (s *Service) ConnectionARN(c *connection) string {
	return arn.New("events", c.Region, s.opts.Account, "connection/"+c.Name+"/"+c.ID).String()
}

func (s *Service) connectionInfo(c *connection) ConnectionInfo {
	return ConnectionInfo{ConnectionArn: s.ConnectionARN(c), Name: c.Name, Description: c.Description, ConnectionState: c.State,
		AuthorizationType: c.AuthorizationType, AuthParameters: c.Auth.redacted(),
		SecretArn:    arn.New("secretsmanager", c.Region, s.opts.Account, "secret:events!connection/"+c.Name+"/"+c.ID).String(),
		CreationTime: c.Created, LastModifiedTime: c.Modified, LastAuthorizedTime: c.Authorized}
}

// ConnectionInput is CreateConnection's and UpdateConnection's request.
type ConnectionInput struct {
	Name, Description, AuthorizationType string
	AuthParameters                       *AuthParameters
}

var authTypes = []string{"BASIC", "OAUTH_CLIENT_CREDENTIALS", "API_KEY"}

// check checks a connection's name, type and the credentials its type
// needs.
func (in *ConnectionInput) check(create bool) error {
	var c constraints
	c.name(in.Name, "name", 64, namePattern, true)
	if in.AuthorizationType == "" && create {
		c.add(nil, "authorizationType", "Member must not be null")
	} else if in.AuthorizationType != "" && !slices.Contains(authTypes, in.AuthorizationType) {
		c.add(in.AuthorizationType, "authorizationType", "Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]")
	}
	if create && in.AuthParameters == nil {
		c.add(nil, "authParameters", "Member must not be null")
	}
	if err := c.err(); err != nil || in.AuthParameters == nil {
		return err
	}
	a := in.AuthParameters
	switch in.AuthorizationType {
	case "BASIC":
		if a.BasicAuthParameters == nil {
			return validation("BasicAuthParameters must be specified for authorization type BASIC.")
		}
	case "API_KEY":
		if a.ApiKeyAuthParameters == nil {
			return validation("ApiKeyAuthParameters must be specified for authorization type API_KEY.")
		}
	case "OAUTH_CLIENT_CREDENTIALS":
		if a.OAuthParameters == nil || a.OAuthParameters.ClientParameters == nil || a.OAuthParameters.AuthorizationEndpoint == "" {
			return validation("OAuthParameters with ClientParameters and AuthorizationEndpoint must be specified for authorization type OAUTH_CLIENT_CREDENTIALS.")
		}
		if err := checkEndpoint(a.OAuthParameters.AuthorizationEndpoint, "authParameters.oAuthParameters.authorizationEndpoint"); err != nil {
			return err
		}
	}
	return nil
}

func initialState(authType string) string {
	if authType == "OAUTH_CLIENT_CREDENTIALS" {
		return connAuthorizing // until its first token is obtained
	}
	return connAuthorized
}

// CreateConnection creates a connection.
func (s *Service) CreateConnection(ctx context.Context, region string, in ConnectionInput) (ConnectionInfo, error) {
	if err := in.check(true); err != nil {
		return ConnectionInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[regionKey(region, in.Name)] != nil {
		return ConnectionInfo{}, awserr.New(ErrResourceAlreadyExists, "Connection %s already exists.", in.Name)
	}
	now := s.now()
	c := &connection{Region: region, Name: in.Name, ID: uuid.NewString(), Description: in.Description, AuthorizationType: in.AuthorizationType,
		Auth: *in.AuthParameters, State: initialState(in.AuthorizationType), Created: now, Modified: now}
	if c.State == connAuthorized {
		c.Authorized = now
	}
	if err := s.saveConnLocked(ctx, c); err != nil {
		return ConnectionInfo{}, err
	}
	return s.connectionInfo(c), nil
}

func (s *Service) saveConnLocked(ctx context.Context, c *connection) error {
	if err := s.put(ctx, connKey(c.Region, c.Name), c); err != nil {
		return err
	}
	s.conns[regionKey(c.Region, c.Name)] = c
	return nil
}

func connectionNotFound(name string) error {
	return awserr.New(ErrResourceNotFound, "Failed to describe the connection(s). Connection '%s' does not exist.", name)
}

// DescribeConnection describes a connection, without its secrets.
func (s *Service) DescribeConnection(ctx context.Context, region, name string) (ConnectionInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.conns[regionKey(region, name)]
	if c == nil {
		return ConnectionInfo{}, connectionNotFound(name)
	}
	return s.connectionInfo(c), nil
}

// UpdateConnection changes a connection's description, type or
// credentials; new credentials need authorizing again.
func (s *Service) UpdateConnection(ctx context.Context, region string, in ConnectionInput) (ConnectionInfo, error) {
	if err := in.check(false); err != nil {
		return ConnectionInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.conns[regionKey(region, in.Name)]
	if old == nil {
		return ConnectionInfo{}, connectionNotFound(in.Name)
	}
	next := *old
	if in.Description != "" {
		next.Description = in.Description
	}
	if in.AuthorizationType != "" {
		next.AuthorizationType = in.AuthorizationType
	}
	if in.AuthParameters != nil {
		next.Auth = *in.AuthParameters
	}
	next.State, next.Modified = initialState(next.AuthorizationType), s.now()
	if next.State == connAuthorized {
		next.Authorized = next.Modified
	}
	s.tokens.forget(s.ConnectionARN(&next))
	if err := s.saveConnLocked(ctx, &next); err != nil {
		return ConnectionInfo{}, err
	}
	return s.connectionInfo(&next), nil
}

// DeauthorizeConnection forgets a connection's credentials.
func (s *Service) DeauthorizeConnection(ctx context.Context, region, name string) (ConnectionInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.conns[regionKey(region, name)]
	if old == nil {
		return ConnectionInfo{}, connectionNotFound(name)
	}
	next := *old
	next.Auth = AuthParameters{InvocationHttpParameters: old.Auth.InvocationHttpParameters}
	next.State, next.Modified = connDeauthorized, s.now()
	s.tokens.forget(s.ConnectionARN(&next))
	if err := s.saveConnLocked(ctx, &next); err != nil {
		return ConnectionInfo{}, err
	}
	return s.connectionInfo(&next), nil
}

// DeleteConnection deletes a connection that no API destination uses.
func (s *Service) DeleteConnection(ctx context.Context, region, name string) (ConnectionInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.conns[regionKey(region, name)]
	if c == nil {
		return ConnectionInfo{}, connectionNotFound(name)
	}
	connARN := s.ConnectionARN(c)
	for _, d := range s.dests {
		if d.ConnectionArn == connARN {
			return ConnectionInfo{}, validation("Connection %s is used by API destination %s.", name, d.Name)
		}
	}
	if err := s.del(ctx, connKey(region, name)); err != nil {
		return ConnectionInfo{}, err
	}
	delete(s.conns, regionKey(region, name))
	s.tokens.forget(connARN)
	out := s.connectionInfo(c)
	out.ConnectionState = connDeleting
	return out, nil
}

// ListConnections lists a region's connections.
func (s *Service) ListConnections(ctx context.Context, region, prefix, state, token string, limit *int32) ([]ConnectionInfo, string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	for _, c := range s.conns {
		if c.Region == region && strings.HasPrefix(c.Name, prefix) && (state == "" || c.State == state) {
			names = append(names, c.Name)
		}
	}
	names, next, err := page(names, token, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]ConnectionInfo, 0, len(names))
	for _, n := range names {
		out = append(out, s.connectionInfo(s.conns[regionKey(region, n)]))
	}
	return out, next, nil
}

// connectionByARN finds a connection.
func (s *Service) connectionByARNLocked(connARN string) *connection {
	a, err := arn.Parse(connARN)
	_, id := a.ResourceType()
	name, _, _ := strings.Cut(id, "/")
	if err != nil {
		return nil
	}
	c := s.conns[regionKey(a.Region, name)]
	if c == nil || s.ConnectionARN(c) != connARN {
		return nil
	}
	return c
}

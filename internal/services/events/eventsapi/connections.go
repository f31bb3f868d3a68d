package eventsapi

import (
	"context"

	"github.com/nubo-dev/nubo/internal/services/events"
	"github.com/nubo-dev/nubo/internal/wire"
)

type connectionInput struct {
	Name              string                 `json:"Name"`
	Description       string                 `json:"Description"`
	AuthorizationType string                 `json:"AuthorizationType"`
	AuthParameters    *events.AuthParameters `json:"AuthParameters"`
}

func (in *connectionInput) domain() events.ConnectionInput {
	return events.ConnectionInput{Name: in.Name, Description: in.Description, AuthorizationType: in.AuthorizationType, AuthParameters: in.AuthParameters}
}

// connection is a connection as the connection operations show it.
type connection struct {
	ConnectionArn      string                 `json:"ConnectionArn"`
	Name               string                 `json:"Name,omitempty"`
	Description        string                 `json:"Description,omitempty"`
	ConnectionState    string                 `json:"ConnectionState"`
	AuthorizationType  string                 `json:"AuthorizationType,omitempty"`
	SecretArn          string                 `json:"SecretArn,omitempty"`
	AuthParameters     *events.AuthParameters `json:"AuthParameters,omitempty"`
	CreationTime       *wire.Timestamp        `json:"CreationTime,omitempty"`
	LastModifiedTime   *wire.Timestamp        `json:"LastModifiedTime,omitempty"`
	LastAuthorizedTime *wire.Timestamp        `json:"LastAuthorizedTime,omitempty"`
}

// connectionOut shows a connection in full (Describe), as List does
// (without its parameters and secret), or as the changing operations
// answer (its ARN, state and times).
func connectionOut(c events.ConnectionInfo, detail int) *connection {
	out := &connection{ConnectionArn: c.ConnectionArn, ConnectionState: c.ConnectionState,
		CreationTime: wire.TimestampOf(c.CreationTime), LastModifiedTime: wire.TimestampOf(c.LastModifiedTime)}
	if detail == 0 {
		return out
	}
	out.Name, out.AuthorizationType, out.LastAuthorizedTime = c.Name, c.AuthorizationType, wire.TimestampOf(c.LastAuthorizedTime)
	if detail == 2 {
		out.Description, out.SecretArn, out.AuthParameters = c.Description, c.SecretArn, &c.AuthParameters
	}
	return out
}

func (h handler) createConnection(ctx context.Context, in *connectionInput) (*connection, error) {
	c, err := h.svc.CreateConnection(ctx, wire.Region(ctx), in.domain())
	if err != nil {
		return nil, err
	}
	return connectionOut(c, 0), nil
}

func (h handler) updateConnection(ctx context.Context, in *connectionInput) (*connection, error) {
	c, err := h.svc.UpdateConnection(ctx, wire.Region(ctx), in.domain())
	if err != nil {
		return nil, err
	}
	return connectionOut(c, 0), nil
}

func (h handler) describeConnection(ctx context.Context, in *connectionInput) (*connection, error) {
	c, err := h.svc.DescribeConnection(ctx, wire.Region(ctx), in.Name)
	if err != nil {
		return nil, err
	}
	return connectionOut(c, 2), nil
}

func (h handler) deauthorizeConnection(ctx context.Context, in *connectionInput) (*connection, error) {
	c, err := h.svc.DeauthorizeConnection(ctx, wire.Region(ctx), in.Name)
	if err != nil {
		return nil, err
	}
	return connectionOut(c, 0), nil
}

func (h handler) deleteConnection(ctx context.Context, in *connectionInput) (*connection, error) {
	c, err := h.svc.DeleteConnection(ctx, wire.Region(ctx), in.Name)
	if err != nil {
		return nil, err
	}
	return connectionOut(c, 0), nil
}

type listConnectionsInput struct {
	NamePrefix      string `json:"NamePrefix"`
	ConnectionState string `json:"ConnectionState"`
	page
}

type listConnectionsOutput struct {
	Connections []*connection `json:"Connections"`
	NextToken   string        `json:"NextToken,omitempty"`
}

func (h handler) listConnections(ctx context.Context, in *listConnectionsInput) (*listConnectionsOutput, error) {
	cs, next, err := h.svc.ListConnections(ctx, wire.Region(ctx), in.NamePrefix, in.ConnectionState, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &listConnectionsOutput{Connections: []*connection{}, NextToken: next}
	for _, c := range cs {
		out.Connections = append(out.Connections, connectionOut(c, 1))
	}
	return out, nil
}

type destinationInput struct {
	Name                         string `json:"Name"`
	Description                  string `json:"Description"`
	ConnectionArn                string `json:"ConnectionArn"`
	InvocationEndpoint           string `json:"InvocationEndpoint"`
	HttpMethod                   string `json:"HttpMethod"`
	InvocationRateLimitPerSecond *int32 `json:"InvocationRateLimitPerSecond"`
}

func (in *destinationInput) domain() events.DestinationInput {
	return events.DestinationInput{Name: in.Name, Description: in.Description, ConnectionArn: in.ConnectionArn,
		InvocationEndpoint: in.InvocationEndpoint, HttpMethod: in.HttpMethod, InvocationRateLimitPerSecond: in.InvocationRateLimitPerSecond}
}

// apiDestination is an API destination as its operations show it.
type apiDestination struct {
	ApiDestinationArn            string          `json:"ApiDestinationArn"`
	Name                         string          `json:"Name,omitempty"`
	Description                  string          `json:"Description,omitempty"`
	ApiDestinationState          string          `json:"ApiDestinationState"`
	ConnectionArn                string          `json:"ConnectionArn,omitempty"`
	InvocationEndpoint           string          `json:"InvocationEndpoint,omitempty"`
	HttpMethod                   string          `json:"HttpMethod,omitempty"`
	InvocationRateLimitPerSecond int32           `json:"InvocationRateLimitPerSecond,omitempty"`
	CreationTime                 *wire.Timestamp `json:"CreationTime,omitempty"`
	LastModifiedTime             *wire.Timestamp `json:"LastModifiedTime,omitempty"`
}

func destinationOut(d events.DestinationInfo, full bool) *apiDestination {
	out := &apiDestination{ApiDestinationArn: d.ApiDestinationArn, ApiDestinationState: d.ApiDestinationState,
		CreationTime: wire.TimestampOf(d.CreationTime), LastModifiedTime: wire.TimestampOf(d.LastModifiedTime)}
	if full {
		out.Name, out.Description, out.ConnectionArn, out.InvocationEndpoint = d.Name, d.Description, d.ConnectionArn, d.InvocationEndpoint
		out.HttpMethod, out.InvocationRateLimitPerSecond = d.HttpMethod, d.InvocationRateLimitPerSecond
	}
	return out
}

func (h handler) createApiDestination(ctx context.Context, in *destinationInput) (*apiDestination, error) {
	d, err := h.svc.CreateApiDestination(ctx, wire.Region(ctx), in.domain())
	if err != nil {
		return nil, err
	}
	return destinationOut(d, false), nil
}

func (h handler) updateApiDestination(ctx context.Context, in *destinationInput) (*apiDestination, error) {
	d, err := h.svc.UpdateApiDestination(ctx, wire.Region(ctx), in.domain())
	if err != nil {
		return nil, err
	}
	return destinationOut(d, false), nil
}

func (h handler) describeApiDestination(ctx context.Context, in *destinationInput) (*apiDestination, error) {
	d, err := h.svc.DescribeApiDestination(ctx, wire.Region(ctx), in.Name)
	if err != nil {
		return nil, err
	}
	return destinationOut(d, true), nil
}

func (h handler) deleteApiDestination(ctx context.Context, in *destinationInput) (*empty, error) {
	return &empty{}, h.svc.DeleteApiDestination(ctx, wire.Region(ctx), in.Name)
}

type listDestinationsInput struct {
	NamePrefix    string `json:"NamePrefix"`
	ConnectionArn string `json:"ConnectionArn"`
	page
}

type listDestinationsOutput struct {
	ApiDestinations []*apiDestination `json:"ApiDestinations"`
	NextToken       string            `json:"NextToken,omitempty"`
}

func (h handler) listApiDestinations(ctx context.Context, in *listDestinationsInput) (*listDestinationsOutput, error) {
	ds, next, err := h.svc.ListApiDestinations(ctx, wire.Region(ctx), in.NamePrefix, in.ConnectionArn, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &listDestinationsOutput{ApiDestinations: []*apiDestination{}, NextToken: next}
	for _, d := range ds {
		o := destinationOut(d, true)
		o.Description = ""
		out.ApiDestinations = append(out.ApiDestinations, o)
	}
	return out, nil
}

package server

import (
	"context"
	"time"

	"github.com/nubo-dev/nubo/internal/invoker"
	"github.com/nubo-dev/nubo/internal/services/apigateway"
	"github.com/nubo-dev/nubo/internal/services/apigateway/gateway"
	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/services/lambda/funcurl"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/wire"
)

// buildAPIGateway builds the HTTP APIs' control plane and their gateway.
func (s *Server) buildAPIGateway(ctx context.Context, inv *invoker.Invoker) (*apigateway.Service, *gateway.Gateway, error) {
	kv, err := s.store.KV(ctx, "apigateway")
	if err != nil {
		return nil, nil, err
	}
	apis, err := apigateway.New(ctx, kv, apigateway.Options{Account: s.cfg.Account, Clustered: s.cluster != nil, PublicDomain: s.cfg.PublicDomain, Logger: s.log})
	if err != nil {
		return nil, nil, err
	}
	var ident gateway.IAM // without verification: any request signed for execute-api, any function
	if s.verifies() {
		ident = frontDoorIdentity{s}
	}
	gw := gateway.New(apis, inv, s.logs, s.obs, ident, gateway.Options{Account: s.cfg.Account, Region: s.cfg.Region,
		PublicDomain: s.cfg.PublicDomain, Logger: s.log})
	if s.cluster != nil {
		s.runners = append(s.runners, follow(func(ctx context.Context) error { return apis.Follow(ctx, kv.(store.Watchable)) }))
	}
	return apis, gw, nil
}

// frontDoors routes function URLs and HTTP APIs, by host and by path:
// function URLs' and APIs' own hosts first, then custom domain names.
func (s *Server) frontDoors(router *wire.Router, gw *gateway.Gateway) {
	for _, p := range s.urls.HostPatterns() {
		router.HandleHost(p, s.urls)
	}
	for _, p := range gw.HostPatterns() {
		router.HandleHost(p, gw)
	}
	router.HandleHostFunc(gw.IsDomain, gw)
	// Function URLs and APIs are data planes that authenticate as their
	// auth types say.
	router.HandlePath(funcurl.PathPrefix, s.urls.PathHandler(), wire.PathAccess{Public: true})
	router.HandlePath(gateway.PathPrefix, gw.PathHandler(), wire.PathAccess{Public: true})
}

// Served counts a request an HTTP API served: its AWS/ApiGateway metrics
// (per API and per stage) and its line on the bill.
func (o *observability) Served(r gateway.Record) {
	api := []cloudwatch.Dimension{{Name: "ApiId", Value: r.ApiID}}
	stage := []cloudwatch.Dimension{api[0], {Name: "Stage", Value: r.Stage}}
	values := []struct {
		name  string
		value float64
		ok    bool
	}{
		{cloudwatch.Count, 1, true},
		{cloudwatch.ClientErrors, boolValue(r.Status >= 400 && r.Status < 500), true},
		{cloudwatch.ServerErrors, boolValue(r.Status >= 500), true},
		{cloudwatch.Latency, float64(r.Latency) / float64(time.Millisecond), true},
		{cloudwatch.IntegrationLatency, float64(r.Integration) / float64(time.Millisecond), r.Integrated},
	}
	for _, v := range values {
		if v.ok {
			o.metrics.Put(cloudwatch.NamespaceAPIGateway, v.name, r.Region, api, v.value)
			o.metrics.Put(cloudwatch.NamespaceAPIGateway, v.name, r.Region, stage, v.value)
		}
	}
	o.meter.AddAPIRequest(r.Time, r.Region, r.ApiID)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

package server

import (
	"context"
	"time"

	"github.com/nubo-dev/nubo/internal/invoker"
	"github.com/nubo-dev/nubo/internal/services/apigateway"
	"github.com/nubo-dev/nubo/internal/services/apigateway/gateway"
	"github.com/nubo-dev/nubo/internal/services/cloudwatch"
	"github.com/nubo-dev/nubo/internal/services/lambda/funcurl"
	"github.com/nubo-dev/nubo/internal/wire"
)

// buildAPIGateway builds the HTTP APIs' control plane and their gateway.
func (s *Server) buildAPIGateway(ctx context.Context, inv *invoker.Invoker) (*apigateway.Service, *gateway.Gateway, error) {
	kv, err := s.store.KV(ctx, "apigateway")
	if err != nil {
		return nil, nil, err
	}
	apis, err := apigateway.New(ctx, kv, apigateway.Options{Account: s.cfg.Account, PublicDomain: s.cfg.PublicDomain, Logger: s.log})
	if err != nil {
		return nil, nil, err
	}
	gw := gateway.New(apis, inv, s.logs, s.obs, nil, gateway.Options{Account: s.cfg.Account, Region: s.cfg.Region,
		PublicDomain: s.cfg.PublicDomain, Logger: s.log})
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
	router.HandlePath(funcurl.PathPrefix, s.urls.PathHandler())
	router.HandlePath(gateway.PathPrefix, gw.PathHandler())
}

// Served counts a request an HTTP API served: its AWS/ApiGateway metrics
// and its line on the bill.
func (o *observability) Served(r gateway.Record) {
	m := o.metrics
	m.RecordAPI(cloudwatch.Count, r.Region, r.ApiID, r.Stage, 1)
	m.RecordAPI(cloudwatch.ClientErrors, r.Region, r.ApiID, r.Stage, boolValue(r.Status >= 400 && r.Status < 500))
	m.RecordAPI(cloudwatch.ServerErrors, r.Region, r.ApiID, r.Stage, boolValue(r.Status >= 500))
	m.RecordAPI(cloudwatch.Latency, r.Region, r.ApiID, r.Stage, float64(r.Latency)/float64(time.Millisecond))
	if r.Integrated {
		m.RecordAPI(cloudwatch.IntegrationLatency, r.Region, r.ApiID, r.Stage, float64(r.Integration)/float64(time.Millisecond))
	}
	o.meter.AddAPIRequest(r.Time, r.Region, r.ApiID)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

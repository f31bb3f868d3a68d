package server

import (
	"cmp"
	"net/http"

	"github.com/nubo-dev/nubo/internal/code"
	"github.com/nubo-dev/nubo/internal/console"
	"github.com/nubo-dev/nubo/internal/iam/iamapi"
	"github.com/nubo-dev/nubo/internal/invoker"
	"github.com/nubo-dev/nubo/internal/services/apigateway"
	"github.com/nubo-dev/nubo/internal/services/apigateway/apigatewayapi"
	"github.com/nubo-dev/nubo/internal/services/apigateway/gateway"
	"github.com/nubo-dev/nubo/internal/services/cloudwatch/cloudwatchapi"
	"github.com/nubo-dev/nubo/internal/services/dynamodb/dynamodbapi"
	"github.com/nubo-dev/nubo/internal/services/events/eventsapi"
	"github.com/nubo-dev/nubo/internal/services/lambda/lambdaapi"
	"github.com/nubo-dev/nubo/internal/services/logs"
	"github.com/nubo-dev/nubo/internal/services/logs/logsapi"
	"github.com/nubo-dev/nubo/internal/services/scheduler/schedulerapi"
	"github.com/nubo-dev/nubo/internal/services/sfn/sfnapi"
	"github.com/nubo-dev/nubo/internal/services/sns"
	"github.com/nubo-dev/nubo/internal/services/sns/snsapi"
	"github.com/nubo-dev/nubo/internal/services/sqs/sqsapi"
	"github.com/nubo-dev/nubo/internal/wire"
)

// serve builds the one port: the router, guarded, with the front doors,
// nubo's own paths and every service.
func (s *Server) serve(packages *code.Packages, inv *invoker.Invoker, apis *apigateway.Service, gw *gateway.Gateway, objectStorage *wire.Service) {
	router := wire.NewRouter(s.cfg.Region, s.log)
	router.Guard(wire.Guard{Authority: s.iam, Verify: s.verifies(), Root: s.iam.Root(s.cfg.Account), Hosts: s.hosts(),
		BodyIdleTimeout: s.cfg.BodyIdleTimeout})
	s.frontDoors(router, gw)
	links := lambdaapi.Links{MAC: func(msg []byte) []byte { return s.iam.MAC("code-link", msg) }}
	router.HandlePath(lambdaapi.CodePath, lambdaapi.CodeHandler(packages, links), wire.PathAccess{Public: true})
	router.HandlePath(logs.Path, s.logs.Handler(), wire.PathAccess{Action: "logs:FilterLogEvents", Resource: s.logGroupOf})
	router.HandlePath(sns.CertPath, snsapi.CertificateHandler(s.sns), wire.PathAccess{Public: true})
	// Before ClusterPath, whose prefix it has.
	router.HandlePath(ClusterForgetPath, s.clusterForgetHandler(), wire.PathAccess{Action: "nubo:ForgetClusterNode"})
	router.HandlePath(ClusterPath, s.clusterHandler(), wire.PathAccess{Action: "cloudwatch:GetMetricData", Loopback: true})
	s.observabilityPaths(router)
	// The services nubo serves, one per AWS signing name.
	s.services = []*wire.Service{
		lambdaapi.New(s.control, inv, s.async, s.esm, s.urls, s.cfg.Account, links, s.log),
		sqsapi.New(s.sqs, s.log),
		snsapi.New(s.sns, s.log),
		logsapi.New(s.logs, s.cfg.Account, s.log),
		cloudwatchapi.New(s.obs.metrics, s.cfg.Account, s.log),
		dynamodbapi.New(s.dynamodb, s.cfg.Account, s.obs.metrics, s.log),
		eventsapi.New(s.events, s.log),
		schedulerapi.New(s.scheduler, s.log),
		apigatewayapi.New(apis, s.cfg.Account, s.log),
		objectStorage,
		sfnapi.New(s.sfn, s.cfg.Account, s.log),
		iamapi.New(s.iam, s.log),
		iamapi.NewSTS(s.iam, s.log),
	}
	var served []string
	for _, svc := range s.services {
		router.Handle(svc)
		served = append(served, svc.Name)
	}
	// The console is static files; what it shows comes through the APIs,
	// signed by whoever signs in.
	router.HandlePath(console.Path, console.Handler(console.Options{Services: served, Region: s.cfg.Region, Open: !s.verifies()}), wire.PathAccess{Public: true})
	s.identity.router, s.router = router, router
	s.http = &http.Server{Handler: console.Root(router, s.hosts()), ReadHeaderTimeout: cmp.Or(s.cfg.HeaderTimeout, DefaultHeaderTimeout), IdleTimeout: IdleTimeout}
}

// logGroupOf is the log group /_nubo/logs reads, as IAM names it.
func (s *Server) logGroupOf(r *http.Request) string {
	return "arn:aws:logs:" + wire.Region(r.Context()) + ":" + s.cfg.Account + ":log-group:" + r.URL.Query().Get("group")
}

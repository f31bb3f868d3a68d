// Package apigateway is API Gateway's HTTP APIs (apigatewayv2): APIs,
// routes, integrations, authorizers, stages, deployments, custom domain
// names and API mappings, kept durably in a store.KV, and the views of
// them that the gateway (apigateway/gateway) serves requests from: a
// stage's routes as AWS matches them, its settings and its integrations.
package apigateway

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/readcache"
)

// The error codes of apigatewayv2, each with its status.
var (
	ErrNotFound        = &awserr.Code{Name: "NotFoundException", Status: http.StatusNotFound}
	ErrBadRequest      = &awserr.Code{Name: "BadRequestException", Status: http.StatusBadRequest}
	ErrConflict        = &awserr.Code{Name: "ConflictException", Status: http.StatusConflict}
	ErrTooManyRequests = &awserr.Code{Name: "TooManyRequestsException", Status: http.StatusTooManyRequests}
)

func badRequest(format string, args ...any) error {
	return awserr.New(ErrBadRequest, format, args...)
}

func notFound(format string, args ...any) error {
	return awserr.New(ErrNotFound, format, args...)
}

// Scope is the account and region a request acts in.
type Scope struct {
	Account string
	Region  string
}

// Options configures a Service.
type Options struct {
	Account string
	// Clustered marks a node of a cluster, whose Follow will run: until
	// it does, a call waits for it (Sync).
	Clustered bool
	// PublicDomain, when set, is the domain operators point at nubo:
	// APIs are <api-id>.execute-api.<region>.<domain>. Else they are
	// <api-id>.execute-api.<region>.localhost on the port the API was
	// reached on.
	PublicDomain string
	Logger       *slog.Logger
	Now          func() time.Time
}

// Service keeps HTTP APIs and custom domain names.
type Service struct {
	kv   store.KV
	opts Options
	log  *slog.Logger

	// domainWrites orders the writes of custom domain names with Follow's
	// changes of them, for revs.
	domainWrites sync.Mutex
	revs         store.Revisions

	cache readcache.Cache[*apiViews] // region/api -> its deployed stages, dropped around every write of kv

	mu      sync.Mutex
	domains map[string]*domainRec // custom domain names, all of them, by name
	onReset func(region, apiID, stage string)
}

// apiRecord is what the store holds for an API: the API and everything in
// it but its deployments' snapshots.
type apiRecord struct {
	Region       string                  `json:"region"`
	Api          Api                     `json:"api"`
	Routes       map[string]*Route       `json:"routes,omitempty"`
	Integrations map[string]*Integration `json:"integrations,omitempty"`
	Authorizers  map[string]*Authorizer  `json:"authorizers,omitempty"`
	Stages       map[string]*Stage       `json:"stages,omitempty"`
	Deployments  map[string]*Deployment  `json:"deployments,omitempty"`
}

// snapshot is what a deployment froze.
type snapshot struct {
	Routes       map[string]*Route       `json:"routes,omitempty"`
	Integrations map[string]*Integration `json:"integrations,omitempty"`
	Authorizers  map[string]*Authorizer  `json:"authorizers,omitempty"`
	Cors         *Cors                   `json:"cors,omitempty"`
}

func (r *apiRecord) snapshot() *snapshot {
	return &snapshot{Routes: r.Routes, Integrations: r.Integrations, Authorizers: r.Authorizers, Cors: r.Api.CorsConfiguration}
}

func apiKey(region, id string) string             { return store.Key("api", region, id) }
func deploymentKey(region, api, id string) string { return store.Key("dep", region, api, id) }
func domainKey(name string) string                { return store.Key("domain", name) }

// whereKey indexes an API's region by its id.
func whereKey(id string) string { return store.Key("where", id) }

// New returns the HTTP APIs kept in kv.
func New(ctx context.Context, kv store.KV, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{opts: opts, log: opts.Logger, domains: map[string]*domainRec{}}
	s.kv = s.cache.Track(kv)
	if err := s.loadDomains(ctx); err != nil {
		return nil, err
	}
	if opts.Clustered {
		s.revs.Expect()
	}
	return s, nil
}

func (s *Service) now() string { return s.opts.Now().UTC().Format("2006-01-02T15:04:05Z") }

// load reads an API's record and the revision that wrote it.
func (s *Service) load(ctx context.Context, scope Scope, apiID string) (*apiRecord, uint64, error) {
	e, err := s.kv.Get(ctx, apiKey(scope.Region, apiID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, notFound("Invalid API identifier specified %s:%s", scope.Account, apiID)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load api %s: %w", apiID, err)
	}
	var rec apiRecord
	if err := json.Unmarshal(e.Value, &rec); err != nil {
		return nil, 0, fmt.Errorf("decode api %s: %w", apiID, err)
	}
	return &rec, e.Revision, nil
}

// modify applies fn to an API's record and stores it, retrying when
// another writer got there first.
func (s *Service) modify(ctx context.Context, scope Scope, apiID string, fn func(*apiRecord) error) (*apiRecord, error) {
	for {
		rec, rev, err := s.load(ctx, scope, apiID)
		if err != nil {
			return nil, err
		}
		if err := fn(rec); err != nil {
			return nil, err
		}
		data, err := json.Marshal(rec)
		if err != nil {
			return nil, err
		}
		if _, err := s.kv.Update(ctx, apiKey(scope.Region, apiID), data, rev); errors.Is(err, store.ErrRevision) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("store api %s: %w", apiID, err)
		}
		return rec, nil
	}
}

// newID is an id of n lower-case letters and digits, as AWS makes them.
func newID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// page sorts items by key and returns those after the page's token.
func page[T any](items []*T, p Page, key func(*T) string) (*List[T], error) {
	sort.Slice(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	size := len(items)
	if p.MaxResults != "" {
		n, err := strconv.Atoi(p.MaxResults)
		if err != nil || n < 1 {
			return nil, badRequest("Invalid maxResults: %s", p.MaxResults)
		}
		size = n
	}
	start := 0
	if p.NextToken != "" {
		n, err := strconv.Atoi(p.NextToken)
		if err != nil || n < 0 || n > len(items) {
			return nil, badRequest("Invalid pagination token: %s", p.NextToken)
		}
		start = n
	}
	end := min(start+size, len(items))
	out := &List[T]{Items: items[start:end]}
	if out.Items == nil {
		out.Items = []*T{}
	}
	if end < len(items) {
		out.NextToken = strconv.Itoa(end)
	}
	return out, nil
}

func values[T any](m map[string]*T) []*T {
	out := make([]*T, 0, len(m))
	for _, v := range m {
		c := *v
		out = append(out, &c)
	}
	return out
}

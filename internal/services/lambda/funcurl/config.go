// Package funcurl is Lambda function URLs: their configurations
// (Create/Get/Update/Delete/ListFunctionUrlConfigs), kept durably in a
// store.KV, and the HTTP endpoint each one is — a request to
// <url-id>.lambda-url.<region>.localhost (or /_nubo/urls/<url-id>/...)
// becomes a payload 2.0 event, invokes the function or alias, and the
// function's output becomes the response, buffered or streamed.
package funcurl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/store"
	"github.com/nubo-dev/nubo/internal/store/readcache"
)

// Auth types and invoke modes.
const (
	AuthNone       = "NONE"
	AuthIAM        = "AWS_IAM"
	Buffered       = "BUFFERED"
	ResponseStream = "RESPONSE_STREAM"
)

// Cors is a function URL's CORS configuration.
type Cors struct {
	AllowCredentials *bool    `json:"AllowCredentials,omitempty"`
	AllowHeaders     []string `json:"AllowHeaders,omitempty"`
	AllowMethods     []string `json:"AllowMethods,omitempty"`
	AllowOrigins     []string `json:"AllowOrigins,omitempty"`
	ExposeHeaders    []string `json:"ExposeHeaders,omitempty"`
	MaxAge           *int     `json:"MaxAge,omitempty"`
}

// Input is the body of CreateFunctionUrlConfig and UpdateFunctionUrlConfig.
type Input struct {
	AuthType   string `json:"AuthType,omitempty"`
	Cors       *Cors  `json:"Cors,omitempty"`
	InvokeMode string `json:"InvokeMode,omitempty"`
}

// Config is a function URL's configuration as the API returns it.
type Config struct {
	FunctionUrl      string `json:"FunctionUrl"`
	FunctionArn      string `json:"FunctionArn"`
	AuthType         string `json:"AuthType"`
	Cors             *Cors  `json:"Cors,omitempty"`
	CreationTime     string `json:"CreationTime"`
	LastModifiedTime string `json:"LastModifiedTime,omitempty"`
	InvokeMode       string `json:"InvokeMode"`
}

// ListOutput is ListFunctionUrlConfigs' answer.
type ListOutput struct {
	FunctionUrlConfigs []*Config `json:"FunctionUrlConfigs"`
	NextMarker         string    `json:"NextMarker,omitempty"`
}

// record is what the store holds for a URL.
type record struct {
	ID         string `json:"id"`
	Region     string `json:"region"`
	Function   string `json:"function"`
	Qualifier  string `json:"qualifier,omitempty"`
	AuthType   string `json:"authType"`
	Cors       *Cors  `json:"cors,omitempty"`
	InvokeMode string `json:"invokeMode"`
	Created    string `json:"created"`
	Modified   string `json:"modified"`
}

// Functions is what function URLs need of the control plane: that the
// function, or the alias, they point at exists.
type Functions interface {
	GetFunctionConfiguration(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) (*lambda.FunctionConfiguration, error)
	GetAlias(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, name string) (*lambda.AliasConfiguration, error)
}

// Options configures a Service.
type Options struct {
	Account string
	// PublicDomain, when set, is the domain operators point at nubo
	// ("example.com", or "http://example.com:8080" for another scheme or
	// port): URLs are <id>.lambda-url.<region>.<domain>. Else they are
	// <id>.lambda-url.<region>.localhost on the port the API was reached on.
	PublicDomain string
	Logger       *slog.Logger
}

// Service keeps function URLs and serves them.
type Service struct {
	kv        store.KV
	functions Functions
	invoker   Invoker
	auth      Authorizer
	opts      Options
	log       *slog.Logger
	now       func() time.Time

	byID readcache.Cache[*record] // dropped around every write of kv
}

func urlKey(region, function, qualifier string) string {
	return store.Key("url", region, function, qualifier)
}

func idKey(id string) string { return store.Key("id", id) }

var qualifierRE = regexp.MustCompile(`^(\$LATEST|[0-9a-zA-Z_-]+)$`)

// refOf checks a URL's qualifier: none, $LATEST or an alias, never a
// version number.
func refOf(ref lambda.FunctionRef) (lambda.FunctionRef, error) {
	if ref.Qualifier == "" {
		return ref, nil
	}
	var v lambda.Validator
	v.Length("qualifier", ref.Qualifier, 1, 128)
	if !qualifierRE.MatchString(ref.Qualifier) || lambda.IsVersion(ref.Qualifier) && ref.Qualifier != lambda.Latest {
		v.Fail(ref.Qualifier, "qualifier", `Member must satisfy regular expression pattern: ((?!^\d+$)^[0-9a-zA-Z-_]+$)`)
	}
	return ref, v.Err()
}

func validate(in *Input, create bool) error {
	var v lambda.Validator
	if create {
		v.Required("authType", in.AuthType)
	}
	if in.AuthType != "" {
		v.Enum("authType", in.AuthType, AuthNone, AuthIAM)
	}
	if in.InvokeMode != "" {
		v.Enum("invokeMode", in.InvokeMode, Buffered, ResponseStream)
	}
	if c := in.Cors; c != nil {
		for _, list := range []struct {
			name  string
			items []string
			max   int
		}{{"cors.allowHeaders", c.AllowHeaders, 1024}, {"cors.allowMethods", c.AllowMethods, 6}, {"cors.allowOrigins", c.AllowOrigins, 253}, {"cors.exposeHeaders", c.ExposeHeaders, 1024}} {
			if len(list.items) > 100 {
				v.Fail(fmt.Sprint(list.items), list.name, "Member must have length less than or equal to 100")
			}
			for _, s := range list.items {
				v.Length(list.name+".member", s, 1, list.max)
			}
		}
		if c.MaxAge != nil {
			v.Range("cors.maxAge", *c.MaxAge, 0, 86400)
		}
	}
	return v.Err()
}

// exists checks that the function, or its alias, exists.
func (s *Service) exists(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) error {
	if ref.Qualifier != "" && ref.Qualifier != lambda.Latest {
		_, err := s.functions.GetAlias(ctx, scope, lambda.FunctionRef{Name: ref.Name}, ref.Qualifier)
		return err
	}
	_, err := s.functions.GetFunctionConfiguration(ctx, scope, lambda.FunctionRef{Name: ref.Name})
	return err
}

// checkInput checks the function reference and the input of a Create
// (create) or an Update.
func checkInput(ref lambda.FunctionRef, in *Input, create bool) (lambda.FunctionRef, error) {
	ref, err := refOf(ref)
	if err != nil {
		return ref, err
	}
	return ref, validate(in, create)
}

// Create gives a function, or an alias, a URL.
func (s *Service) Create(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, in *Input, apiHost string) (*Config, error) {
	ref, err := checkInput(ref, in, true)
	if err != nil {
		return nil, err
	}
	if err := s.exists(ctx, scope, ref); err != nil {
		return nil, err
	}
	now := lambda.FormatTime(s.now())
	rec := &record{ID: newID(), Region: scope.Region, Function: ref.Name, Qualifier: ref.Qualifier, AuthType: in.AuthType,
		Cors: in.Cors, InvokeMode: in.InvokeMode, Created: now, Modified: now}
	if rec.InvokeMode == "" {
		rec.InvokeMode = Buffered
	}
	data, _ := json.Marshal(rec)
	if _, err := s.kv.Create(ctx, urlKey(scope.Region, ref.Name, ref.Qualifier), data); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, lambda.Errorf(lambda.ErrResourceConflict, "Failed to create function url config for [functionArn = %s]. Error message:  FunctionUrlConfig exists for this Lambda function",
				scope.QualifiedARN(ref.Name, ref.Qualifier))
		}
		return nil, fmt.Errorf("store function url: %w", err)
	}
	if _, err := s.kv.Put(ctx, idKey(rec.ID), data); err != nil {
		return nil, fmt.Errorf("index function url: %w", err)
	}
	cfg := s.configOf(rec, scope, apiHost)
	cfg.LastModifiedTime = "" // CreateFunctionUrlConfig's answer has none
	return cfg, nil
}

// Get returns a URL's configuration.
func (s *Service) Get(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, apiHost string) (*Config, error) {
	ref, err := refOf(ref)
	if err != nil {
		return nil, err
	}
	rec, _, err := s.load(ctx, scope, ref)
	if err != nil {
		return nil, err
	}
	return s.configOf(rec, scope, apiHost), nil
}

// Update changes a URL's auth type, CORS or invoke mode.
func (s *Service) Update(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef, in *Input, apiHost string) (*Config, error) {
	ref, err := checkInput(ref, in, false)
	if err != nil {
		return nil, err
	}
	for {
		rec, rev, err := s.load(ctx, scope, ref)
		if err != nil {
			return nil, err
		}
		if in.AuthType != "" {
			rec.AuthType = in.AuthType
		}
		if in.Cors != nil {
			rec.Cors = in.Cors
		}
		if in.InvokeMode != "" {
			rec.InvokeMode = in.InvokeMode
		}
		rec.Modified = lambda.FormatTime(s.now())
		data, _ := json.Marshal(rec)
		if _, err := s.kv.Update(ctx, urlKey(scope.Region, ref.Name, ref.Qualifier), data, rev); errors.Is(err, store.ErrRevision) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("store function url: %w", err)
		}
		if _, err := s.kv.Put(ctx, idKey(rec.ID), data); err != nil {
			return nil, fmt.Errorf("index function url: %w", err)
		}
		return s.configOf(rec, scope, apiHost), nil
	}
}

// Delete removes a URL.
func (s *Service) Delete(ctx context.Context, scope lambda.Scope, ref lambda.FunctionRef) error {
	ref, err := refOf(ref)
	if err != nil {
		return err
	}
	rec, _, err := s.load(ctx, scope, ref)
	if err != nil {
		return err
	}
	return s.remove(ctx, rec)
}

func (s *Service) remove(ctx context.Context, rec *record) error {
	if err := s.kv.Delete(ctx, idKey(rec.ID)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete function url: %w", err)
	}
	if err := s.kv.Delete(ctx, urlKey(rec.Region, rec.Function, rec.Qualifier)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete function url: %w", err)
	}
	return nil
}

// List returns the URLs of a function and its aliases, MaxItems (at most
// 50) at a time after Marker.
func (s *Service) List(ctx context.Context, scope lambda.Scope, name, marker string, maxItems int, apiHost string) (*ListOutput, error) {
	if maxItems != 0 {
		var v lambda.Validator
		v.Range("maxItems", maxItems, 1, 50)
		if err := v.Err(); err != nil {
			return nil, err
		}
	}
	if err := s.exists(ctx, scope, lambda.FunctionRef{Name: name}); err != nil {
		return nil, err
	}
	keys, err := s.kv.Keys(ctx, store.Key("url", scope.Region, name))
	if err != nil {
		return nil, fmt.Errorf("list function urls: %w", err)
	}
	sort.Strings(keys)
	start := 0
	if marker != "" {
		if start, err = strconv.Atoi(marker); err != nil || start < 0 || start > len(keys) {
			return nil, lambda.Errorf(lambda.ErrInvalidParameterValue, "Invalid pagination token: %s", marker)
		}
	}
	size := 50
	if maxItems > 0 {
		size = maxItems
	}
	out := &ListOutput{FunctionUrlConfigs: []*Config{}}
	for i := start; i < len(keys) && len(out.FunctionUrlConfigs) < size; i++ {
		var rec record
		if err := getJSON(ctx, s.kv, keys[i], &rec); err != nil {
			continue // deleted meanwhile
		}
		out.FunctionUrlConfigs = append(out.FunctionUrlConfigs, s.configOf(&rec, scope, apiHost))
		if len(out.FunctionUrlConfigs) == size && i+1 < len(keys) {
			out.NextMarker = strconv.Itoa(i + 1)
		}
	}
	return out, nil
}

// Removed deletes the URLs of a deleted function (version "").
func (s *Service) Removed(scope lambda.Scope, name, version string) {
	if version != "" {
		return // a version never has a URL
	}
	ctx := context.Background()
	keys, err := s.kv.Keys(ctx, store.Key("url", scope.Region, name))
	if err != nil {
		s.log.Warn("list the URLs of a deleted function", "function", name, "err", err)
		return
	}
	for _, k := range keys {
		var rec record
		if getJSON(ctx, s.kv, k, &rec) == nil {
			if err := s.remove(ctx, &rec); err != nil {
				s.log.Warn("delete the URL of a deleted function", "function", name, "err", err)
			}
		}
	}
}

func (s *Service) configOf(rec *record, scope lambda.Scope, apiHost string) *Config {
	return &Config{FunctionUrl: s.URL(rec.ID, rec.Region, apiHost), FunctionArn: scope.QualifiedARN(rec.Function, rec.Qualifier),
		AuthType: rec.AuthType, Cors: rec.Cors, CreationTime: rec.Created, LastModifiedTime: rec.Modified, InvokeMode: rec.InvokeMode}
}

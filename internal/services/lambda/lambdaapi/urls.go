package lambdaapi

import (
	"context"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/funcurl"
	"github.com/nubo-dev/nubo/internal/wire"
)

// urlRef names a function URL: a function and an optional alias.
type urlRef struct {
	FunctionName string `json:"-" wire:"path=FunctionName"`
	Qualifier    string `json:"-" wire:"query=Qualifier"`
}

type urlInput struct {
	urlRef
	funcurl.Input
}

type listURLsInput struct {
	FunctionName string `json:"-" wire:"path=FunctionName"`
	Marker       string `json:"-" wire:"query=Marker"`
	MaxItems     int    `json:"-" wire:"query=MaxItems"`
}

// urlOps are the function URL operations, declared to the wire layer.
func (h *handler) urlOps() []wire.Op {
	const path = "/2021-10-31/functions/{FunctionName}/url"
	create := wire.Operation("CreateFunctionUrlConfig", h.createURL)
	create.HTTP, create.Status = "POST "+path, 201
	get := wire.Operation("GetFunctionUrlConfig", h.getURL)
	get.HTTP = "GET " + path
	update := wire.Operation("UpdateFunctionUrlConfig", h.updateURL)
	update.HTTP = "PUT " + path
	del := wire.NoOutput("DeleteFunctionUrlConfig", h.deleteURL)
	del.HTTP, del.Status = "DELETE "+path, 204
	list := wire.Operation("ListFunctionUrlConfigs", h.listURLs)
	list.HTTP = "GET " + path + "s"
	return []wire.Op{create, get, update, del, list}
}

// ref parses a FunctionName and Qualifier as the dated routes do.
func (h *handler) ref(ctx context.Context, name, qualifier string) (lambda.Scope, lambda.FunctionRef, error) {
	scope := lambda.Scope{Account: h.account, Region: wire.Region(ctx)}
	ref, err := lambda.ParseFunctionRef(name, 140)
	if err != nil {
		return scope, ref, err
	}
	if ref, err = ref.WithQualifier(qualifier); err != nil {
		return scope, ref, err
	}
	if ref.Region != "" {
		scope.Region = ref.Region
	}
	if ref.Account != "" && ref.Account != h.account {
		return scope, ref, lambda.FunctionNotFound(scope.QualifiedARN(ref.Name, ref.Qualifier))
	}
	return scope, ref, nil
}

// apiHost is the host the client reached the API on; URLs use its port.
func apiHost(ctx context.Context) string {
	if r := wire.CallOf(ctx).Request; r != nil {
		return r.Host
	}
	return ""
}

func (h *handler) createURL(ctx context.Context, in *urlInput) (*funcurl.Config, error) {
	scope, ref, err := h.ref(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	return h.urls.Create(ctx, scope, ref, &in.Input, apiHost(ctx))
}

func (h *handler) getURL(ctx context.Context, in *urlRef) (*funcurl.Config, error) {
	scope, ref, err := h.ref(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	return h.urls.Get(ctx, scope, ref, apiHost(ctx))
}

func (h *handler) updateURL(ctx context.Context, in *urlInput) (*funcurl.Config, error) {
	scope, ref, err := h.ref(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	return h.urls.Update(ctx, scope, ref, &in.Input, apiHost(ctx))
}

func (h *handler) deleteURL(ctx context.Context, in *urlRef) error {
	scope, ref, err := h.ref(ctx, in.FunctionName, in.Qualifier)
	if err != nil {
		return err
	}
	return h.urls.Delete(ctx, scope, ref)
}

func (h *handler) listURLs(ctx context.Context, in *listURLsInput) (*funcurl.ListOutput, error) {
	scope, ref, err := h.ref(ctx, in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	return h.urls.List(ctx, scope, ref.Name, in.Marker, in.MaxItems, apiHost(ctx))
}

// Resource is the function (or alias) a URL operation acts on.
func (u *urlRef) Resource(ctx context.Context) string {
	return urlResource(ctx, u.FunctionName, u.Qualifier)
}

// Resource is the function whose URLs are listed.
func (l *listURLsInput) Resource(ctx context.Context) string {
	return urlResource(ctx, l.FunctionName, "")
}

// urlResource is the ARN a URL operation is authorised on, in the caller's
// account and region; "" when the name does not parse (the operation
// refuses it).
func urlResource(ctx context.Context, name, qualifier string) string {
	c := wire.CallOf(ctx)
	scope := lambda.Scope{Account: c.Account, Region: c.Region}
	ref, err := lambda.ParseFunctionRef(name, 140)
	if err == nil {
		ref, err = ref.WithQualifier(qualifier)
	}
	if err != nil {
		return ""
	}
	return resourceARN(scope.Of(ref), ref)
}

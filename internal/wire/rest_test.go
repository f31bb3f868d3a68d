package wire_test

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/wire"
)

type getThingInput struct {
	Name    string            `json:"-" wire:"path=Name"`
	Version *int              `json:"-" wire:"query=version"`
	Keys    []string          `json:"-" wire:"query=key"`
	Mode    string            `json:"-" wire:"header=X-Amz-Mode"`
	Meta    map[string]string `json:"-" wire:"headers=X-Amz-Meta-"`
	Note    string            `json:"Note"`
}

type getThingOutput struct {
	ETag   string `json:"-" wire:"header=ETag"`
	Status int    `json:"-" wire:"status"`
	Name   string `json:"Name"`
	Note   string `json:"Note"`
	Keys   []string
}

type putBlobInput struct {
	Name string    `json:"-" wire:"path=Name"`
	Body io.Reader `json:"-" wire:"payload"`
}

type listOutput struct {
	XMLName struct{} `xml:"ListResult"`
	Owner   string   `json:"Owner" query:"owner,attr"`
	Items   []string `json:"Items" query:"Item,flat"`
}

func restService(xmlBodies bool) *wire.Service {
	get := func(ctx context.Context, in *getThingInput) (*getThingOutput, error) {
		if in.Name == "missing" {
			return nil, awserr.New(&awserr.Code{Name: "NoSuchThing", Status: 404}, "The thing %s does not exist.", in.Name)
		}
		v := 0
		if in.Version != nil {
			v = *in.Version
		}
		return &getThingOutput{ETag: `"e"`, Status: 200 + v, Name: in.Name + "/" + in.Mode + "/" + in.Meta["color"], Note: in.Note, Keys: in.Keys}, nil
	}
	put := func(ctx context.Context, in *putBlobInput) error {
		b, err := io.ReadAll(in.Body)
		if err != nil || string(b) != "blob" {
			return awserr.New(awserr.Validation, "body %q", b)
		}
		return nil
	}
	list := func(ctx context.Context, in *struct{}) (*listOutput, error) {
		return &listOutput{Owner: "me", Items: []string{"a", "b&c"}}, nil
	}
	get1 := wire.Operation("GetThing", get)
	get1.HTTP = "POST /things/{Name}"
	put1 := wire.NoOutput("PutBlob", put)
	put1.HTTP, put1.Status = "PUT /blobs/{Name}", 204
	list1 := wire.Operation("List", list)
	list1.HTTP = "GET /list"
	return &wire.Service{Name: "rest", REST: &wire.RESTProtocol{XML: xmlBodies, Namespace: "http://example.com/"},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Ops: []wire.Op{get1, put1, list1}}
}

func TestRESTBindings(t *testing.T) {
	r := httptest.NewRequest("POST", "/things/thing1?version=1&key=a&key=b", strings.NewReader(`{"Note":"hello"}`))
	r.Header.Set("X-Amz-Mode", "fast")
	r.Header.Set("X-Amz-Meta-Color", "red")
	w := serve(t, restService(false), r)
	if w.Code != 201 || w.Header().Get("ETag") != `"e"` {
		t.Fatalf("status %d, headers %v", w.Code, w.Header())
	}
	if got, want := w.Body.String(), `{"Name":"thing1/fast/red","Note":"hello","Keys":["a","b"]}`; got != want {
		t.Errorf("body %s, want %s", got, want)
	}
	w = serve(t, restService(false), httptest.NewRequest("PUT", "/blobs/x", strings.NewReader("blob")))
	if w.Code != 204 || w.Body.Len() != 0 {
		t.Errorf("payload: %d %s", w.Code, w.Body)
	}
	w = serve(t, restService(false), httptest.NewRequest("POST", "/things/missing", nil))
	if w.Code != 404 || w.Header().Get("X-Amzn-ErrorType") != "NoSuchThing" || !strings.Contains(w.Body.String(), `"message":"The thing missing does not exist."`) {
		t.Errorf("rest-json error: %d %v %s", w.Code, w.Header(), w.Body)
	}
	w = serve(t, restService(false), httptest.NewRequest("POST", "/things/x?version=x", nil))
	if w.Code != 400 {
		t.Errorf("a bad query value: %d %s", w.Code, w.Body)
	}
	for _, path := range []string{"/nothing", "/things/.", "//list"} {
		w = serve(t, restService(false), httptest.NewRequest("GET", path, nil))
		if w.Code != 404 || w.Header().Get("X-Amzn-ErrorType") != "UnknownOperationException" {
			t.Errorf("%s: %d %s", path, w.Code, w.Body)
		}
	}
}

func TestRESTXML(t *testing.T) {
	w := serve(t, restService(true), httptest.NewRequest("GET", "/list", nil))
	want := xml.Header + `<ListResult xmlns="http://example.com/" owner="me"><Item>a</Item><Item>b&amp;c</Item></ListResult>`
	if w.Body.String() != want || w.Header().Get("Content-Type") != "application/xml" {
		t.Errorf("got %s %s\nwant %s", w.Header(), w.Body, want)
	}
	w = serve(t, restService(true), httptest.NewRequest("POST", "/things/missing", nil))
	if w.Code != 404 || !strings.Contains(w.Body.String(), "<Error><Code>NoSuchThing</Code><Message>The thing missing does not exist.</Message><RequestId>") {
		t.Errorf("rest-xml error: %d %s", w.Code, w.Body)
	}
}

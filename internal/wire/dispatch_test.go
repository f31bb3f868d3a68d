package wire_test

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/wire"
)

type keyInput struct {
	Bucket string `json:"-" wire:"path=Bucket"`
	Key    string `json:"-" wire:"path=Key"`
}

type keyOutput struct {
	Op   string            `json:"-" wire:"header=X-Op"`
	Key  string            `json:"-" wire:"header=X-Key"`
	Meta map[string]string `json:"-" wire:"headers=X-Amz-Meta-"`
}

// tagDoc is a document described the encoding/xml way, as S3's are.
type tagDoc struct {
	XMLName struct{}  `json:"-" xml:"Result"`
	Name    string    `json:"Name" xml:"Name"`
	Empty   string    `json:"Empty,omitempty" xml:"Empty,omitempty"`
	Kept    string    `json:"Kept" xml:"Kept"`
	Tags    []string  `json:"Tags" xml:"TagSet>Tag"`
	Items   []string  `json:"Items" xml:"Item"`
	Hidden  string    `json:"Hidden" xml:"-"`
	When    time.Time `json:"When" xml:"When"`
	Owner   *struct {
		ID string `json:"ID" xml:"ID"`
	} `json:"Owner,omitempty" xml:"Owner,omitempty"`
	Text struct {
		Region string `json:"Region" xml:",chardata"`
	} `json:"Text" xml:"Text"`
}

// textDoc is a document that is only text, as S3's LocationConstraint.
type textDoc struct {
	XMLName struct{} `json:"-" xml:"LocationConstraint"`
	Region  string   `json:"-" xml:",chardata"`
}

// dispatchService routes the way S3 does: by query subresource, on raw
// paths.
func dispatchService() *wire.Service {
	op := func(name string) wire.Op {
		return wire.Operation(name, func(ctx context.Context, in *keyInput) (*keyOutput, error) {
			if in.Key == "missing" {
				return nil, awserr.New(&awserr.Code{Name: "NotModified", Status: 304}, "Not Modified")
			}
			return &keyOutput{Op: name, Key: in.Bucket + "|" + in.Key, Meta: map[string]string{"color": "red"}}, nil
		})
	}
	text := wire.Operation("GetText", func(ctx context.Context, in *keyInput) (*textDoc, error) {
		return &textDoc{Region: "eu-west-1"}, nil
	})
	doc := wire.Operation("GetDoc", func(ctx context.Context, in *keyInput) (*tagDoc, error) {
		return &tagDoc{Name: "a&b", Tags: []string{"t1", "t2"}, Items: []string{"i1", "i2"}, Hidden: "h",
			When: time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC), Text: struct {
				Region string `json:"Region" xml:",chardata"`
			}{"eu-west-1"}}, nil
	})
	return &wire.Service{Name: "s3", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ops: []wire.Op{op("GetObject"), op("GetObjectTagging"), doc, text},
		REST: &wire.RESTProtocol{XML: true, Namespace: "http://example.com/doc",
			Dispatch: func(r *http.Request) (string, map[string]string) {
				bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
				labels := map[string]string{"Bucket": bucket, "Key": key}
				switch {
				case r.Method != "GET":
					return "", nil
				case key == "doc":
					return "GetDoc", labels
				case key == "text":
					return "GetText", labels
				case r.URL.Query().Has("tagging"):
					return "GetObjectTagging", labels
				}
				return "GetObject", labels
			}}}
}

func TestDispatch(t *testing.T) {
	tests := []struct {
		target, op, key string
	}{
		{"/b/k", "GetObject", "b|k"},
		{"/b/k?tagging", "GetObjectTagging", "b|k"},
		{"/b/a//b/../c", "GetObject", "b|a//b/../c"},
		{"/b/a%2Fb", "GetObject", "b|a/b"},
		{"/b/.", "GetObject", "b|."},
	}
	for _, tt := range tests {
		w := serve(t, dispatchService(), httptest.NewRequest("GET", tt.target, nil))
		if w.Code != 200 || w.Header().Get("X-Op") != tt.op || w.Header().Get("X-Key") != tt.key {
			t.Errorf("%s: %d %s %q, want %s %q", tt.target, w.Code, w.Header().Get("X-Op"), w.Header().Get("X-Key"), tt.op, tt.key)
		}
	}
	// Prefix headers go out as named: botocore keeps their case.
	w := serve(t, dispatchService(), httptest.NewRequest("GET", "/b/k", nil))
	if got := w.Header()["x-amz-meta-color"]; len(got) != 1 || got[0] != "red" {
		t.Errorf("metadata header: %v", w.Header())
	}
	w = serve(t, dispatchService(), httptest.NewRequest("PUT", "/b/k", nil))
	if w.Code != 404 || !strings.Contains(w.Body.String(), "<Code>UnknownOperationException</Code>") {
		t.Errorf("no operation: %d %s", w.Code, w.Body)
	}
	w = serve(t, dispatchService(), httptest.NewRequest("GET", "/b/missing", nil))
	if w.Code != 304 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "" {
		t.Errorf("304: %d %v %q", w.Code, w.Header(), w.Body)
	}
}

func TestXMLTags(t *testing.T) {
	w := serve(t, dispatchService(), httptest.NewRequest("GET", "/b/doc", nil))
	want := xml.Header + `<Result xmlns="http://example.com/doc"><Name>a&amp;b</Name><Kept></Kept>` +
		`<TagSet><Tag>t1</Tag><Tag>t2</Tag></TagSet><Item>i1</Item><Item>i2</Item><When>2026-01-02T03:04:05.600Z</When><Text>eu-west-1</Text></Result>`
	if w.Body.String() != want {
		t.Errorf("got  %s\nwant %s", w.Body, want)
	}
	w = serve(t, dispatchService(), httptest.NewRequest("GET", "/b/text", nil))
	if want := xml.Header + `<LocationConstraint xmlns="http://example.com/doc">eu-west-1</LocationConstraint>`; w.Body.String() != want {
		t.Errorf("got  %s\nwant %s", w.Body, want)
	}
}

// Wrap sees every answer, errors too, after the operation is known.
func TestWrap(t *testing.T) {
	s := dispatchService()
	var seen []string
	s.Wrap = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Wrapped", "yes")
			next.ServeHTTP(w, r)
			seen = append(seen, wire.CallOf(r.Context()).Operation)
		})
	}
	for _, target := range []string{"/b/k?tagging", "/b/missing"} {
		w := serve(t, s, httptest.NewRequest("GET", target, nil))
		if w.Header().Get("X-Wrapped") != "yes" {
			t.Errorf("%s: not wrapped", target)
		}
	}
	if strings.Join(seen, ",") != "GetObjectTagging,GetObject" {
		t.Errorf("operations seen: %v", seen)
	}
}

// An unsigned request no prefix names goes to the service that claims it;
// nubo's own paths are for unsigned requests (and those signed for nubo):
// a request signed for S3 reaches its bucket "metrics".
func TestClaimAndOwnPaths(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt := wire.NewRouter("us-east-1", log)
	rt.HandlePath("/metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Header().Set(handled, "metrics") }), wire.PathAccess{Public: true})
	s3 := dispatchService()
	s3.Claim = func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/claimed/") }
	rt.Handle(s3)
	tests := []struct {
		path, auth, want string
	}{
		{"/metrics", "", "metrics"},
		{"/metrics/k", "AWS4-HMAC-SHA256 Credential=A/D/us-east-1/s3/aws4_request", "GetObject"},
		{"/claimed/k", "", "GetObject"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", tt.path, nil)
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if got := w.Header().Get(handled) + w.Header().Get("X-Op"); got != tt.want {
			t.Errorf("%s: served by %q, want %q", tt.path, got, tt.want)
		}
	}
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest("GET", "/unclaimed/k", nil))
	if w.Code != 400 || w.Header().Get("X-Amzn-ErrorType") != "UnknownServiceException" {
		t.Errorf("unclaimed: %d %s", w.Code, w.Body)
	}
}

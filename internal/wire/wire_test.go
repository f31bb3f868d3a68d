package wire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/wire"
)

// The shapes of a made-up service that uses every trait the layer knows.

type attr struct {
	StringValue string   `json:"StringValue,omitempty"`
	Values      []string `json:"Values,omitempty" query:"Value,flat"`
}

type entry struct {
	Id    string `json:"Id"`
	Count *int   `json:"Count,omitempty"`
}

type putInput struct {
	Name    string            `json:"Name"`
	Enabled bool              `json:"Enabled"`
	Size    int64             `json:"Size"`
	Ratio   float64           `json:"Ratio"`
	Data    []byte            `json:"Data"`
	When    *wire.Timestamp   `json:"When"`
	Tags    map[string]string `json:"Tags" query:"Tag,flat,key=Key,value=Value"`
	Attrs   map[string]attr   `json:"Attrs" query:"Attrs,key=Name,value=Value"`
	Entries []entry           `json:"Entries" query:"Entry,flat"`
	Names   []string          `json:"Names"`
}

type putOutput struct {
	Name    string            `json:"Name"`
	When    wire.Timestamp    `json:"When"`
	Tags    map[string]string `json:"Tags,omitempty" query:"Tag,flat,key=Key,value=Value"`
	Entries []entry           `json:"Entries"`
	Missing *string           `json:"Missing,omitempty"`
}

var errRefused = &awserr.Code{Name: "RefusedException", Query: "Refused", Status: 409, Namespace: "com.example"}

func testService() *wire.Service {
	put := func(ctx context.Context, in *putInput) (*putOutput, error) {
		if in.Name == "refuse" {
			return nil, awserr.New(errRefused, "Refused %s.", in.Name).With("Reason", "because")
		}
		if in.Name == "panic-free" {
			return nil, io.ErrUnexpectedEOF // not an AWS error: logged, 500
		}
		out := &putOutput{Name: in.Name, Tags: in.Tags, Entries: in.Entries}
		if in.When != nil {
			out.When = *in.When
		}
		return out, nil
	}
	return &wire.Service{
		Name:            "example",
		JSON:            &wire.JSONProtocol{Target: "Example_2020", Version: "1.0"},
		Query:           &wire.QueryProtocol{Namespace: "http://example.com/doc/"},
		CBOR:            &wire.CBORProtocol{Service: "Example_2020"},
		QueryCompatible: true,
		Log:             slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ops: []wire.Op{
			wire.Operation("Put", put),
			wire.NoOutput("Delete", func(ctx context.Context, in *putInput) error { return nil }),
		},
	}
}

func serve(t testing.TB, s *wire.Service, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func queryRequest(form string) *http.Request {
	r := httptest.NewRequest("POST", "/", strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestQueryDecodesEveryShape(t *testing.T) {
	s := testService()
	var got *putInput
	s.Ops[0] = wire.Operation("Put", func(ctx context.Context, in *putInput) (*putOutput, error) {
		got = in
		return &putOutput{}, nil
	})
	form := url.Values{
		"Action": {"Put"}, "Name": {"n"}, "Enabled": {"true"}, "Size": {"42"}, "Ratio": {"0.5"},
		"Data": {"aGk="}, "When": {"2026-01-02T03:04:05.5Z"},
		"Tag.2.Key": {"b"}, "Tag.2.Value": {"2"}, "Tag.1.Key": {"a"}, "Tag.1.Value": {"1"},
		"Attrs.entry.1.Name": {"x"}, "Attrs.entry.1.Value.StringValue": {"sv"}, "Attrs.entry.1.Value.Value.1": {"v1"},
		"Entry.10.Id": {"ten"}, "Entry.2.Id": {"two"}, "Entry.2.Count": {"7"},
		"Names.member.1": {"first"}, "Names.member.2": {"second"},
	}
	w := serve(t, s, queryRequest(form.Encode()))
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	seven := 7
	want := &putInput{Name: "n", Enabled: true, Size: 42, Ratio: 0.5, Data: []byte("hi"),
		When:    &wire.Timestamp{Time: time.Date(2026, 1, 2, 3, 4, 5, 500e6, time.UTC)},
		Tags:    map[string]string{"a": "1", "b": "2"},
		Attrs:   map[string]attr{"x": {StringValue: "sv", Values: []string{"v1"}}},
		Entries: []entry{{Id: "two", Count: &seven}, {Id: "ten"}},
		Names:   []string{"first", "second"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
	}
}

func TestQueryRefusesBadValues(t *testing.T) {
	for _, form := range []string{"Action=Put&Size=ten", "Action=Put&Enabled=maybe", "Action=Put&Data=%%%", "Action=Put&When=yesterday", "Action=Put&Entry.1.Count=x"} {
		w := serve(t, testService(), queryRequest(form))
		if w.Code != 400 || !strings.Contains(w.Body.String(), "<Code>SerializationException</Code>") {
			t.Errorf("%s: %d %s", form, w.Code, w.Body)
		}
	}
}

func TestQueryResponse(t *testing.T) {
	form := "Action=Put&Name=a%26b&When=2026-01-02T03:04:05Z&Tag.1.Key=k&Tag.1.Value=v&Entry.1.Id=e"
	w := serve(t, testService(), queryRequest(form))
	body := w.Body.String()
	for _, part := range []string{
		`<PutResponse xmlns="http://example.com/doc/"><PutResult>`,
		"<Name>a&amp;b</Name><When>2026-01-02T03:04:05.000Z</When>",
		"<Tag><Key>k</Key><Value>v</Value></Tag>",
		"<Entries><member><Id>e</Id></member></Entries>",
		"</PutResult><ResponseMetadata><RequestId>",
	} {
		if !strings.Contains(body, part) {
			t.Errorf("response lacks %s:\n%s", part, body)
		}
	}
	if strings.Contains(body, "Missing") || w.Header().Get("Content-Type") != "text/xml" {
		t.Errorf("response: %s %s", w.Header(), body)
	}
	w = serve(t, testService(), queryRequest("Action=Delete"))
	if body := w.Body.String(); strings.Contains(body, "DeleteResult") || !strings.Contains(body, "<DeleteResponse") {
		t.Errorf("an operation without output: %s", body)
	}
}

func TestErrorsInEveryProtocol(t *testing.T) {
	jsonReq := func(target, body string) *http.Request {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", target)
		return r
	}
	cborReq := func(op string, body []byte) *http.Request {
		r := httptest.NewRequest("POST", "/service/Example_2020/operation/"+op, bytes.NewReader(body))
		r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		return r
	}
	refuse, _ := cbor.Marshal(map[string]any{"Name": "refuse"})
	tests := []struct {
		name     string
		r        *http.Request
		status   int
		contains []string
		header   string // x-amzn-query-error
	}{
		{"query", queryRequest("Action=Put&Name=refuse"), 409,
			[]string{"<ErrorResponse><Error><Type>Sender</Type><Code>Refused</Code><Message>Refused refuse.</Message></Error><RequestId>"}, ""},
		{"query unknown action", queryRequest("Action=Nope"), 400, []string{"<Code>InvalidAction</Code>", "The action Nope is not valid for this endpoint."}, ""},
		{"json", jsonReq("Example_2020.Put", `{"Name":"refuse"}`), 409,
			[]string{`"__type":"com.example#RefusedException"`, `"message":"Refused refuse."`, `"Reason":"because"`}, "Refused;Sender"},
		{"json unknown", jsonReq("Example_2020.Nope", `{}`), 400, []string{`"__type":"UnknownOperationException"`}, "UnknownOperationException;Sender"},
		{"json not json", jsonReq("Example_2020.Put", `{"Name":`), 400, []string{`"__type":"SerializationException"`}, "SerializationException;Sender"},
		{"json wrong type", jsonReq("Example_2020.Put", `{"Size":"x"}`), 400, []string{"Value for parameter Size is invalid"}, "SerializationException;Sender"},
		{"internal", jsonReq("Example_2020.Put", `{"Name":"panic-free"}`), 500, []string{`"__type":"InternalFailure"`}, "InternalFailure;Receiver"},
		{"cbor", cborReq("Put", refuse), 409, []string{"com.example#RefusedException"}, "Refused;Sender"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(t, testService(), tt.r)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			for _, c := range tt.contains {
				if !strings.Contains(w.Body.String(), c) {
					t.Errorf("body lacks %s: %s", c, w.Body)
				}
			}
			if got := w.Header().Get("x-amzn-query-error"); got != tt.header {
				t.Errorf("x-amzn-query-error %q, want %q", got, tt.header)
			}
		})
	}
}

func TestTimestampsInEveryProtocol(t *testing.T) {
	want := time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.UTC)
	// JSON: epoch seconds each way.
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"When":1767323045.5}`))
	r.Header.Set("X-Amz-Target", "Example_2020.Put")
	w := serve(t, testService(), r)
	var out struct{ When float64 }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.When != 1767323045.5 {
		t.Errorf("JSON: %s", w.Body)
	}
	if w.Header().Get("Content-Type") != "application/x-amz-json-1.0" {
		t.Errorf("JSON content type %q", w.Header().Get("Content-Type"))
	}
	// CBOR: tag 1 each way.
	em, _ := cbor.EncOptions{Time: cbor.TimeUnixDynamic, TimeTag: cbor.EncTagRequired}.EncMode()
	body, _ := em.Marshal(map[string]any{"When": want})
	r = httptest.NewRequest("POST", "/service/Example_2020/operation/Put", bytes.NewReader(body))
	r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	w = serve(t, testService(), r)
	var decoded map[string]any
	if err := cbor.Unmarshal(w.Body.Bytes(), &decoded); err != nil {
		t.Fatalf("CBOR: %v", err)
	}
	if got, ok := decoded["When"].(time.Time); !ok || !got.Equal(want) {
		t.Errorf("CBOR When = %#v", decoded["When"])
	}
	if w.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" || w.Header().Get("Content-Type") != "application/cbor" {
		t.Errorf("CBOR headers %v", w.Header())
	}
}

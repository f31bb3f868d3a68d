package wire_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzServe sends arbitrary bodies in every protocol to a service whose
// input has every kind of member: the layer must answer in an AWS shape
// and never fail with a server error or panic.
func FuzzServe(f *testing.F) {
	f.Add(uint8(0), "Put", "Action=Put&Tag.1.Key=k&Attrs.entry.1.Value.Value.1=v&Entry.3.Count=1&When=2026-01-01T00:00:00Z")
	f.Add(uint8(1), "Put", `{"Name":"n","Tags":{"a":"b"},"Entries":[{"Id":"x","Count":1}],"When":1.5,"Data":"aGk="}`)
	f.Add(uint8(2), "Put", "\xa1dNamean")
	f.Add(uint8(3), "things/x", `{"Note":1}`)
	f.Add(uint8(0), "Put", "Entry.99999999999999999999.Id=x&Tag.0.Key=&Attrs.entry..Name=x&Names.member.-1=a")
	f.Fuzz(func(t *testing.T, proto uint8, op, body string) {
		var r *http.Request
		s := testService()
		switch proto % 4 {
		case 0:
			r = httptest.NewRequest("POST", "/", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		case 1:
			r = httptest.NewRequest("POST", "/", strings.NewReader(body))
			r.Header.Set("X-Amz-Target", "Example_2020."+op)
		case 2:
			r = httptest.NewRequest("POST", "/service/Example_2020/operation/"+url.PathEscape(op), strings.NewReader(body))
			r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		default:
			s = restService(proto%8 == 7)
			r = httptest.NewRequest("POST", "/", strings.NewReader(body))
			r.URL.Path = "/" + op
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code >= 500 && !strings.Contains(body, "panic-free") {
			t.Fatalf("%q %q: status %d: %s", op, body, w.Code, w.Body)
		}
		if w.Code >= 400 && w.Body.Len() == 0 {
			t.Fatalf("%q %q: error %d without a body", op, body, w.Code)
		}
	})
}

package wire

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/nubo-dev/nubo/internal/awserr"
	"github.com/nubo-dev/nubo/internal/sigv4"
)

// RESTProtocol is restJson1 or restXml: operations found by method and
// path. Ops with HTTP set are bound by their members' wire tags; Routes
// are handlers that bind requests themselves.
type RESTProtocol struct {
	// XML selects restXml (else restJson1); Namespace is its bodies'
	// xmlns.
	XML       bool
	Namespace string
	Routes    []Route
	// NotFound is the error for a request no route matches (an
	// UnknownOperationException naming the method and path by default).
	NotFound func(r *http.Request) error
	// Dispatch, when set, finds the operation of every request instead of
	// the Ops' HTTP patterns, for a service whose paths Go's ServeMux
	// cannot route: S3 tells operations of one path apart by query
	// subresources (?tagging, ?uploads) and headers, and its object keys
	// are raw paths that may hold "//", ".." or "%2F", which the mux would
	// clean or redirect. It returns the operation's name ("" for none:
	// NotFound) and the values of its path labels, which members bound
	// by wire:"path=..." read.
	Dispatch func(r *http.Request) (op string, labels map[string]string)
}

// Route is a REST handler that binds its own request and returns an error
// for the layer to render. Operation names it; Action is its IAM action
// (the service's prefix and Operation when empty). Unless AnyResource,
// the handler calls Authorize with the resource before it acts.
type Route struct {
	Pattern     string
	Operation   string
	Action      string
	AnyResource bool
	Handle      func(w http.ResponseWriter, r *http.Request) error
}

func (p *RESTProtocol) protocol() Protocol {
	if p.XML {
		return RESTXML
	}
	return RESTJSON
}

// restMux returns the service's REST routes, built once. A request no
// route matches, whatever its method, falls to "/" and gets the service's
// error, never the mux's 404 or 405 page: one lookup per request.
func (s *Service) restMux() *http.ServeMux {
	s.restOnce.Do(func() {
		s.mux = http.NewServeMux()
		for i := range s.Ops {
			if op := &s.Ops[i]; op.HTTP != "" {
				s.mux.HandleFunc(op.HTTP, s.adapt(func(w http.ResponseWriter, r *http.Request) error { return s.serveOp(w, r, op) }))
			}
		}
		for i := range s.REST.Routes {
			rt := &s.REST.Routes[i]
			s.mux.HandleFunc(rt.Pattern, s.adaptRoute(rt))
		}
		s.mux.HandleFunc("/", s.adapt(func(w http.ResponseWriter, r *http.Request) error { return s.notFound(r) }))
	})
	return s.mux
}

func (s *Service) adapt(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

// adaptRoute serves a Route: it names the call's operation and action,
// authorises routes on no resource, and refuses an answer given without
// authorisation.
func (s *Service) adaptRoute(rt *Route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := CallOf(r.Context())
		c.Operation, c.action = rt.Operation, s.RouteAction(rt)
		err := s.routeAccess(r, rt)
		if err == nil {
			err = rt.Handle(&routeGuard{ResponseWriter: w, s: s, r: r, c: c}, r)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	}
}

// routeAccess refuses unsigned requests to a route and authorises routes on
// no resource.
func (s *Service) routeAccess(r *http.Request, rt *Route) error {
	c := CallOf(r.Context())
	if c.unsigned && !s.Anonymous {
		return (&sigv4.Error{Kind: sigv4.Missing}).For(s.family())
	}
	if rt.AnyResource {
		return s.authorize(r.Context(), c.action, "*")
	}
	return nil
}

func (s *Service) serveREST(w http.ResponseWriter, r *http.Request) {
	if s.REST.Dispatch != nil {
		s.dispatch(w, r)
		return
	}
	// A path that is not canonical ("/functions/.") would be redirected
	// with an HTML page; AWS answers such paths with an error.
	if path.Clean(r.URL.Path) != strings.TrimSuffix(r.URL.Path, "/") && r.URL.Path != "/" {
		s.fail(w, r, s.notFound(r))
		return
	}
	s.restMux().ServeHTTP(w, r) // which sets the request's path values
}

// dispatch serves a request of a service with its own Dispatch.
func (s *Service) dispatch(w http.ResponseWriter, r *http.Request) {
	name, labels := s.REST.Dispatch(r)
	op := s.op(name)
	if op == nil {
		s.fail(w, r, s.notFound(r))
		return
	}
	for k, v := range labels {
		r.SetPathValue(k, v)
	}
	if err := s.serveOp(w, r, op); err != nil {
		s.fail(w, r, err)
	}
}

func (s *Service) notFound(r *http.Request) error {
	if s.REST.NotFound != nil {
		return s.REST.NotFound(r)
	}
	return awserr.New(&awserr.Code{Name: "UnknownOperationException", Status: http.StatusNotFound},
		"The %s API has no operation for %s %s.", s.Name, r.Method, r.URL.Path)
}

// serveOp binds a REST request to op's input, calls op and writes its
// output.
func (s *Service) serveOp(w http.ResponseWriter, r *http.Request, op *Op) error {
	CallOf(r.Context()).Operation = op.Name
	in := reflect.New(op.in)
	if err := s.bind(r, in.Elem()); err != nil {
		return err
	}
	if err := s.authorizeOp(r.Context(), op, in.Interface()); err != nil {
		return err
	}
	out, err := op.call(r.Context(), in.Interface())
	if err != nil {
		return err
	}
	return s.writeREST(w, op, out)
}

// bind reads r into the input struct v: its body, then its labels, query
// parameters and headers.
func (s *Service) bind(r *http.Request, v reflect.Value) error {
	sh := shapeOf(v.Type())
	if err := s.bindBody(r, v, sh); err != nil {
		return err
	}
	q := r.URL.Query()
	for i := range sh.members {
		m := &sh.members[i]
		f := m.field(v)
		var err error
		switch m.bind.kind {
		case "path":
			err = setValue(m.bind.name, r.PathValue(m.bind.name), f)
		case "query":
			if vals, ok := q[m.bind.name]; ok {
				err = setValues(m.bind.name, vals, f)
			}
		case "header":
			if h := r.Header.Values(m.bind.name); len(h) > 0 {
				err = setValues(m.bind.name, h, f)
			}
		case "headers":
			err = bindPrefixHeaders(r.Header, m.bind.name, f)
		}
		if err != nil {
			return s.badRequest("%v", err)
		}
	}
	return nil
}

func (s *Service) bindBody(r *http.Request, v reflect.Value, sh *shape) error {
	for i := range sh.members {
		m := &sh.members[i]
		if m.bind.kind != "payload" {
			continue
		}
		f := m.field(v)
		if f.Kind() == reflect.Interface { // io.Reader: streamed, not read here
			f.Set(reflect.ValueOf(r.Body))
			return nil
		}
		body, err := s.readBody(r)
		if err != nil || len(body) == 0 {
			return err
		}
		if f.Kind() == reflect.Slice {
			f.SetBytes(body)
			return nil
		}
		return s.unmarshal(body, f.Addr().Interface())
	}
	body, err := s.readBody(r)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return err
	}
	return s.unmarshal(body, v.Addr().Interface())
}

func (s *Service) unmarshal(body []byte, v any) error {
	var err error
	if s.REST.XML {
		err = xml.Unmarshal(body, v)
	} else {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		return s.decodeError(err)
	}
	return nil
}

// setValue parses one label, query or header value into v.
func setValue(key, s string, v reflect.Value) error {
	if v.Kind() == reflect.Pointer {
		if s == "" {
			return nil
		}
		v.Set(reflect.New(v.Type().Elem()))
		v = v.Elem()
	}
	if ts, ok := v.Addr().Interface().(*Timestamp); ok {
		if t, err := http.ParseTime(s); err == nil {
			ts.Time = t
			return nil
		}
	}
	return setScalar(key, s, v)
}

// setValues parses a repeated query parameter or header into a list, or
// its first value into a scalar.
func setValues(key string, vals []string, v reflect.Value) error {
	if v.Kind() != reflect.Slice || v.Type().Elem().Kind() == reflect.Uint8 {
		return setValue(key, vals[0], v)
	}
	list := reflect.MakeSlice(v.Type(), len(vals), len(vals))
	for i, s := range vals {
		if err := setValue(key, s, list.Index(i)); err != nil {
			return err
		}
	}
	v.Set(list)
	return nil
}

// bindPrefixHeaders reads headers named prefix+key into a map (S3's
// x-amz-meta-*), keys lower-cased as HTTP/2 would send them.
func bindPrefixHeaders(h http.Header, prefix string, v reflect.Value) error {
	m := reflect.MakeMap(v.Type())
	for name, vals := range h {
		if k, ok := cutPrefixFold(name, prefix); ok {
			m.SetMapIndex(reflect.ValueOf(strings.ToLower(k)), reflect.ValueOf(strings.Join(vals, ",")))
		}
	}
	if m.Len() > 0 {
		v.Set(m)
	}
	return nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

// writeREST writes a REST operation's output: its status, headers and
// payload or body members.
func (s *Service) writeREST(w http.ResponseWriter, op *Op, out any) error {
	status := op.Status
	if status == 0 {
		status = http.StatusOK
	}
	v := reflect.Indirect(reflect.ValueOf(out))
	if !v.IsValid() {
		w.WriteHeader(status)
		return nil
	}
	sh := shapeOf(v.Type())
	var payload reflect.Value
	hasBody := false
	for i := range sh.members {
		m := &sh.members[i]
		f := m.field(v)
		switch m.bind.kind {
		case "status":
			if f.Int() != 0 {
				status = int(f.Int())
			}
		case "header":
			if !isEmpty(f) {
				w.Header().Set(m.bind.name, headerText(reflect.Indirect(f)))
			}
		case "headers":
			// Written as named, not canonicalised: botocore keeps the case
			// of what follows the prefix (S3 sends x-amz-meta-* lowercase).
			for _, k := range f.MapKeys() {
				w.Header()[strings.ToLower(m.bind.name)+k.String()] = []string{f.MapIndex(k).String()}
			}
		case "payload":
			payload = f
		case "":
			hasBody = hasBody || m.json != "" || s.REST.XML && m.xmlOnly
		}
	}
	switch {
	case payload.IsValid():
		return s.writePayload(w, status, payload)
	case !hasBody:
		w.WriteHeader(status)
		return nil
	}
	return s.writeBodyOf(w, status, v)
}

func (s *Service) writePayload(w http.ResponseWriter, status int, p reflect.Value) error {
	switch {
	case p.Kind() == reflect.Interface || p.Kind() == reflect.Pointer && p.IsNil():
		if p.IsNil() {
			w.WriteHeader(status)
			return nil
		}
		r := p.Interface().(io.Reader)
		if c, ok := r.(io.Closer); ok {
			defer c.Close()
		}
		w.WriteHeader(status)
		_, err := io.Copy(w, r) // a failure means the client has gone
		if err != nil {
			s.log().Debug("write payload", "err", err)
		}
		return nil
	case p.Kind() == reflect.Slice:
		w.Header().Set("Content-Length", strconv.Itoa(p.Len()))
		w.WriteHeader(status)
		w.Write(p.Bytes())
		return nil
	}
	return s.writeBodyOf(w, status, reflect.Indirect(p))
}

// writeBodyOf writes struct v as a JSON body, or as an XML document whose
// root element is named by v's XMLName field.
func (s *Service) writeBodyOf(w http.ResponseWriter, status int, v reflect.Value) error {
	if !s.REST.XML {
		data, err := json.Marshal(v.Interface())
		if err != nil {
			return fmt.Errorf("encode output: %w", err)
		}
		writeBody(w, "application/json", status, data)
		return nil
	}
	var x xmlWriter
	x.WriteString(xml.Header)
	root := xmlRoot(v.Type())
	fmt.Fprintf(&x, "<%s", root)
	if s.REST.Namespace != "" {
		fmt.Fprintf(&x, ` xmlns="%s"`, s.REST.Namespace)
	}
	x.attributes(v)
	x.WriteByte('>')
	x.members(v)
	x.close(root)
	writeBody(w, "application/xml", status, x.Bytes())
	return nil
}

// xmlRoot is the root element of a restXml body: the tag of its XMLName
// field, else the type's name.
func xmlRoot(t reflect.Type) string {
	if f, ok := t.FieldByName("XMLName"); ok {
		if name, _, _ := strings.Cut(f.Tag.Get("xml"), ","); name != "" {
			return name
		}
	}
	return t.Name()
}

// headerText formats a header value; timestamps are HTTP dates there.
func headerText(v reflect.Value) string {
	if ts, ok := v.Interface().(Timestamp); ok {
		return ts.UTC().Format(http.TimeFormat)
	}
	if t, ok := v.Interface().(time.Time); ok {
		return t.UTC().Format(http.TimeFormat)
	}
	return scalarText(v)
}

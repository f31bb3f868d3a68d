// Package cloudwatch serves the CloudWatch metrics API (SigV4 signing name
// "monitoring") over internal/metrics: ListMetrics, GetMetricStatistics and
// GetMetricData for the AWS/Lambda namespace, in the three protocols that
// CloudWatch's clients speak — the query protocol (form posts answered in
// XML; the AWS CLI v2 of Debian and older SDKs), awsJson1_0
// ("X-Amz-Target: GraniteServiceVersion20100801.<Op>") and Smithy RPC v2
// CBOR ("POST /service/GraniteServiceVersion20100801/operation/<Op>"; the
// current aws-sdk-go-v2). Errors carry the query error code in
// X-Amzn-Query-Error too, as the service's awsQueryCompatible trait asks.
package cloudwatch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/nubo-dev/nubo/internal/api"
	"github.com/nubo-dev/nubo/internal/metrics"
)

const (
	serviceName  = "GraniteServiceVersion20100801"
	xmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/"

	// TargetPrefix begins the X-Amz-Target of awsJson1_0 requests.
	TargetPrefix = serviceName + "."
	// PathPrefix begins the path of RPC v2 CBOR requests.
	PathPrefix = "/service/" + serviceName + "/operation/"
)

const maxBody = 1 << 20

// Metrics is what the API needs of the metrics store.
type Metrics interface {
	Query(ctx context.Context, q metrics.Query) ([]metrics.Datapoint, error)
	List(region, name string, dims []metrics.Dimension, recent bool) []metrics.Metric
}

// protocol is how a request came and how its answer goes.
type protocol int

const (
	query protocol = iota
	awsJSON
	rpcCBOR
)

// Service is the CloudWatch metrics API.
type Service struct {
	metrics Metrics
	log     *slog.Logger
	cbor    *cborCodec
	ops     map[string]func(r *http.Request, in params) (map[string]any, error)
}

// New returns the API over m.
func New(m Metrics, log *slog.Logger) (*Service, error) {
	codec, err := newCBORCodec()
	if err != nil {
		return nil, fmt.Errorf("cbor codec: %w", err)
	}
	s := &Service{metrics: m, log: log, cbor: codec}
	s.ops = map[string]func(*http.Request, params) (map[string]any, error){
		"ListMetrics":         s.listMetrics,
		"GetMetricStatistics": s.getMetricStatistics,
		"GetMetricData":       s.getMetricData,
	}
	return s, nil
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	proto, op, in, err := s.decode(r)
	if err == nil {
		handler := s.ops[op]
		if handler == nil {
			err = &apiError{status: http.StatusBadRequest, code: "InvalidAction", shape: "InvalidAction",
				message: fmt.Sprintf("nubo does not implement the CloudWatch operation %s.", op)}
		} else {
			var out map[string]any
			if out, err = handler(r, in); err == nil {
				s.write(w, r, proto, op, out)
				return
			}
		}
	}
	s.fail(w, r, proto, err)
}

// decode finds the protocol and operation of r and reads its input.
func (s *Service) decode(r *http.Request) (protocol, string, params, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return query, "", nil, invalidValue("The request body could not be read or is too large.")
	}
	if op, ok := strings.CutPrefix(r.URL.Path, PathPrefix); ok && strings.EqualFold(r.Header.Get("Smithy-Protocol"), "rpc-v2-cbor") {
		in := map[string]any{}
		if len(body) > 0 {
			if err := s.cbor.dec.Unmarshal(body, &in); err != nil {
				return rpcCBOR, op, nil, &apiError{status: 400, code: "SerializationException", shape: "SerializationException", message: "Could not decode the CBOR body: " + err.Error()}
			}
		}
		return rpcCBOR, op, in, nil
	}
	if op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix); ok {
		in := map[string]any{}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &in); err != nil {
				return awsJSON, op, nil, &apiError{status: 400, code: "SerializationException", shape: "SerializationException", message: "Could not decode the JSON body: " + err.Error()}
			}
		}
		return awsJSON, op, in, nil
	}
	form := r.URL.Query()
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		posted, err := url.ParseQuery(string(body))
		if err != nil {
			return query, "", nil, invalidValue("The request's form could not be parsed.")
		}
		for k, v := range posted {
			form[k] = v
		}
	}
	in := decodeQuery(form)
	return query, in.str("Action"), in, nil
}

// write renders out in the request's protocol.
func (s *Service) write(w http.ResponseWriter, r *http.Request, proto protocol, op string, out map[string]any) {
	var buf bytes.Buffer
	switch proto {
	case rpcCBOR:
		data, err := s.cbor.enc.Marshal(toCBOR(out))
		if err != nil {
			s.fail(w, r, proto, err)
			return
		}
		buf.Write(data)
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	case awsJSON:
		json.NewEncoder(&buf).Encode(toJSON(out))
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	default:
		writeXML(&buf, op, out, api.RequestID(r.Context()))
		w.Header().Set("Content-Type", "text/xml")
	}
	w.Write(buf.Bytes())
}

// apiError is a CloudWatch error: its query code (e.g.
// "InvalidParameterValue") and its shape's name (e.g.
// "InvalidParameterValueException"), which JSON and CBOR use.
type apiError struct {
	status               int
	code, shape, message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func invalidValue(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, code: "InvalidParameterValue", shape: "InvalidParameterValueException", message: fmt.Sprintf(format, args...)}
}

func missing(name string) error {
	return &apiError{status: http.StatusBadRequest, code: "MissingParameter", shape: "MissingRequiredParameterException",
		message: fmt.Sprintf("The parameter %s is required.", name)}
}

func combination(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, code: "InvalidParameterCombination", shape: "InvalidParameterCombinationException", message: fmt.Sprintf(format, args...)}
}

func (s *Service) fail(w http.ResponseWriter, r *http.Request, proto protocol, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		s.log.Error("cloudwatch request failed", "err", err)
		e = &apiError{status: http.StatusInternalServerError, code: "InternalServiceError", shape: "InternalServiceFault", message: err.Error()}
	}
	fault := "Sender"
	if e.status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("X-Amzn-Query-Error", e.code+";"+fault)
	switch proto {
	case query:
		api.WriteQueryXML(w, r, &api.Error{Status: e.status, Code: e.code, Message: e.message})
	case awsJSON:
		api.WriteJSON(w, &api.Error{Status: e.status, Code: e.shape, Message: e.message}, "application/x-amz-json-1.0")
	default:
		data, _ := s.cbor.enc.Marshal(map[string]any{"__type": e.shape, "message": e.message})
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.WriteHeader(e.status)
		w.Write(data)
	}
}

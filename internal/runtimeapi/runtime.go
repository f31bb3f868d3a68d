package runtimeapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// next parks the runtime until an invocation arrives. It has no timeout:
// runtimes wait on it between invocations.
func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	if err := s.markRuntimeNext(); err != nil {
		writeError(w, err)
		return
	}
	select {
	case inv := <-s.events:
		s.mu.Lock()
		s.state, s.current, s.responded = stateInvoke, inv, false
		s.mu.Unlock()
		if inv.Delivered != nil {
			inv.Delivered()
		}
		inv.headers(w.Header())
		w.WriteHeader(http.StatusOK)
		w.Write(inv.Payload)
	case <-r.Context().Done():
	case <-s.closed:
		writeError(w, errInternal)
	}
}

// response takes the runtime's answer: buffered, chunked or streamed, with
// the error trailers runtimes may send after a streamed body. A streamed
// answer to an invocation that takes a stream is relayed as it arrives.
func (s *Server) response(w http.ResponseWriter, r *http.Request, id string) {
	inv, err := s.claim(id, "InvocationResponse")
	if err != nil {
		writeError(w, err)
		return
	}
	if mode := r.Header.Get("Lambda-Runtime-Function-Response-Mode"); mode != "" && mode != "streaming" {
		inv.done <- Result{Outcome: InvalidResponseMode}
		writeError(w, errInvalidResponseMode)
		return
	}
	if streams(inv, r) {
		s.relayResponse(w, r, inv)
		return
	}
	body, ok := readAnswer(w, r, inv)
	if !ok {
		return
	}
	if errType := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); errType != "" {
		payload, _ := base64.StdEncoding.DecodeString(r.Trailer.Get("Lambda-Runtime-Function-Error-Body"))
		inv.done <- Result{Outcome: FunctionError, ErrorType: errType, Payload: payload, ContentType: "application/json"}
	} else {
		inv.done <- Result{Outcome: Success, Payload: body, ContentType: r.Header.Get("Content-Type")}
	}
	writeAccepted(w)
}

// invocationError takes an error the runtime reports for an invocation;
// the body goes to the caller verbatim.
func (s *Server) invocationError(w http.ResponseWriter, r *http.Request, id string) {
	inv, err := s.claim(id, "InvocationErrorResponse")
	if err != nil {
		writeError(w, err)
		return
	}
	body, ok := readAnswer(w, r, inv)
	if !ok {
		return
	}
	if r.Header.Get("Content-Type") == "application/vnd.aws.lambda.error.cause+json" {
		body = withoutXRayCause(body)
	}
	inv.done <- Result{Outcome: FunctionError, Payload: body, ContentType: "application/json",
		ErrorType: r.Header.Get("Lambda-Runtime-Function-Error-Type")}
	writeAccepted(w)
}

// initError records a failure the runtime reports before its first /next.
func (s *Server) initError(w http.ResponseWriter, r *http.Request) {
	body, _, err := readPayload(r.Body)
	if err != nil {
		writeError(w, errTruncated)
		return
	}
	s.mu.Lock()
	if s.state != stateInit {
		st := s.state
		s.mu.Unlock()
		writeError(w, transitionError(st, "InitError"))
		return
	}
	s.initErr = &ErrorReport{ErrorType: r.Header.Get("Lambda-Runtime-Function-Error-Type"), Payload: body}
	s.mu.Unlock()
	writeAccepted(w)
}

// readPayload reads at most MaxPayload bytes; past that it only counts (up
// to a bound) so that the caller can be told the response's size.
func readPayload(body io.Reader) ([]byte, int64, error) {
	data, err := io.ReadAll(io.LimitReader(body, MaxPayload+1))
	if err != nil {
		return nil, int64(len(data)), err
	}
	if len(data) <= MaxPayload {
		return data, int64(len(data)), nil
	}
	rest, _ := io.Copy(io.Discard, io.LimitReader(body, 1<<30))
	return nil, int64(len(data)) + rest, nil
}

// readAnswer reads the payload of a runtime's answer to inv. One too large
// or cut short ends the invocation with that outcome and is refused (false).
func readAnswer(w http.ResponseWriter, r *http.Request, inv *Invocation) ([]byte, bool) {
	body, size, err := readPayload(r.Body)
	switch {
	case size > MaxPayload:
		inv.done <- Result{Outcome: ResponseTooLarge, Size: size}
		writeError(w, errTooLarge)
		return nil, false
	case err != nil:
		inv.done <- Result{Outcome: Truncated}
		writeError(w, errTruncated)
		return nil, false
	}
	return body, true
}

// withoutXRayCause strips the X-Ray cause RAPID splits off combined error bodies.
func withoutXRayCause(body []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	delete(m, "xrayErrorCause")
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// apiError is an error answer of the Runtime or Extensions API.
type apiError struct {
	status    int
	errorType string
	message   string
}

func (e *apiError) Error() string { return e.errorType + ": " + e.message }

var (
	errInvalidRequestID    = &apiError{http.StatusBadRequest, "InvalidRequestID", "Invalid request ID"}
	errInvalidResponseMode = &apiError{http.StatusBadRequest, "InvalidFunctionResponseMode", "Invalid function response mode"}
	errTooLarge            = &apiError{http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", MaxPayload)}
	errTruncated           = &apiError{http.StatusBadRequest, "TruncatedHTTPRequest", "HTTP request detected as truncated"}
	errInternal            = &apiError{http.StatusInternalServerError, "InternalServerError", "Internal Server Error"}
)

func transitionError(from state, to string) error {
	return &apiError{http.StatusForbidden, "InvalidStateTransition",
		fmt.Sprintf("State transition from %s to %s failed for runtime. Error: State transition is not allowed", stateNames[from], to)}
}

func writeError(w http.ResponseWriter, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		e = errInternal
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(map[string]string{"errorMessage": e.message, "errorType": e.errorType})
}

func writeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	w.Write(accepted)
}

var accepted = []byte(`{"status":"OK"}` + "\n")

// notSupported answers the Logs and Telemetry APIs as the runtime emulator
// does when they are disabled.
func notSupported(api string) func(*Server, http.ResponseWriter, *http.Request) {
	return func(_ *Server, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(map[string]string{"errorType": api + ".NotSupported", "errorMessage": api + " API is not supported"})
	}
}

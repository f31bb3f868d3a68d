package lambdaapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/wire"
)

// invokeWithResponseStream is InvokeWithResponseStream: the function's
// response reaches the caller as an event stream of PayloadChunk events,
// each sent as the runtime streams it, then one InvokeComplete with the
// error (a function error, even mid-stream) and the log tail.
func (h *handler) invokeWithResponseStream(w http.ResponseWriter, r *http.Request) error {
	inv, invocationType, err := h.invocationOf(r)
	if err != nil {
		return err
	}
	switch invocationType {
	case "DryRun":
		if err := h.invoker.Resolve(r.Context(), inv); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	case "Event":
		var v lambda.Validator
		v.Enum("invocationType", invocationType, "RequestResponse", "DryRun")
		return v.Err()
	}
	es := &eventStream{w: w, inv: inv}
	inv.Stream = es
	res, err := h.invoker.Invoke(r.Context(), inv)
	if err != nil {
		if !es.started {
			return err
		}
		payload, _ := json.Marshal(map[string]string{"errorType": "ServiceException", "errorMessage": err.Error()})
		res = &lambda.Result{FunctionError: "Unhandled", Payload: payload}
	}
	if !es.started && res.FunctionError == "" && len(res.Payload) > 0 {
		es.Write(res.Payload) // a response the function did not stream: one chunk
	}
	es.complete(res)
	return nil
}

// eventStream is the lambda.ResponseStream of InvokeWithResponseStream.
type eventStream struct {
	w       http.ResponseWriter
	inv     *lambda.Invocation
	started bool
	buf     []byte
}

// start sends the status and headers, once: the executed version is known
// by the time the function streams (the invoker resolved it first).
func (s *eventStream) start() {
	if s.started {
		return
	}
	s.started = true
	h := s.w.Header()
	h.Set("Content-Type", wire.EventStreamContentType)
	if t := s.inv.Target; t != nil {
		h.Set("X-Amz-Executed-Version", t.Config.Version)
	}
	s.w.WriteHeader(http.StatusOK)
}

// Begin starts the response as soon as the function starts streaming.
func (s *eventStream) Begin(contentType string) {
	s.start()
	http.NewResponseController(s.w).Flush()
}

// Write sends p as one PayloadChunk event, at once.
func (s *eventStream) Write(p []byte) (int, error) {
	s.start()
	s.buf = wire.AppendEvent(s.buf[:0], "PayloadChunk", "application/octet-stream", p)
	if _, err := s.w.Write(s.buf); err != nil {
		return 0, err
	}
	return len(p), http.NewResponseController(s.w).Flush()
}

// complete sends InvokeComplete: ErrorCode and ErrorDetails for a failed
// function (its errorType and errorMessage), LogResult when asked for.
func (s *eventStream) complete(res *lambda.Result) {
	s.start()
	var done struct {
		ErrorCode    string `json:"ErrorCode,omitempty"`
		ErrorDetails string `json:"ErrorDetails,omitempty"`
		LogResult    string `json:"LogResult,omitempty"`
	}
	if res.FunctionError != "" {
		var e struct{ ErrorType, ErrorMessage string }
		json.Unmarshal(res.Payload, &e)
		done.ErrorCode, done.ErrorDetails = e.ErrorType, e.ErrorMessage
		if done.ErrorCode == "" {
			done.ErrorCode = res.FunctionError
		}
	}
	if s.inv.Tail {
		done.LogResult = base64.StdEncoding.EncodeToString(res.LogTail)
	}
	payload, _ := json.Marshal(&done)
	s.w.Write(wire.AppendEvent(nil, "InvokeComplete", "application/json", payload))
	http.NewResponseController(s.w).Flush()
}

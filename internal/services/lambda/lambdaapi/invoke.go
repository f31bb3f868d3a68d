package lambdaapi

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/nubo-dev/nubo/internal/services/lambda"
	"github.com/nubo-dev/nubo/internal/services/lambda/async"
	"github.com/nubo-dev/nubo/internal/wire"
)

// maxSyncPayload is the largest synchronous request payload (6 MB).
const maxSyncPayload = 6 * 1024 * 1024

// maxClientContext is the largest X-Amz-Client-Context, base64-encoded.
const maxClientContext = 3583

// invoke is the Invoke operation.
func (h *handler) invoke(w http.ResponseWriter, r *http.Request) error {
	req, invocationType, err := h.invocationOf(r)
	if err != nil {
		return err
	}
	switch invocationType {
	case "Event":
		if _, err := h.async.Enqueue(r.Context(), &lambda.Invocation{Scope: req.Scope, Function: req.Function, RequestID: req.RequestID, Payload: req.Payload}); err != nil {
			return err
		}
		w.WriteHeader(http.StatusAccepted)
		return nil
	case "DryRun":
		if err := h.invoker.Resolve(r.Context(), req); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	resp, err := h.invoker.Invoke(r.Context(), req)
	if err != nil {
		return err
	}
	hdr := w.Header()
	hdr.Set("X-Amz-Executed-Version", resp.ExecutedVersion)
	if resp.FunctionError != "" {
		hdr.Set("X-Amz-Function-Error", resp.FunctionError)
	}
	if req.Tail {
		hdr.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(resp.LogTail))
	}
	ct := resp.ContentType
	if ct == "" {
		ct = "application/json"
	}
	hdr.Set("Content-Type", ct)
	hdr.Set("Content-Length", strconv.Itoa(len(resp.Payload)))
	w.WriteHeader(http.StatusOK)
	w.Write(resp.Payload)
	return nil
}

// invocationOf reads an Invoke (or InvokeWithResponseStream) request:
// the function, its headers and the payload, checked as Lambda does.
func (h *handler) invocationOf(r *http.Request) (*lambda.Invocation, string, error) {
	scope, ref, err := h.functionRef(r, 256)
	if err != nil {
		return nil, "", err
	}
	invocationType, logType, err := invokeHeaders(r)
	if err != nil {
		return nil, "", err
	}
	payload, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxSyncPayload))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, "", lambda.Errorf(lambda.ErrRequestTooLarge, "Request must be smaller than %d bytes for the InvokeFunction operation", maxSyncPayload)
	}
	if err != nil {
		return nil, "", fmt.Errorf("read payload: %w", err)
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if invocationType == "Event" && len(payload) > async.MaxPayload {
		return nil, "", lambda.Errorf(lambda.ErrRequestTooLarge, "Request must be smaller than %d bytes for the InvokeFunction operation", async.MaxPayload)
	}
	if err := checkJSON(payload); err != nil {
		return nil, "", err
	}
	clientContext, err := decodeClientContext(r.Header.Get("X-Amz-Client-Context"))
	if err != nil {
		return nil, "", err
	}
	return &lambda.Invocation{Scope: scope, Function: ref, RequestID: wire.RequestID(r.Context()), Payload: payload,
		ClientContext: clientContext, TraceID: traceID(r), Tail: logType == "Tail"}, invocationType, nil
}

// checkJSON refuses a payload that is not JSON, as Lambda does before
// invoking anything.
func checkJSON(payload []byte) error {
	if json.Valid(payload) {
		return nil
	}
	var v any
	if err := json.Unmarshal(payload, &v); err != nil {
		return lambda.Errorf(lambda.ErrInvalidRequestContent, "Could not parse request body into json: Could not parse payload into json: %v", err)
	}
	return nil
}

func invokeHeaders(r *http.Request) (invocationType, logType string, err error) {
	invocationType = r.Header.Get("X-Amz-Invocation-Type")
	if invocationType == "" {
		invocationType = "RequestResponse"
	}
	logType = r.Header.Get("X-Amz-Log-Type")
	if logType == "" {
		logType = "None"
	}
	var v lambda.Validator
	v.Enum("invocationType", invocationType, "Event", "RequestResponse", "DryRun")
	v.Enum("logType", logType, "None", "Tail")
	return invocationType, logType, v.Err()
}

// decodeClientContext turns X-Amz-Client-Context into the JSON the runtime
// receives.
func decodeClientContext(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if len(s) > maxClientContext {
		return "", lambda.Errorf(lambda.ErrInvalidParameterValue, "Client context must be less than or equal to %d bytes.", maxClientContext)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || !json.Valid(b) {
		return "", lambda.Errorf(lambda.ErrInvalidRequestContent, "Client context must be a valid Base64-encoded JSON object.")
	}
	return string(b), nil
}

// traceID passes the caller's X-Amzn-Trace-Id on, or starts a trace as
// Lambda does for every invocation.
func traceID(r *http.Request) string {
	if t := r.Header.Get("X-Amzn-Trace-Id"); t != "" {
		return t
	}
	var b [20]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return "Root=1-" + strconv.FormatInt(time.Now().Unix(), 16) + "-" + h[:24] + ";Parent=" + h[24:40] + ";Sampled=0"
}

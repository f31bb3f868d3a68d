package lambda

// Invocation is one invocation of a function, the one value every hop
// carries: the Invoke API, the asynchronous queue and the event source
// mappings build it, the invoker resolves its Target, the engine runs it and
// the Runtime API hands it to the function.
type Invocation struct {
	Scope Scope
	// Function is the function as the caller named it (name, qualified
	// name or ARN, with its qualifier merged in).
	Function FunctionRef
	// RequestID is the invocation's id; the invoker makes one when empty.
	RequestID     string
	Payload       []byte
	ClientContext string // decoded JSON
	TraceID       string
	// Tail asks for the last 4 KB of the invocation's log.
	Tail bool
	// Stream, when set, receives a response the runtime streams, as it
	// arrives (InvokeWithResponseStream, RESPONSE_STREAM function URLs);
	// the Result then has no Payload, and a FunctionError came
	// mid-stream (error trailers, a timeout). Whether anything was
	// streamed, the stream knows: Begin was called.
	Stream ResponseStream
	// Target is what Function resolved to; the invoker sets it.
	Target *Target
}

// Target is what an invocation's FunctionName and Qualifier resolve to.
type Target struct {
	// Config is the configuration of the version that runs; its Version is
	// the executed version.
	Config *FunctionConfiguration
	// InvokedARN is the ARN as the caller named it.
	InvokedARN string
	// Reserved is the function's reserved concurrency, if any;
	// ReservedTotal sums every reservation in the region.
	Reserved      *int
	ReservedTotal int
}

// Result is an invocation's outcome as its caller sees it.
type Result struct {
	RequestID string
	// ExecutedVersion is the version that ran.
	ExecutedVersion string
	Payload         []byte
	ContentType     string
	// FunctionError is "Unhandled" when the function failed.
	FunctionError string
	LogTail       []byte
}

// ResponseStream receives a streamed response as the function sends it.
type ResponseStream interface {
	// Begin is called once, before the first Write, with the response's
	// content type.
	Begin(contentType string)
	// Write relays bytes to the caller at once. After an error the rest
	// of the response is dropped; the function runs on.
	Write(p []byte) (int, error)
}

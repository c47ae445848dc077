package pipeline

// Result is what a hook returns, lighttpd's handler_t: it says whether the
// pipeline goes on to the next hook, and if not, why. The connection state
// machine reads the same words from Pipeline.Handle.
type Result uint8

const (
	// GoOn (HANDLER_GO_ON): the hook is done with the request; the next
	// hook runs.
	GoOn Result = iota
	// Finished (HANDLER_FINISHED): the response is set (a status, and
	// headers and a body if any); no further hook of the phase runs.
	Finished
	// Comeback (HANDLER_COMEBACK): the request was rewritten
	// (Head.SetTarget): it starts again from the uri-raw phase, with
	// conditions evaluated again. A request that comes back more than
	// MaxComebacks times is answered 500 and logged.
	Comeback
	// WaitForEvent (HANDLER_WAIT_FOR_EVENT): the hook waits for something
	// it registered with the request's Events (an fd, a timer, a wake-up);
	// the pipeline runs it again, on the same loop, when that happens.
	WaitForEvent
	// Error (HANDLER_ERROR): the request failed: 500 and a log line if
	// nothing was sent yet, else the connection is closed.
	Error
)

var resultNames = [...]string{
	GoOn:         "go on",
	Finished:     "finished",
	Comeback:     "comeback",
	WaitForEvent: "wait for event",
	Error:        "error",
}

// String returns the result in words, for logs and tests.
func (r Result) String() string {
	if int(r) < len(resultNames) {
		return resultNames[r]
	}
	return "result(?)"
}

package reactor

// State is a connection's place in lighttpd's connection state machine
// (CON_STATE_* in lighttpd's request.h). The order matters: states before
// StateWrite have not started a response.
type State uint8

const (
	StateConnect       State = iota // CON_STATE_CONNECT: not serving anything
	StateRequestStart               // CON_STATE_REQUEST_START: a new request begins
	StateRead                       // CON_STATE_READ: reading the request line and headers
	StateReadPost                   // CON_STATE_READ_POST: reading the request body
	StateHandleRequest              // CON_STATE_HANDLE_REQUEST: a handler produces the response
	StateWrite                      // CON_STATE_WRITE: the response is being written
	StateResponseEnd                // CON_STATE_RESPONSE_END: keep-alive or shut down
	StateError                      // CON_STATE_ERROR: close without a response
	StateClose                      // CON_STATE_CLOSE: lingering close after shutdown(SHUT_WR)
)

var stateNames = [...]struct{ short, long string }{
	StateConnect:       {".", "connect"},
	StateRequestStart:  {"q", "req-start"},
	StateRead:          {"r", "read"},
	StateReadPost:      {"R", "readpost"},
	StateHandleRequest: {"h", "handle-req"},
	StateWrite:         {"W", "write"},
	StateResponseEnd:   {"S", "resp-end"},
	StateError:         {"E", "error"},
	StateClose:         {"C", "close"},
}

// String returns lighttpd's long name for the state, as mod_status shows it.
func (s State) String() string { return stateNames[s].long }

// Short returns lighttpd's one-letter name for the state.
func (s State) Short() string { return stateNames[s].short }

package pipeline

import (
	"net/netip"

	"github.com/featherd/featherd/chunkqueue"
	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/statcache"
)

// Request is one connection's request as it goes through the pipeline,
// lighttpd's request_st: the connection it came on, the parsed head and
// body, the condition evaluator, the physical path, the environment for
// gateways, and the response. The reactor keeps one per connection and
// reuses it for every request on it (Reset keeps its buffers).
//
// A Request is owned by its connection's event loop goroutine: hooks run
// there and nothing else may touch it. The strings in it point into its
// buffers and are valid until the request ends; copy what must outlive it.
type Request struct {
	// The connection, set when it is accepted.

	// ConnID names the connection for as long as it is open (never reused).
	ConnID uint64
	// Socket is the token of the listen socket it came on, as
	// $SERVER["socket"] compares it.
	Socket string
	// Peer is the address the connection came from; invalid on a unix
	// socket.
	Peer netip.AddrPort
	// Local is the address it was accepted on; invalid on a unix socket.
	Local netip.AddrPort
	// RemoteIP is the client's address as conditions ($HTTP["remoteip"]),
	// logs, access control and gateways see it: Peer's address, or the
	// one mod_extforward took from a trusted proxy's headers.
	RemoteIP string
	// RemotePort is the client's port to go with RemoteIP.
	RemotePort uint16
	// Scheme is "http", or what mod_extforward was told by a trusted proxy.
	Scheme string

	// Eval evaluates the configuration's conditions for this request;
	// modules merge their options with it (config.Scoped.Merge).
	Eval *config.Eval
	// Options are the core options for the request, conditions applied.
	Options *config.Options
	// Server are the server-wide options.
	Server *config.ServerOptions

	// Head is the request line and headers. Head.Current, Path and
	// Query are what the request is served for (a rewrite changes them);
	// Head.Target is what the client sent.
	Head http.Request
	// Body is the request body, complete when the pipeline runs: in
	// memory up to 64 KiB, then in a temp file.
	Body chunkqueue.Queue
	// Env is the environment for gateways (CGI variables from
	// mod_setenv, REDIRECT_STATUS from an error handler).
	Env Env
	// Physical is where in the file system the request maps to.
	Physical PhysicalPath
	// Resp is the response.
	Resp http.Response

	// Events lets a hook that waits be resumed on this connection's loop.
	Events Events
	// StatCache is the loop's cache of stat results and open files.
	StatCache *statcache.Cache
	// Spool says where a body beyond 64 KiB goes (server.upload-dirs): a
	// handler that produces a response faster than the client reads it
	// appends with Resp.Body.ReadFrom or Spool and this.
	Spool *chunkqueue.SpoolConfig
	// Deadline is the loop second past which a handler that still waits
	// gives up: the request is then answered 504 (or, its head sent,
	// closed) and the handler reset. A handler with a timeout of its own
	// sets it each time it waits; otherwise the pipeline sets it from
	// server.max-write-idle, and moves it on while a streamed body grows.
	Deadline int64
	// Now is the loop's clock, in seconds since the server started.
	Now int64

	preamble        Preamble   // reads what comes before the connection's first request, or nil
	pipe            *Pipeline  // the loop\'s pipeline, for PopulateEnv
	envDone         bool       // the RequestEnv hooks have run
	defaultDeadline bool       // Deadline is the pipeline's, not the handler's
	modData         []any      // per module (Setup.Slot): the request's state, cleared by Reset
	modConnData     []any      // per module: the connection's state, cleared by Pipeline.Close
	handler         Subrequest // the module that claimed the request, or nil
	step            int        // the next step of prepare
	hook            int        // the next hook of that step
	comebacks       int
	saved           int         // lighttpd's error_handler_saved_status: >0 error-handler, <0 error-handler-404, 65535 it succeeded
	savedMeth       http.Method // the method before server.error-handler made it GET
	final           bool        // the status stands: no error handler (a timeout, a comeback loop)
	waiting         bool        // a handler returned WaitForEvent and has not been run since
	headReady       bool        // a streamed head is prepared, not yet sent
	headSent        bool        // the response's head is out (streaming)
	scratch         []byte
}

// Reset makes r ready for the connection's next request, keeping its
// buffers. The connection fields stay.
func (r *Request) Reset() {
	r.Head.Reset()
	r.Body.Reset()
	r.Env.Reset()
	r.Physical.Reset()
	r.Resp.Reset()
	r.Deadline, r.defaultDeadline = 0, false
	clear(r.modData)
	r.handler = nil
	r.step, r.hook = 0, 0
	r.comebacks = 0
	r.saved = 0
	r.final, r.waiting, r.headReady, r.headSent = false, false, false, false
	r.envDone = false
}

// ExpectPreamble has the connection's first bytes read by p before its
// first request is parsed (see Preamble). A ConnectionAccept hook calls
// it; it lasts until p has returned something other than WaitForEvent.
func (r *Request) ExpectPreamble(p Preamble) { r.preamble = p }

// ExpectsPreamble reports whether a preamble is still to be read.
func (r *Request) ExpectsPreamble() bool { return r.preamble != nil }

// ReadPreamble hands what the connection has received to the module that
// expects a preamble, and reports what it returned (see Preamble).
func (r *Request) ReadPreamble(in []byte) (int, Result) {
	n, rc := r.preamble.Preamble(r, in)
	if rc != WaitForEvent {
		r.preamble = nil
	}
	return n, rc
}

// Data returns what the module with slot (its Setup.Slot) keeps for
// this request (lighttpd's r->plugin_ctx), or nil. It is cleared when
// the request is reset, after the RequestReset hooks: a module that pools
// what it stores takes it back there.
func (r *Request) Data(slot int) any {
	if slot < len(r.modData) {
		return r.modData[slot]
	}
	return nil
}

// SetData stores v as the request's state of the module with slot. A
// pointer stored here costs no allocation.
func (r *Request) SetData(slot int, v any) {
	if slot >= len(r.modData) {
		r.modData = append(r.modData, make([]any, slot+1-len(r.modData))...)
	}
	r.modData[slot] = v
}

// ConnData returns what the module with slot keeps for this connection
// across its requests (lighttpd's con->plugin_ctx), or nil.
func (r *Request) ConnData(slot int) any {
	if slot < len(r.modConnData) {
		return r.modConnData[slot]
	}
	return nil
}

// SetConnData stores v as the connection's state of the module with slot;
// it stays until the connection closes: Pipeline.Close forgets it after
// the ConnectionClose hooks.
func (r *Request) SetConnData(slot int, v any) {
	if slot >= len(r.modConnData) {
		r.modConnData = append(r.modConnData, make([]any, slot+1-len(r.modConnData))...)
	}
	r.modConnData[slot] = v
}

// PopulateEnv has every module add its variables to Env (the RequestEnv
// hooks), once per request: a gateway calls it before it builds its
// backend's environment.
func (r *Request) PopulateEnv() {
	if r.envDone || r.pipe == nil {
		return
	}
	r.envDone = true
	for _, h := range r.pipe.reqEnv {
		h.RequestEnv(r)
	}
}

// Claim makes h the request's handler (lighttpd's r->handler_module): it
// answers the request in the subrequest phase. A subrequest-start hook
// claims, then returns GoOn to let the core run h, or Finished if it has
// answered already.
func (r *Request) Claim(h Subrequest) { r.handler = h }

// Claimed reports whether a module has claimed the request.
func (r *Request) Claimed() bool { return r.handler != nil }

// Handler returns the module that claimed the request, or nil.
func (r *Request) Handler() Subrequest { return r.handler }

// Comebacks returns how many times the request came back (Comeback).
func (r *Request) Comebacks() int { return r.comebacks }

// ErrorHandlerStatus returns the status an error handler is serving the
// request for, or 0 when the request is not an error handler's.
func (r *Request) ErrorHandlerStatus() int {
	switch {
	case r.saved > 0 && r.saved < 65535:
		return r.saved
	case r.saved < 0:
		return -r.saved
	}
	return 0
}

// HeadSent reports whether the response's head has gone out (a streamed
// response): its status and headers can no longer change.
func (r *Request) HeadSent() bool { return r.headSent }

// HeadReady reports whether Handle, returning WaitForEvent, prepared a
// streamed response's head for the reactor to send now.
func (r *Request) HeadReady() bool { return r.headReady }

// MarkHeadSent records that the reactor has sent the head.
func (r *Request) MarkHeadSent() { r.headReady, r.headSent = false, true }

// Authority is the request's host as the client gave it (Host, or an
// absolute target's authority), lower-cased; "" if none.
func (r *Request) Authority() string { return r.Head.Host }

// ConditionValue gives config conditions the values they compare; it
// implements config.Subject, so conditions see what modules changed (a
// rewritten path, the client address mod_extforward found).
func (r *Request) ConditionValue(f config.Field, header string) string {
	switch f {
	case config.FieldSocket:
		return r.Socket
	case config.FieldRemoteIP:
		return r.RemoteIP
	case config.FieldScheme:
		return r.Scheme
	case config.FieldHost:
		return r.Head.Host
	case config.FieldURL:
		return r.Head.Path
	case config.FieldQuery:
		return r.Head.Query
	case config.FieldMethod:
		return r.Head.Method.String()
	case config.FieldHeader:
		return r.Head.Header(header)
	}
	return ""
}

// PhysicalPath is where the request maps to in the file system (lighttpd's
// r->physical): Path = DocRoot + RelPath, unless a physical hook (alias,
// userdir) mapped it elsewhere. The byte slices are reused between
// requests; hooks set them with append(x[:0], …).
type PhysicalPath struct {
	// DocRoot is the document root: server.document-root unless a docroot
	// hook (a vhost module) set one.
	DocRoot []byte
	// RelPath is the URL path the file is looked up by (lower-cased
	// with server.force-lowercase-filenames).
	RelPath []byte
	// Path is the file the request is for.
	Path []byte
	// BaseDir is the part of Path that does not come from the URL:
	// PATH_INFO is looked for only past it.
	BaseDir []byte
	// PathInfo is the part of the URL path past the file (PATH_INFO), cut
	// from Path and from Head.Path.
	PathInfo []byte
	// Entry is the stat of Path once the core checked it (lighttpd's
	// r->tmp_sce), valid in the subrequest-start phase until a hook
	// changes Path; nil otherwise.
	Entry *statcache.Entry
}

// Reset empties p, keeping its buffers.
func (p *PhysicalPath) Reset() {
	p.DocRoot, p.RelPath, p.Path = p.DocRoot[:0], p.RelPath[:0], p.Path[:0]
	p.BaseDir, p.PathInfo = p.BaseDir[:0], p.PathInfo[:0]
	p.Entry = nil
}

// Env is the environment a gateway passes to its backend besides the
// request's own variables: name/value pairs in the order they were set.
type Env struct {
	kv []string
}

// Set sets name to value, replacing an earlier value.
func (e *Env) Set(name, value string) {
	for i := 0; i < len(e.kv); i += 2 {
		if e.kv[i] == name {
			e.kv[i+1] = value
			return
		}
	}
	e.kv = append(e.kv, name, value)
}

// Add adds value to name's, joined by ", " when name has a value already,
// as lighttpd's http_header_env_append (mod_setenv's
// setenv.add-environment). An empty value is added too: a variable may be
// set and empty.
func (e *Env) Add(name, value string) {
	for i := 0; i < len(e.kv); i += 2 {
		if e.kv[i] == name {
			if e.kv[i+1] == "" {
				e.kv[i+1] = value
			} else {
				e.kv[i+1] += ", " + value
			}
			return
		}
	}
	e.kv = append(e.kv, name, value)
}

// Get returns name's value.
func (e *Env) Get(name string) (string, bool) {
	for i := 0; i < len(e.kv); i += 2 {
		if e.kv[i] == name {
			return e.kv[i+1], true
		}
	}
	return "", false
}

// Each calls fn for every variable, in the order they were first set.
func (e *Env) Each(fn func(name, value string)) {
	for i := 0; i < len(e.kv); i += 2 {
		fn(e.kv[i], e.kv[i+1])
	}
}

// Len returns the number of variables.
func (e *Env) Len() int { return len(e.kv) / 2 }

// Reset empties e, keeping its buffer.
func (e *Env) Reset() {
	clear(e.kv)
	e.kv = e.kv[:0]
}

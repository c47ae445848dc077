package pipeline

import (
	"log"
	"strings"

	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/statcache"
)

// MaxComebacks bounds how often one request may come back (a rewrite, an
// error handler): a configuration whose rewrites loop gets a 500 and a
// log line instead of a loop that never ends.
const MaxComebacks = 100

// Pipeline is one event loop's modules, with the hooks each implements
// in server.modules order, and the loop's stat cache. It is owned by its
// loop's goroutine.
type Pipeline struct {
	plan   *Plan
	logger *log.Logger
	cache  *statcache.Cache

	uriRaw    []URIRaw
	uriClean  []URIClean
	docroot   []Docroot
	physical  []Physical
	subStart  []SubrequestStart
	reqEnv    []RequestEnv
	respStart []ResponseStart
	reqDone   []RequestDone
	reqReset  []RequestReset
	accept    []ConnectionAccept
	connClose []ConnectionClose
	trigger   []Trigger
	sighup    []Sighup
}

// NewLoop makes the pipeline of one event loop: an instance of every
// module of the plan, and a stat cache.
func (p *Plan) NewLoop() *Pipeline {
	engine := p.cfg.Server.StatCacheEngine
	pl := &Pipeline{plan: p, logger: p.logger, cache: statcache.New(engine == "disable" || engine == "none")}
	for _, m := range p.modules {
		setup := m.setup
		inst := m.module.New(&setup)
		if h, ok := inst.(URIRaw); ok {
			pl.uriRaw = append(pl.uriRaw, h)
		}
		if h, ok := inst.(URIClean); ok {
			pl.uriClean = append(pl.uriClean, h)
		}
		if h, ok := inst.(Docroot); ok {
			pl.docroot = append(pl.docroot, h)
		}
		if h, ok := inst.(Physical); ok {
			pl.physical = append(pl.physical, h)
		}
		if h, ok := inst.(SubrequestStart); ok {
			pl.subStart = append(pl.subStart, h)
		}
		if h, ok := inst.(RequestEnv); ok {
			pl.reqEnv = append(pl.reqEnv, h)
		}
		if h, ok := inst.(ResponseStart); ok {
			pl.respStart = append(pl.respStart, h)
		}
		if h, ok := inst.(RequestDone); ok {
			pl.reqDone = append(pl.reqDone, h)
		}
		if h, ok := inst.(RequestReset); ok {
			pl.reqReset = append(pl.reqReset, h)
		}
		if h, ok := inst.(ConnectionAccept); ok {
			pl.accept = append(pl.accept, h)
		}
		if h, ok := inst.(ConnectionClose); ok {
			pl.connClose = append(pl.connClose, h)
		}
		if h, ok := inst.(Trigger); ok {
			pl.trigger = append(pl.trigger, h)
		}
		if h, ok := inst.(Sighup); ok {
			pl.sighup = append(pl.sighup, h)
		}
	}
	return pl
}

// StatCache returns the loop's stat cache.
func (p *Pipeline) StatCache() *statcache.Cache { return p.cache }

// LimitOpenFiles bounds the files the loop's stat cache keeps open.
func (p *Pipeline) LimitOpenFiles(n int) { p.cache.LimitOpenFiles(n) }

// Handle runs the request through the pipeline (lighttpd's
// http_response_handler) and says what the connection does next:
//
//   - Finished: the response is ready (head and whole body, or, once a
//     streamed head went out, the end of the body): write it. A response
//     that is still marked Streaming has a head without Content-Length
//     and nothing after it (a HEAD request's).
//   - WaitForEvent: a handler waits; run Handle again when r.Events
//     reports. If r.HeadReady, a streamed response's head and the body so
//     far go out now (MarkHeadSent), and the rest follows from later
//     calls.
//   - Error: the response cannot be completed; close the connection
//     once what is queued has gone out. (Before the head is sent an error
//     becomes a 500 response instead.)
//
// A request the reactor already failed (a status of 400 and up from the
// parser or a limit) gets no module: its error document, or the error
// handler, answers it.
//
// A handler's body goes out as it is produced only with
// server.stream-response-body (1 or 2); with lighttpd's default, 0, the
// head waits for the whole body, which then gets a Content-Length.
func (p *Pipeline) Handle(r *Request) Result {
	r.pipe = p
	r.waiting = false
	for {
		var rc Result
		grew := false
		switch {
		case r.handler != nil:
			n := r.Resp.Body.Len()
			rc = handlerResult(r.handler.Subrequest(r))
			grew = r.Resp.Body.Len() > n
		case r.Resp.Status > 200:
			rc = Finished // failed earlier: no module runs
		default:
			rc = p.prepare(r)
		}
		if r.headSent {
			switch rc {
			case Finished:
				return Finished
			case WaitForEvent:
				p.wait(r)
				if grew {
					r.progress()
				}
				return WaitForEvent
			}
			p.logger.Printf("%s: the handler failed after the response started; closing the connection", r.Head.Path)
			return Error
		}
		switch rc {
		case WaitForEvent:
			if !r.Resp.Streaming || r.Options.StreamResponseBody == 0 {
				p.wait(r)
				if grew {
					r.progress()
				}
				return WaitForEvent
			}
			// The handler has the head: it goes out now, unless an error
			// handler takes the request over.
			if p.respond(r) {
				if r.Resp.Streaming && r.Head.Method != http.MethodHead {
					r.headReady = true
					p.wait(r)
					return WaitForEvent
				}
				return Finished // a 204, 205 or 304, or HEAD: nothing follows the head
			}
		case GoOn, Finished:
			r.Resp.Streaming = false // the whole body is here: it gets a Content-Length
			if p.respond(r) {
				return Finished
			}
		case Comeback:
		case Error:
			p.logger.Printf("%s: request failed in a module; answering 500", r.Head.Path)
			p.fail(r, 500)
			continue
		}
		if !p.comeback(r) {
			continue // answered with an error status
		}
	}
}

// handlerResult reads a claimed handler's GoOn as Finished, as lighttpd's
// http_response_prepare_handler does: there is no later hook for it to
// go on to.
func handlerResult(rc Result) Result {
	if rc == GoOn {
		return Finished
	}
	return rc
}

// wait marks r as waiting for its handler, with a deadline.
func (p *Pipeline) wait(r *Request) {
	r.waiting = true
	if r.Deadline == 0 {
		r.Deadline = r.Now + int64(r.Options.MaxWriteIdle.Seconds())
		r.defaultDeadline = true
	}
}

// Waiting reports whether r waits for its handler (Handle returned
// WaitForEvent and has not run since).
func (r *Request) Waiting() bool { return r.waiting }

// progress moves a deadline the pipeline set (server.max-write-idle) on
// when a waiting handler's response grew, so that a response that keeps
// coming is not cut, whether it streams or is buffered whole.
func (r *Request) progress() {
	if r.waiting && r.defaultDeadline {
		r.Deadline = r.Now + int64(r.Options.MaxWriteIdle.Seconds())
	}
}

// respond finishes the response's head (lighttpd's
// http_response_write_prepare) unless an error handler takes the request
// over; it reports false when the request must come back for the error
// handler.
func (p *Pipeline) respond(r *Request) bool {
	if r.Resp.Status == 0 {
		r.Resp.Status = 200
	}
	if (r.Resp.Status >= 400 || r.saved != 0) && p.errorHandler(r) {
		return false
	}
	p.writePrepare(r)
	return true
}

// fail answers r with status and its error document, dropping what a
// handler had set, and without further modules.
func (p *Pipeline) fail(r *Request, status int) {
	p.dropHandler(r)
	r.Resp.ClearForError()
	r.Resp.Status = status
	r.Resp.Streaming = false
}

// dropHandler lets the claimed handler go: its module's RequestReset
// runs now (it runs again, with the others', when the request ends), so
// that it releases its backend at once.
func (p *Pipeline) dropHandler(r *Request) {
	if r.handler != nil {
		if h, ok := r.handler.(RequestReset); ok {
			h.RequestReset(r)
		}
		r.handler = nil
	}
}

// comeback starts the request again from the first step, conditions
// evaluated anew (lighttpd's http_response_comeback). It reports false
// when the request is answered with an error status instead.
func (p *Pipeline) comeback(r *Request) bool {
	r.comebacks++
	if r.comebacks > MaxComebacks {
		p.logger.Printf("%s: the request came back %d times (rewrite or error handler loop?); answering 500",
			r.Head.Target, MaxComebacks)
		p.fail(r, 500)
		r.final = true // no error handler for this one
		return false
	}
	p.dropHandler(r)
	r.step, r.hook = 0, 0
	r.Physical.Reset()
	r.Eval.StartRequest()
	r.Options = r.Eval.Options()
	if max := r.Options.MaxRequestSize; max > 0 && r.Body.Len() > max {
		p.fail(r, 413)
		r.Resp.Close = true
		return false
	}
	return true
}

// The steps of prepare, lighttpd's http_response_prepare: the module
// hooks of each phase, and the core's work between them.
const (
	stepURIRaw = iota
	stepURIClean
	stepDocroot
	stepDocrootHooks
	stepPhysical
	stepPhysicalHooks
	stepCheck
	stepSubrequestStart
	stepFin
)

// prepare runs the steps from where the request left off, until one does
// not go on.
func (p *Pipeline) prepare(r *Request) Result {
	for {
		var rc Result
		switch r.step {
		case stepURIRaw:
			rc = runHooks(r, p.uriRaw, URIRaw.URIRaw)
		case stepURIClean:
			rc = runHooks(r, p.uriClean, URIClean.URIClean)
		case stepDocroot:
			rc = p.docrootStep(r)
		case stepDocrootHooks:
			rc = runHooks(r, p.docroot, Docroot.Docroot)
		case stepPhysical:
			rc = p.physicalStep(r)
		case stepPhysicalHooks:
			rc = runHooks(r, p.physical, Physical.Physical)
		case stepCheck:
			if r.handler != nil {
				// Claimed before the file check (a gateway that does not
				// check for the file): the handler answers, and the
				// subrequest-start hooks do not run.
				return handlerResult(r.handler.Subrequest(r))
			}
			rc = p.checkPath(r)
		case stepSubrequestStart:
			rc = runHooks(r, p.subStart, SubrequestStart.SubrequestStart)
		default: // stepFin
			if r.handler != nil {
				return handlerResult(r.handler.Subrequest(r))
			}
			return p.unhandled(r)
		}
		if rc != GoOn {
			return rc
		}
		r.step++
	}
}

// runHooks calls each hook of a phase in module order, from the one the
// request waits in, until one does not go on.
func runHooks[H any](r *Request, hooks []H, call func(H, *Request) Result) Result {
	for r.hook < len(hooks) {
		rc := call(hooks[r.hook], r)
		if rc == WaitForEvent {
			return rc // the same hook runs again
		}
		r.hook++
		if rc != GoOn {
			r.hook = 0
			return rc
		}
	}
	r.hook = 0
	return GoOn
}

// docrootStep answers OPTIONS * and CONNECT, and leaves the document root
// to the docroot hooks.
func (p *Pipeline) docrootStep(r *Request) Result {
	switch {
	case r.Head.Method == http.MethodOptions && r.Head.Path == "*":
		r.Resp.Status = 200
		r.Resp.AddHeader("Allow", "OPTIONS, GET, HEAD, POST")
		return Finished
	case r.Head.Method == http.MethodConnect:
		if r.handler != nil {
			return handlerResult(r.handler.Subrequest(r))
		}
		r.Resp.Status, r.Resp.Close = 405, true
		return Finished
	}
	r.Physical.DocRoot = r.Physical.DocRoot[:0]
	return GoOn
}

// physicalStep composes physical.path = doc root + rel path (lighttpd's
// http_response_prepare_physical).
func (p *Pipeline) physicalStep(r *Request) Result {
	ph := &r.Physical
	ph.RelPath = append(ph.RelPath[:0], r.Head.Path...)
	if r.Options.ForceLowercaseFilenames {
		lower(ph.RelPath)
	}
	if len(ph.DocRoot) == 0 {
		ph.DocRoot = append(ph.DocRoot, r.Options.DocumentRoot...)
	}
	ph.BaseDir = append(ph.BaseDir[:0], ph.DocRoot...)
	ph.Path = appendPath(ph.Path[:0], ph.DocRoot, ph.RelPath)
	return GoOn
}

// appendPath appends dir and rel joined by exactly one '/', as lighttpd's
// buffer_copy_path_len2.
func appendPath(dst, dir, rel []byte) []byte {
	dst = append(dst, dir...)
	if len(dst) > 0 && dst[len(dst)-1] == '/' && len(rel) > 0 && rel[0] == '/' {
		rel = rel[1:]
	} else if (len(dst) == 0 || dst[len(dst)-1] != '/') && len(rel) > 0 && rel[0] != '/' {
		dst = append(dst, '/')
	}
	return append(dst, rel...)
}

// unhandled answers a request no module took, as lighttpd's core does:
// OPTIONS lists the methods, CONNECT is not allowed, an unknown or
// unsupported method is 501, and anything else (an excluded file, a
// directory without index) is 403.
func (p *Pipeline) unhandled(r *Request) Result {
	if r.Resp.Status != 0 {
		return Finished
	}
	switch r.Head.Method {
	case http.MethodOptions:
		r.Resp.Body.Reset()
		r.Resp.Status = 200
		r.Resp.AddHeader("Allow", "OPTIONS, GET, HEAD, POST")
	case http.MethodConnect:
		r.Resp.Status, r.Resp.Close = 405, true
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodQuery:
		r.Resp.Status = 403
	default:
		r.Resp.Status = 501
	}
	return Finished
}

// writePrepare gives an error status its error document, lets the
// response-start hooks change the headers, and completes the response
// (ranges, Content-Length, HEAD): lighttpd's http_response_write_prepare.
func (p *Pipeline) writePrepare(r *Request) {
	w := &r.Resp
	switch {
	case w.Status == 204 || w.Status == 205 || w.Status == 304:
		// No body: nothing of a handler's stream follows the head.
		if w.Status != 304 {
			w.DelHeader("Content-Length")
		}
		w.Streaming = false
	case w.Status >= 400 && w.Status < 600:
		p.errorDocument(r)
	}
	for _, h := range p.respStart {
		if rc := h.ResponseStart(r); rc != GoOn && rc != Finished {
			p.logger.Printf("%s: a response-start hook returned %v", r.Head.Path, rc)
		}
	}
	w.Prepare(&r.Head, r.Options)
}

// Done runs the request-done hooks (the access log) once the response has
// been written or the connection failed under it, then the reset hooks.
func (p *Pipeline) Done(r *Request) {
	for _, h := range p.reqDone {
		h.RequestDone(r)
	}
	p.Reset(r)
}

// Reset runs the request-reset hooks for a request that ends without a
// response (the connection failed) and forgets its handler.
func (p *Pipeline) Reset(r *Request) {
	for _, h := range p.reqReset {
		h.RequestReset(r)
	}
	r.handler = nil
	r.waiting = false
}

// Timeout ends a request whose handler waited past its deadline: the
// handler is let go and, unless the head is out, the request is answered
// 504. It reports false when the head was sent: the connection must
// close.
func (p *Pipeline) Timeout(r *Request) bool {
	if r.headSent {
		p.logger.Printf("%s: the handler did not go on with the response in time; closing the connection", r.Head.Path)
		p.dropHandler(r)
		r.waiting = false
		return false
	}
	p.logger.Printf("%s: the handler did not answer in time; answering 504", r.Head.Path)
	p.fail(r, 504)
	r.final = true // no error handler for a timeout
	r.waiting = false
	return true
}

// Accept runs the connection-accept hooks; false means close at once.
func (p *Pipeline) Accept(r *Request) bool {
	for _, h := range p.accept {
		if rc := h.ConnectionAccept(r); rc != GoOn {
			return false
		}
	}
	return true
}

// Close runs the connection-close hooks, then forgets the modules'
// connection state (Request.ConnData).
func (p *Pipeline) Close(r *Request) {
	for _, h := range p.connClose {
		h.ConnectionClose(r)
	}
	clear(r.modConnData)
}

// Trigger does the once-a-second work: the stat cache's expiry and the
// modules' trigger hooks.
func (p *Pipeline) Trigger(now int64) {
	p.cache.Expire(now)
	for _, h := range p.trigger {
		h.Trigger(now)
	}
}

// Sighup runs the modules' SIGHUP hooks.
func (p *Pipeline) Sighup() {
	for _, h := range p.sighup {
		h.Sighup()
	}
}

func lower(b []byte) {
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// hasSlashSuffix reports whether a URL path ends in '/'.
func hasSlashSuffix(p string) bool { return strings.HasSuffix(p, "/") }

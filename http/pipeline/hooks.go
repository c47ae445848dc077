package pipeline

// The hooks a module may implement, lighttpd's plugin.h with Go names.
// A module implements only those it needs; the pipeline finds them by
// type assertion when it builds a loop's pipeline, and calls them in
// server.modules order. Each runs on the loop goroutine of the
// connection it is given and must not block: a hook that has to wait
// registers what it waits for with r.Events and returns WaitForEvent.
// The request phases' hooks (uri raw to subrequest) are run again, from
// the hook that waited, when an event comes; a ResponseStart hook may not
// wait (it is logged), and a ConnectionAccept hook that does not go on
// closes the connection.
//
// A hook may keep nothing of r after it returns except through the
// request-scoped state that r itself carries (its handler claim, its
// module data slot, the Events registrations it made); r is reused for
// the connection's next request once RequestReset has run.
//
// The request phases, in order (Pipeline.Handle):
//
//	uri raw → uri clean → docroot → physical → subrequest start → subrequest … → response start → request done → request reset
//
// with the core's steps between them: conditions and limits before uri
// raw, OPTIONS * and CONNECT before docroot, physical.path after docroot,
// the file check (404, 403, PATH_INFO, the directory redirect) before
// subrequest start, and the answers nobody gave (403, 405, 501) after it.
// A handler claimed before the file check answers instead of it, and the
// subrequest-start hooks do not run.

// URIRaw runs first, before uri clean, on the request as received: the
// target (Head.Current, the query included) and its decoded Path.
// mod_extforward and mod_rewrite act here.
type URIRaw interface {
	URIRaw(r *Request) Result
}

// URIClean runs after every URIRaw hook. mod_access, mod_redirect and
// mod_setenv act here.
type URIClean interface {
	URIClean(r *Request) Result
}

// Docroot may set Physical.DocRoot (vhost modules); empty leaves
// server.document-root.
type Docroot interface {
	Docroot(r *Request) Result
}

// Physical may change Physical.Path and Physical.BaseDir once the core
// has composed them (mod_alias, mod_userdir).
type Physical interface {
	Physical(r *Request) Result
}

// SubrequestStart runs once the file check passed. A module that will
// answer the request calls r.Claim with its Subrequest handler and
// returns GoOn (the other modules' hooks still run, then the handler), or
// answers at once and returns Finished (mod_indexfile rewrites the path
// to an index file and returns GoOn; mod_staticfile answers).
type SubrequestStart interface {
	SubrequestStart(r *Request) Result
}

// Subrequest is the handler a module claimed the request for. It runs
// once the subrequest-start phase has ended (or instead of the file
// check, when claimed before it) and again each time the request is
// resumed, until it returns Finished, GoOn (the same), or Error (500, or
// a cut response once its head is out). It may be run when none of the
// events it waits for has come (the connection was resumed for another
// reason): it must find out what is ready itself, and wait again if
// nothing is. It adds to Resp.Body as its
// backend answers, with Resp.Body.ReadFrom or Spool and r.Spool, so what
// the client has not taken yet goes to a temp file past 64 KiB. With
// Resp.Streaming set, the head and what body there is go out when it
// returns WaitForEvent, as server.stream-response-body (1 or 2) allows;
// the body then ends when a call returns Finished. A 204, 205 or 304, or
// an answer to HEAD, ends with its head. Otherwise (and with lighttpd's
// default, 0) the response goes out whole, with a Content-Length, once
// it returns Finished.
type Subrequest interface {
	Subrequest(r *Request) Result
}

// RequestEnv adds what a module contributes to the environment a
// gateway passes to its backend (mod_setenv's setenv.*-environment). It
// runs at most once per request, when a gateway builds that environment
// (Request.PopulateEnv), not for requests no gateway handles.
type RequestEnv interface {
	RequestEnv(r *Request) Result
}

// ResponseStart runs before the head is built, once the status, headers
// and (unless streaming) body are final: mod_setenv's response headers
// and mod_expire act here. WaitForEvent is not allowed.
type ResponseStart interface {
	ResponseStart(r *Request) Result
}

// RequestDone runs when a response has been written (or the connection
// failed under it), before RequestReset: the access log.
type RequestDone interface {
	RequestDone(r *Request) Result
}

// RequestReset runs when a request ends however it ended, and before
// server.error-handler re-dispatches it (not server.error-handler-404,
// as in lighttpd): a module releases what it holds for the request (a
// backend connection, a timer, fds registered with r.Events) and starts
// the next pass afresh.
type RequestReset interface {
	RequestReset(r *Request) Result
}

// ConnectionAccept runs when a connection is accepted, before its first
// request: r carries only the connection (RemoteIP, Socket). Finished or
// Error closes the connection at once (mod_evasive).
type ConnectionAccept interface {
	ConnectionAccept(r *Request) Result
}

// Preamble reads what a connection sends before its first request, for
// a module that asked for it in ConnectionAccept with r.ExpectPreamble
// (mod_extforward's HAProxy PROXY protocol header; lighttpd's modules
// replace the connection's network_read for it). in is what has arrived
// so far, and it is called again with more until it returns: the number
// of bytes the preamble took and GoOn, after which the request is parsed
// from the rest; WaitForEvent for more bytes (in is kept, the read
// timeout applies); or Error to close the connection without an answer.
// It runs on the connection's loop goroutine and may change r's
// connection fields (RemoteIP, RemotePort).
type Preamble interface {
	Preamble(r *Request, in []byte) (int, Result)
}

// ConnectionClose runs when a connection closes, once per accepted
// connection.
type ConnectionClose interface {
	ConnectionClose(r *Request) Result
}

// Trigger runs once a second on every loop, with the loop's clock in
// seconds since the server started.
type Trigger interface {
	Trigger(now int64) Result
}

// Sighup runs on every loop when the server is told to reopen its logs.
type Sighup interface {
	Sighup() Result
}

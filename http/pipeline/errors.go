package pipeline

import (
	"strconv"

	"github.com/featherd/featherd/http"
)

// savedSucceeded marks a request whose error handler answered 2xx, or
// that must get no error handler or document any more (lighttpd's
// error_handler_saved_status = 65535).
const savedSucceeded = 65535

// errorHandler decides, for a response with an error status or one an
// error handler produced, whether an error handler takes the request
// over (lighttpd's http_response_has_error_handler and
// http_response_call_error_handler). When it does, the request has been
// turned into a GET of server.error-handler (or a request of
// server.error-handler-404) with REDIRECT_STATUS in the environment, and
// it must come back; it reports true then.
func (p *Pipeline) errorHandler(r *Request) bool {
	if r.saved > 0 && r.saved < savedSucceeded {
		r.Head.Method = r.savedMeth // before anything else: a HEAD stays a HEAD
	}
	if r.final {
		return false
	}
	if r.handler != nil && !r.Options.ErrorIntercept {
		return false
	}
	if r.saved != 0 {
		if r.saved == savedSucceeded {
			return false
		}
		// The error handler has answered: the client gets the original
		// status, except that the 404 handler may set its own.
		sub := r.Resp.Status
		switch {
		case r.saved > 0:
			r.Resp.Status = r.saved
		case r.Resp.Status == 404:
			r.Resp.Status = -r.saved
		}
		if sub >= 200 && sub <= 299 {
			r.saved = savedSucceeded
		}
		return false
	}
	if r.Resp.Status < 400 {
		return false
	}
	target := r.Options.ErrorHandler
	if target == "" && r.Resp.Status == 404 {
		target = r.Options.ErrorHandler404
	}
	if target == "" {
		return false
	}
	status := r.Resp.Status
	r.scratch = strconv.AppendInt(r.scratch[:0], int64(status), 10)
	r.Env.Set("REDIRECT_STATUS", string(r.scratch))
	if target == r.Options.ErrorHandler {
		// Every module forgets the request, claimed or not, as
		// lighttpd's http_response_call_error_handler has them do: a
		// once-rewrite does not keep mod_rewrite from the handler's
		// target.
		for _, h := range p.reqReset {
			h.RequestReset(r)
		}
		r.handler = nil
		r.Body.Reset() // read in full already; the handler does not get it
		r.saved = status
		r.savedMeth = r.Head.Method
		r.Head.Method = http.MethodGet
	} else {
		r.saved = -status // server.error-handler-404 keeps the method
		r.handler = nil
	}
	if st := r.Head.SetTarget(target, &r.Server.HTTPParseOpts); st != 0 {
		p.logger.Printf("server.error-handler %q is not a valid URL path; answering %d", target, status)
		r.Resp.ClearForError()
		r.Resp.Status = status
		r.saved = savedSucceeded
		return false
	}
	r.Resp.ClearForError()
	r.Resp.Status = 0
	r.Resp.Streaming = false
	r.envDone = false // the error handler's gateway gets the modules' variables for its URL
	return true
}

// errorDocument gives a 4xx or 5xx response its body (lighttpd's
// http_response_static_errdoc): the file server.errorfile-prefix +
// status + ".html" when it exists, else the built-in page. A handler's
// own error body is kept unless server.error-intercept is on, and so is
// what an error handler produced.
func (p *Pipeline) errorDocument(r *Request) {
	if r.handler == nil {
		if r.saved >= savedSucceeded {
			return
		}
	} else if !r.Options.ErrorIntercept || r.saved != 0 {
		return
	}
	w := &r.Resp
	w.ClearForError()
	if r.handler != nil {
		// Intercepted: the handler's body ends here, and what it would
		// still produce is not wanted.
		p.dropHandler(r)
		w.Streaming = false
	}
	if prefix := r.Options.ErrorfilePrefix; prefix != "" {
		path := strconv.AppendInt(append(r.scratch[:0], prefix...), int64(w.Status), 10)
		path = append(path, ".html"...)
		r.scratch = path
		if e := p.cache.Lookup(path); e.Err() == 0 && e.IsRegular() {
			if f, errno := p.cache.Open(path, e, !r.Options.FollowSymlink); errno == 0 {
				if ct, ok := r.Options.MimeTypes.Lookup(string(path)); ok {
					w.SetHeader("Content-Type", ct)
				}
				if b := p.cache.ContentOf(e, f); b != nil {
					w.Body.Write(b)
				} else {
					w.Body.AppendFile(f, 0, e.Size())
				}
				return
			}
		}
	}
	w.SetHeader("Content-Type", "text/html")
	w.Body.Write(http.ErrorPage(w.Status))
}

package reactor

import (
	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline"
)

// readHead parses the next request head from the input (CON_STATE_READ).
// It reports false when more bytes are needed.
func (c *conn) readHead() bool {
	buf := c.in.bytes()
	if len(buf) == 0 {
		return false
	}
	if c.r.ExpectsPreamble() {
		if buf = c.readPreamble(buf); len(buf) == 0 {
			return c.state == StateError
		}
	}
	srv := &c.loop.server.cfg.Server
	n, status := c.r.Head.Parse(buf, &srv.HTTPParseOpts, srv.MaxRequestFieldSize)
	if n == 0 && status == 0 {
		return false
	}
	c.in.consume(n)
	c.readIdleAt = c.loop.now
	c.r.Eval.StartRequest()
	c.r.Options = c.r.Eval.Options()
	if status != 0 {
		c.fail(status)
		return true
	}
	if !c.r.Options.ProtocolHTTP11 && c.r.Head.Version == http.Version11 {
		// server.protocol-http11 = "disable": answer as an HTTP/1.0
		// server, without keep-alive (lighttpd's http_response_config).
		c.r.Head.Version, c.r.Head.KeepAlive, c.r.Head.Expect100 = http.Version10, false, false
	}
	c.keepAlive = c.r.Head.KeepAlive
	switch {
	case c.r.Head.Chunked:
		c.state = StateReadPost
	case c.r.Head.ContentLength > 0:
		if max := c.r.Options.MaxRequestSize; max > 0 && c.r.Head.ContentLength > max {
			c.fail(413) // refused before a byte of the body is read
			return true
		}
		c.bodyLeft = c.r.Head.ContentLength
		c.state = StateReadPost
	default:
		c.state = StateHandleRequest
	}
	return true
}

// readPreamble lets the module that expects it take what precedes the
// connection's first request (a PROXY protocol header) and returns what
// is left to parse; nothing when more bytes are needed or, with the state
// set to StateError, when the module refused the connection.
func (c *conn) readPreamble(buf []byte) []byte {
	n, rc := c.r.ReadPreamble(buf)
	switch rc {
	case pipeline.GoOn, pipeline.Finished:
		c.in.consume(n)
		c.readIdleAt = c.loop.now
		return c.in.bytes()
	case pipeline.WaitForEvent:
		return nil
	}
	c.keepAlive = false
	c.state = StateError
	return nil
}

// fail answers the request with an error status and its error page and
// closes the connection after it, as lighttpd does for every request it
// cannot parse or accept.
func (c *conn) fail(status int) {
	c.r.Resp.Status = status
	c.keepAlive = false
	c.state = StateHandleRequest
}

// continueLine is sent once to an HTTP/1.1 client that asked
// "Expect: 100-continue" before its body.
var continueLine = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// readBody reads the request body into c.r.Body (CON_STATE_READ_POST):
// up to 64 KiB in memory, the rest spooled to a temp file in
// server.upload-dirs. It reports false when more bytes are needed.
func (c *conn) readBody() bool {
	if c.r.Head.Expect100 && !c.sentContinue && c.in.len() == 0 && c.r.Head.Version == http.Version11 {
		c.sentContinue = true
		// A tiny write on a fresh socket; if it cannot go now the client
		// sends its body anyway after its own timeout.
		unix.Write(c.fd, continueLine)
	}
	buf := c.in.bytes()
	if len(buf) == 0 {
		return false
	}
	max := c.r.Options.MaxRequestSize
	if c.r.Head.Chunked {
		n, done, status := c.dec.Decode(buf, c.appendBody)
		c.in.consume(n)
		switch {
		case status != 0:
			c.fail(status)
			return true
		case c.r.Resp.Status != 0:
			return true // appendBody failed
		case max > 0 && c.r.Body.Len() > max:
			c.fail(413)
			return true
		case !done:
			return false
		}
		c.state = StateHandleRequest
		return true
	}
	n := int64(len(buf))
	if n > c.bodyLeft {
		n = c.bodyLeft
	}
	c.appendBody(buf[:n])
	c.in.consume(int(n))
	c.bodyLeft -= n
	if c.r.Resp.Status != 0 {
		return true
	}
	if c.bodyLeft > 0 {
		return false
	}
	c.state = StateHandleRequest
	return true
}

// appendBody stores body bytes; a disk error ends the request with 500.
func (c *conn) appendBody(p []byte) {
	if c.r.Resp.Status != 0 {
		return
	}
	if err := c.r.Body.Spool(p, &c.loop.server.spool); err != nil {
		c.loop.server.logf("request body: %v", err)
		c.fail(500)
	}
}

package reactor

import (
	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/http"
)

// readHead parses the next request head from the input (CON_STATE_READ).
// It reports false when more bytes are needed.
func (c *conn) readHead() bool {
	buf := c.in.bytes()
	if len(buf) == 0 {
		return false
	}
	srv := &c.loop.server.cfg.Server
	n, status := c.req.Parse(buf, &srv.HTTPParseOpts, srv.MaxRequestFieldSize)
	if n == 0 && status == 0 {
		return false
	}
	c.in.consume(n)
	c.readIdleAt = c.loop.now
	c.eval.StartRequest()
	c.opts = c.eval.Options()
	if status != 0 {
		c.fail(status)
		return true
	}
	if !c.opts.ProtocolHTTP11 && c.req.Version == http.Version11 {
		// server.protocol-http11 = "disable": answer as an HTTP/1.0
		// server, without keep-alive (lighttpd's http_response_config).
		c.req.Version, c.req.KeepAlive, c.req.Expect100 = http.Version10, false, false
	}
	c.keepAlive = c.req.KeepAlive
	switch {
	case c.req.Chunked:
		c.state = StateReadPost
	case c.req.ContentLength > 0:
		if max := c.opts.MaxRequestSize; max > 0 && c.req.ContentLength > max {
			c.fail(413) // refused before a byte of the body is read
			return true
		}
		c.bodyLeft = c.req.ContentLength
		c.state = StateReadPost
	default:
		c.state = StateHandleRequest
	}
	return true
}

// fail answers the request with an error status and its error page and
// closes the connection after it, as lighttpd does for every request it
// cannot parse or accept.
func (c *conn) fail(status int) {
	c.resp.Status = status
	c.keepAlive = false
	c.state = StateHandleRequest
}

// continueLine is sent once to an HTTP/1.1 client that asked
// "Expect: 100-continue" before its body.
var continueLine = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// readBody reads the request body into c.body (CON_STATE_READ_POST):
// up to 64 KiB in memory, the rest spooled to a temp file in
// server.upload-dirs. It reports false when more bytes are needed.
func (c *conn) readBody() bool {
	if c.req.Expect100 && !c.sentContinue && c.in.len() == 0 && c.req.Version == http.Version11 {
		c.sentContinue = true
		// A tiny write on a fresh socket; if it cannot go now the client
		// sends its body anyway after its own timeout.
		unix.Write(c.fd, continueLine)
	}
	buf := c.in.bytes()
	if len(buf) == 0 {
		return false
	}
	max := c.opts.MaxRequestSize
	if c.req.Chunked {
		n, done, status := c.dec.Decode(buf, c.appendBody)
		c.in.consume(n)
		switch {
		case status != 0:
			c.fail(status)
			return true
		case c.resp.Status != 0:
			return true // appendBody failed
		case max > 0 && c.body.Len() > max:
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
	if c.resp.Status != 0 {
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
	if c.resp.Status != 0 {
		return
	}
	if err := c.body.Spool(p, &c.loop.server.spool); err != nil {
		c.loop.server.logf("request body: %v", err)
		c.fail(500)
	}
}

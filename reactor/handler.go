package reactor

import (
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/chunkqueue"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline"
)

// handleRequest runs the request through the loop's pipeline
// (CON_STATE_HANDLE_REQUEST) and queues the response's head and body. It
// reports false while the handler waits: the connection stays in this
// state until one of the handler's events runs it again (the poller, a
// timer or a wake-up resumes it), or its deadline passes (sweep).
func (c *conn) handleRequest() bool {
	r := &c.r
	r.Now = c.loop.now
	c.handling = true
	rc := c.loop.pipe.Handle(r)
	switch rc {
	case pipeline.WaitForEvent:
		if !r.HeadReady() {
			return false
		}
	case pipeline.Error: // only once a head is out, which it is not here
		c.state = StateError
		return true
	}
	c.queueResponse(rc == pipeline.WaitForEvent)
	return true
}

// queueResponse puts the response's head in front of its body and the
// whole on the output queue, behind the responses already there. A
// streamed response (Resp.Streaming) has a head without Content-Length,
// unless its handler gave one: its body is chunked for HTTP/1.1 and ends
// with the connection for HTTP/1.0; more says that the handler still
// produces it.
func (c *conn) queueResponse(more bool) {
	r, w := &c.r.Head, &c.r.Resp
	stream := w.Streaming
	c.respLeft = -1
	if v := w.Header("Content-Length"); stream && v != "" {
		// The handler knows the length: the body goes out as it is, and
		// no more and no less than that (see moveBody and produce).
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			c.respLeft = n
		} else {
			w.DelHeader("Content-Length") // not a length: the body is chunked
		}
	}
	lengthKnown := c.respLeft >= 0
	c.chunked = stream && !lengthKnown && r.Version == http.Version11
	// Keep-alive ends after server.max-keep-alive-requests, when the
	// idle timeout is zero, or when the server is draining; a body of
	// unknown length to HTTP/1.0 ends with the connection.
	if w.Close || c.r.Options.MaxKeepAliveIdle == 0 || c.requestCount > c.r.Options.MaxKeepAliveRequests ||
		c.loop.server.draining.Load() || stream && !lengthKnown && !c.chunked {
		c.keepAlive = false
	}
	if c.chunked {
		w.AddHeader("Transfer-Encoding", "chunked")
	}
	head := c.loop.buffers.Get()
	head.B = w.AppendHead(head.B[:0], r, c.keepAlive, c.loop.server.date(), c.r.Options.Tag)
	if stream {
		// Appended, not prepended: pipelined responses held back on the
		// queue (batch) go first.
		c.out.Write(head.B)
		c.loop.buffers.Put(head)
		c.r.MarkHeadSent()
		c.moveBody()
		c.streaming = more && r.Method != http.MethodHead
	} else {
		w.Body.PrependBuffer(head)
		if err := w.Body.InlineSmallFile(chunkqueue.SmallFileLimit); err != nil {
			c.loop.server.logf("%s: %v", r.Path, err)
		}
		c.out.Take(&w.Body)
	}
	c.writeAt = c.loop.now
	c.setupRate()
}

// streamHold is how much of a streamed body may wait on the output
// queue; beyond it the handler's output stays in the response body,
// which spools to a temp file (lighttpd's 64 KiB).
const streamHold = chunkqueue.DefaultMemLimit

// produce asks a streaming handler for more of the body and moves what
// there is onto the output queue while that has room; it reports whether
// the handler was asked and waits. The handler is asked even when the
// queue is full, so that a backend faster than the client is read into
// the temp file its output spools to (server.stream-response-body = 1,
// as lighttpd), unless server.stream-response-body = 2 asks for minimal
// buffering: then the backend waits until the client has taken what is
// queued. (With 0, nothing streams: the pipeline sends the response
// whole.)
func (c *conn) produce() bool {
	r := &c.r
	asked := false
	if !c.handlerDone && (c.out.Len() < streamHold || r.Options.StreamResponseBody&2 == 0) {
		r.Now = c.loop.now
		switch c.loop.pipe.Handle(r) {
		case pipeline.Finished:
			c.handlerDone = true
		case pipeline.Error:
			// No last chunk: the client can tell the body is cut short.
			c.handlerDone, c.truncated, c.keepAlive = true, true, false
		}
		asked = true
	}
	if c.out.Len() < streamHold && r.Resp.Body.Len() > 0 {
		c.moveBody()
	}
	if c.handlerDone && r.Resp.Body.Len() == 0 {
		switch {
		case c.respLeft > 0:
			// Shorter than its Content-Length: the client must not read
			// the next response into it.
			c.truncated, c.keepAlive = true, false
		case !c.truncated && c.chunked:
			c.out.WriteString("0\r\n\r\n")
		}
		c.streaming = false
	}
	return asked && !c.handlerDone
}

// moveBody moves what the handler produced onto the output queue as one
// chunk of the chunked encoding, or as it is (a body with a
// Content-Length, up to that length, or one that closing the connection
// ends); a HEAD request's is dropped.
func (c *conn) moveBody() {
	body := &c.r.Resp.Body
	n := body.Len()
	if n == 0 {
		return
	}
	if c.r.Head.Method == http.MethodHead {
		body.Reset()
		return
	}
	if c.respLeft >= 0 {
		// What goes beyond the announced length is dropped, as lighttpd
		// drops it.
		c.respLeft -= c.out.TakePrefix(body, c.respLeft)
		body.Reset()
		return
	}
	if c.chunked {
		var size [20]byte
		c.out.Write(append(strconv.AppendInt(size[:0], n, 16), '\r', '\n'))
		c.out.Take(body)
		c.out.WriteString("\r\n")
		return
	}
	c.out.Take(body)
}

// handlerFD is an fd the request's handler waits on.
type handlerFD struct {
	fd    int
	added bool // in the poller's epoll
}

// WaitFD implements pipeline.Events: the poller resumes the connection
// when fd is ready.
func (c *conn) WaitFD(fd int, write bool) error {
	i := 0
	for i < len(c.handlerFDs) && c.handlerFDs[i].fd != fd {
		i++
	}
	if i == len(c.handlerFDs) {
		c.handlerFDs = append(c.handlerFDs, handlerFD{fd: fd})
	}
	events := uint32(unix.EPOLLIN | unix.EPOLLRDHUP)
	if write {
		events = unix.EPOLLOUT
	}
	if err := c.loop.poller.armFD(c.id, fd, events, c.handlerFDs[i].added); err != nil {
		return err
	}
	c.handlerFDs[i].added = true
	return nil
}

// ForgetFD implements pipeline.Events.
func (c *conn) ForgetFD(fd int) {
	for i, h := range c.handlerFDs {
		if h.fd == fd {
			if h.added {
				c.loop.poller.forgetFD(fd)
			}
			c.handlerFDs = append(c.handlerFDs[:i], c.handlerFDs[i+1:]...)
			return
		}
	}
}

// After implements pipeline.Events.
func (c *conn) After(d time.Duration) {
	if c.timer != nil {
		c.timer.Stop()
	}
	l, id := c.loop, c.id
	c.timer = time.AfterFunc(d, func() { l.resume(id) })
}

// Waker implements pipeline.Events. The connection id is never reused,
// so a late wake-up finds the connection gone or resumes one that copes
// with it.
func (c *conn) Waker() func() {
	l, id := c.loop, c.id
	return func() { l.resume(id) }
}

// endHandler drops what the request's handler waited on: its timer and
// the fds it did not forget itself.
func (c *conn) endHandler() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	for _, h := range c.handlerFDs {
		if h.added {
			c.loop.poller.forgetFD(h.fd)
		}
	}
	c.handlerFDs = c.handlerFDs[:0]
	c.streaming, c.handlerDone, c.truncated, c.chunked = false, false, false, false
}

// handlerTimedOut ends a request whose handler waited past its deadline:
// a 504 if the head is not out yet, else the connection closes.
func (c *conn) handlerTimedOut() {
	if !c.loop.pipe.Timeout(&c.r) {
		c.endHandler()
		c.state = StateError
		c.loop.drive(c)
		return
	}
	c.endHandler()
	c.loop.drive(c)
}

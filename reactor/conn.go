package reactor

import (
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/chunkqueue"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline"
)

// conn is one client connection and the request it is serving.
//
// conn is owned by its event loop goroutine; never touch it from another
// goroutine. Other goroutines (the poller, the ticker) only hand a
// connection id to the loop, which looks the conn up itself.
type conn struct {
	id   uint64
	loop *loop
	gc   gnet.Conn // nil once detached: gnet has closed its fd and the conn reads and writes its own dup
	fd   int       // the socket the writer writes on: gnet's fd, or the dup
	sock *listenSocket

	state State
	in    inbuf // bytes received and not yet consumed (pipelined requests stay here)

	// r is the request being served, with everything the pipeline's
	// modules see: the connection's addresses, the condition evaluator,
	// head, body, physical path and response.
	r   pipeline.Request
	out chunkqueue.Queue // responses handled but not yet written, in order
	dec http.ChunkedDecoder

	requestCount int
	keepAlive    bool // the current request may be followed by another
	handling     bool // the pipeline has the request: its done and reset hooks are owed
	bodyLeft     int64
	sentContinue bool
	streaming    bool // the head went out; the rest of the body is still to be queued (handler.go)
	handlerDone  bool // the streaming handler has finished (or failed: truncated)
	truncated    bool
	chunked      bool  // the streamed body goes out in the chunked encoding
	respLeft     int64 // bytes of a streamed body its Content-Length still announces; -1: no length

	// Timestamps in loop seconds (see loop.now), for the once-a-second
	// timeout check.
	readIdleAt int64
	writeAt    int64
	closeAt    int64

	peerEOF    bool // the client half-closed: no more bytes will arrive
	registered bool // the socket is in the loop poller's epoll
	waiting    bool // waiting in the poller for EPOLLOUT: output is stuck
	yielded    bool // gave up its turn after 256 KiB; a resume is queued
	closed     bool
	limiter    chunkqueue.Limiter // rate limits; throttled until the sweep's next second
	turnBudget int64              // bytes this turn may still write, or read on a detached connection
	openedAt   int64              // loop second it opened, for the rate limit's catch-up rule

	handlerFDs []handlerFD // fds the request's handler waits on (handler.go)
	timer      *time.Timer // the handler's After, if pending
}

// run drives the state machine until the connection has to wait for the
// network (more request bytes, writability, the next second's write
// budget) or is closed. Every transition is in this one switch.
func (c *conn) run() gnet.Action {
	for {
		switch c.state {
		case StateRequestStart:
			c.startRequest()
			c.state = StateRead
		case StateRead:
			if c.readHead() {
				continue
			}
			// Nothing more to handle: pipelined responses held back to
			// go out together leave now.
			if c.out.Len() > 0 && !c.send() {
				if c.state == StateError {
					continue
				}
				return gnet.None
			}
			if c.receive() {
				continue
			}
			return c.idle()
		case StateReadPost:
			if !c.readBody() {
				if c.receive() {
					continue
				}
				return c.idle()
			}
		case StateHandleRequest:
			if !c.handleRequest() {
				// The handler waits (handler.go); responses held back for
				// batching go out meanwhile.
				if c.out.Len() > 0 && !c.send() && c.state == StateError {
					continue
				}
				return gnet.None
			}
			c.state = StateWrite
		case StateWrite:
			waits := c.streaming && c.produce()
			if !c.batch() && !c.send() {
				if c.state == StateError {
					continue
				}
				return gnet.None
			}
			if c.streaming {
				if waits {
					return gnet.None // the handler waits for its backend
				}
				continue // the queue drained: more of the body goes on it
			}
			c.state = StateResponseEnd
		case StateResponseEnd:
			c.endResponse()
		case StateError:
			return c.close()
		case StateClose:
			return c.linger()
		case StateConnect:
			return gnet.None
		}
	}
}

// receive reads request bytes on a detached connection, which gnet no
// longer reads for it, when the state machine needs them; it reports
// whether any arrived. Otherwise the connection waits in the poller for
// more, or the client has closed or reset it (peerEOF: none will come).
// A connection on gnet's fd gets its bytes through OnTraffic instead.
//
// What it reads counts against the turn's budget, as what it writes
// does, and a spent budget waits in the poller too: a client that sends
// faster than its requests are handled (a request body in tiny chunks,
// each a write to the temp file) would otherwise keep the loop from its
// other connections for as long as it keeps sending, where gnet reads
// each socket once a turn.
func (c *conn) receive() bool {
	if c.gc != nil || c.peerEOF {
		return false
	}
	if c.turnBudget <= 0 {
		// Not yield: gnet runs a task queued from a task in the same
		// round, before any socket's events. Its socket is readable, so
		// the poller resumes it once the loop has polled again.
		c.awaitInput()
		return false
	}
	n, err := c.in.readFrom(c.fd, readChunk)
	switch {
	case n > 0:
		c.turnBudget -= int64(n)
		c.readIdleAt = c.loop.now
		c.loop.server.touch(c.loop.now)
		return true
	case err == unix.EAGAIN:
		if c.in.len() == 0 {
			c.in.release()
		}
		c.awaitInput()
		return false
	}
	c.peerEOF = true // end of file, or a reset
	return false
}

// awaitInput has the poller resume a detached connection when its socket
// is readable.
func (c *conn) awaitInput() {
	if err := c.loop.poller.waitReadable(c); err != nil {
		c.loop.server.logf("waiting for input: %v", err)
		c.peerEOF = true // no way to read more: finish as if the client had
	}
}

// idle is where a connection waits for request bytes. A client that has
// half-closed will send none, so the connection is done.
func (c *conn) idle() gnet.Action {
	if c.peerEOF {
		c.state = StateError
		return c.close()
	}
	return gnet.None
}

// startRequest begins a request (CON_STATE_REQUEST_START).
func (c *conn) startRequest() {
	c.requestCount++
	c.readIdleAt = c.loop.now
	c.r.Reset()
	c.dec.Reset()
	c.sentContinue = false
	c.bodyLeft = 0
}

// endResponse finishes a request (CON_STATE_RESPONSE_END): keep-alive
// goes on to the next request, which may already be buffered; otherwise
// the connection shuts down its side and lingers. A response whose head
// promised keep-alive is kept to its word even when the server started
// draining since: the client may already be sending its next request,
// which then gets an answer with Connection: close (handleRequest)
// instead of a closed connection.
func (c *conn) endResponse() {
	c.loop.pipe.Done(&c.r)
	c.handling = false
	c.endHandler()
	c.r.Body.Reset()
	c.r.Resp.Reset()
	if c.keepAlive {
		c.state = StateRequestStart
		if c.in.len() == 0 {
			c.in.release() // an idle connection holds no buffer
		}
		return
	}
	c.shutdown()
}

// shutdown sends FIN and enters lingering close, so a client still
// sending (a pipelined request, an unread body) reads our response
// instead of a reset.
func (c *conn) shutdown() {
	if err := unix.Shutdown(c.fd, unix.SHUT_WR); err != nil || c.peerEOF {
		c.state = StateError
		return
	}
	c.in.release()
	c.closeAt = c.loop.now
	c.state = StateClose
}

// linger discards what the client still sends after our FIN, until it
// closes or lingerTimeout passes (checked by the timeout sweep).
func (c *conn) linger() gnet.Action {
	// A few reads a turn, so that a client that keeps sending cannot hold
	// the loop; the poller then finds its socket readable at once.
	reads := 0
	for reads < 4 && c.receive() {
		c.in.release()
		reads++
	}
	if reads == 4 {
		c.awaitInput()
	}
	c.in.release()
	if c.peerEOF {
		c.state = StateError
		return c.close()
	}
	return gnet.None
}

// close ends the connection now. With gnet still owning the fd, returning
// gnet.Close lets gnet close it and call OnClose; a detached connection
// closes its own dup.
func (c *conn) close() gnet.Action {
	if c.gc != nil {
		return gnet.Close
	}
	c.loop.release(c)
	return gnet.None
}

package reactor

import "github.com/featherd/featherd/chunkqueue"

// maxWritePerTurn is how much one connection may write before letting
// the loop's other connections run (lighttpd's MAX_WRITE_LIMIT).
const maxWritePerTurn = 256 << 10

// smallResponse is the size below which a file body is read into memory
// so that headers and body leave in one write (lighttpd's
// chunkqueue_small_resp_optim).
const smallResponse = 16 << 10

// handleRequest lets the handler produce the response, unless the
// request already failed, then puts the response head in front of the
// body (CON_STATE_HANDLE_REQUEST).
func (c *conn) handleRequest() {
	r, w := &c.req, &c.resp
	if w.Status == 0 {
		c.loop.handler.Serve(w, r, c.opts)
	}
	// Keep-alive ends after server.max-keep-alive-requests, when the
	// idle timeout is zero, or when the server is draining.
	if w.Close || c.opts.MaxKeepAliveIdle == 0 || c.requestCount > c.opts.MaxKeepAliveRequests ||
		c.loop.server.draining.Load() {
		c.keepAlive = false
	}
	w.Prepare(r, c.opts)
	head := c.loop.buffers.Get()
	head.B = w.AppendHead(head.B[:0], r, c.keepAlive, c.loop.server.date(), c.opts.Tag)
	w.Body.PrependBuffer(head)
	if err := w.Body.InlineSmallFile(smallResponse); err != nil {
		c.loop.server.logf("%s: %v", r.Path, err)
	}
	c.writeAt = c.loop.now
	c.setupRate()
}

// setupRate applies connection.kbytes-per-second and
// server.kbytes-per-second of the request's options; a draining server
// lifts both, as lighttpd's graceful shutdown does.
func (c *conn) setupRate() {
	o := c.opts
	if c.loop.server.draining.Load() {
		c.limiter.SetLimit(0)
		c.limiter.SetScope(nil)
		return
	}
	c.limiter.SetLimit(int64(o.ConnectionKBytesPerSecond) << 10)
	var scope *chunkqueue.Scope
	if o.ServerKBytesPerSecond > 0 {
		scope = c.loop.server.rateScope(o.ServerRateScope, o.ServerKBytesPerSecond)
	}
	c.limiter.SetScope(scope)
}

// write sends the response (CON_STATE_WRITE) straight on the socket, at
// most maxWritePerTurn bytes before yielding. It reports false when the
// connection must wait: for writability, for the next second's rate
// budget, or for its next turn.
func (c *conn) write() bool {
	q := &c.resp.Body
	for q.Len() > 0 {
		if c.turnBudget <= 0 {
			c.yield()
			return false
		}
		n, err := c.loop.writer.WriteTurn(c.fd, c.sock.tcp, q, &c.limiter, c.turnBudget)
		c.turnBudget -= n
		if n > 0 {
			c.writeAt = c.loop.now
		}
		switch {
		case err == nil:
		case err == chunkqueue.ErrThrottled:
			return false // the sweep resumes it in a later second
		case err == chunkqueue.ErrAgain:
			if err := c.loop.poller.wait(c); err != nil {
				c.state = StateError
				return true
			}
			return false
		default:
			if err != chunkqueue.ErrPeerClosed {
				c.loop.server.logf("write: %v", err)
			}
			c.state = StateError
			return true
		}
	}
	c.state = StateResponseEnd
	return true
}

// yield gives the loop's other connections their turn; the connection
// continues from the loop's resume queue.
func (c *conn) yield() {
	c.yielded = true
	c.loop.resume(c.id)
}

package reactor

import "github.com/featherd/featherd/chunkqueue"

// maxWritePerTurn is how much one connection may write before letting
// the loop's other connections run (lighttpd's MAX_WRITE_LIMIT).
const maxWritePerTurn = chunkqueue.MaxWriteLimit

// setupRate applies connection.kbytes-per-second and
// server.kbytes-per-second of the request's options; a draining server
// lifts both, as lighttpd's graceful shutdown does.
func (c *conn) setupRate() {
	o := c.r.Options
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

// maxBatch bounds the pipelined responses held back to be written
// together.
const maxBatch = 64 << 10

// batch reports whether the response just handled may wait to leave with
// the responses to requests already received (CON_STATE_WRITE). lighttpd
// writes each response before it reads the next request; featherd keeps
// that order and its back-pressure, but lets small, complete, in-memory
// responses to requests the client has already sent go out in one writev:
// 16 pipelined requests cost one write instead of 16. A request that is
// not complete yet sends what is held (see StateRead).
func (c *conn) batch() bool {
	return c.keepAlive && !c.streaming && c.in.len() > 0 && c.out.MemOnly() && c.out.Len() < maxBatch &&
		!c.loop.server.draining.Load()
}

// send writes the held responses straight on the socket, at most
// maxWritePerTurn bytes before yielding. It reports whether everything
// went; when it did not, the connection waits for writability, for the
// next second's rate budget or for its next turn, or has failed
// (StateError).
func (c *conn) send() bool {
	q := &c.out
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
			}
			return false
		default:
			if err != chunkqueue.ErrPeerClosed {
				c.loop.server.logf("write: %v", err)
			}
			c.state = StateError
			return false
		}
	}
	return true
}

// yield gives the loop's other connections their turn; the connection
// continues from the loop's resume queue.
func (c *conn) yield() {
	c.yielded = true
	c.loop.resume(c.id)
}

package bench

import (
	"time"

	"golang.org/x/sys/unix"
)

// conn is one client connection. It is owned by its worker's goroutine;
// never touch it from another.
type conn struct {
	fd         int   // -1 while closed
	gen        int32 // bumped on each open, so a stale epoll event is ignored
	connecting bool  // connect is in progress; nothing is written yet
	opened     time.Time
	retryAt    time.Time // when a failed connect is tried again
	wbuf       []byte    // requests not yet written
	woff       int
	sent       []time.Time // write times of the requests in flight, oldest first
	resp       response
}

func (c *conn) inflight() int { return len(c.sent) }

// push notes a request written ahead at now.
func (c *conn) push(now time.Time, req []byte) {
	c.wbuf = append(c.wbuf, req...)
	c.sent = append(c.sent, now)
}

// pop returns the write time of the oldest request in flight.
func (c *conn) pop() time.Time {
	t := c.sent[0]
	n := copy(c.sent, c.sent[1:])
	c.sent = c.sent[:n]
	return t
}

// reset closes the socket and forgets what was in flight: those requests
// are neither answered nor counted.
func (c *conn) reset() {
	if c.fd >= 0 {
		unix.Close(c.fd) // closing removes it from the epoll set
		c.fd = -1
	}
	c.connecting = false
	c.wbuf, c.woff = c.wbuf[:0], 0
	c.sent = c.sent[:0]
	c.resp = response{line: c.resp.line[:0]}
}

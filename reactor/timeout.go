package reactor

import (
	"context"
	"time"
)

// lingerTimeout bounds the lingering close (lighttpd's HTTP_LINGER_TIMEOUT).
const lingerTimeout = 5

// sweep is the once-a-second maintenance of one loop (lighttpd's
// connection_periodic_maint): it advances the loop's clock, applies the
// idle timeouts and the deadlines of waiting handlers, releases throttled
// connections into the new second and runs the pipeline's trigger (the
// stat cache's expiry, the modules' once-a-second work).
func (l *loop) sweep(context.Context) error {
	l.now = l.server.seconds()
	now := l.now
	for _, c := range l.conns {
		// A handler's deadline counts while it could go on; while the
		// client does not take what is queued, server.max-write-idle
		// (timedOut) is the one that applies.
		if c.r.Waiting() && now > c.r.Deadline && !c.waiting && !c.limiter.Throttled() && c.out.Len() < streamHold {
			c.handlerTimedOut()
			continue
		}
		if l.timedOut(c, now) {
			c.state = StateError
			l.closeConn(c)
			continue
		}
		// Whole loop seconds, as lighttpd counts them, so a connection is
		// released on the same tick lighttpd would release it.
		if c.limiter.NextSecond(time.Duration(now-c.openedAt) * time.Second) {
			c.turnBudget = maxWritePerTurn
			l.drive(c)
		}
	}
	l.pipe.Trigger(now)
	return nil
}

// timedOut applies lighttpd's three idle timeouts and the linger limit
// (h1_check_timeout): reading the first request's head or any body uses
// server.max-read-idle, waiting for a later request uses
// server.max-keep-alive-idle, a response that cannot be written uses
// server.max-write-idle.
func (l *loop) timedOut(c *conn, now int64) bool {
	o := c.r.Options
	if c.waiting || c.limiter.Throttled() {
		// Output is stuck, whatever the state: pipelined responses held
		// back are sent from StateRead.
		return now-c.writeAt > int64(o.MaxWriteIdle/time.Second)
	}
	switch c.state {
	case StateRead, StateRequestStart:
		idle := o.MaxReadIdle
		if c.requestCount > 1 {
			idle = o.MaxKeepAliveIdle
		}
		return now-c.readIdleAt > int64(idle/time.Second)
	case StateReadPost:
		return now-c.readIdleAt > int64(o.MaxReadIdle/time.Second)
	case StateClose:
		// A draining server lingers at most a second, as lighttpd's does.
		if l.server.draining.Load() {
			return now-c.closeAt > 1
		}
		return now-c.closeAt > lingerTimeout
	}
	return false
}

package reactor

import (
	"context"
	"sync"

	"github.com/panjf2000/gnet/v2"

	"github.com/featherd/featherd/chunkqueue"
	"github.com/featherd/featherd/http/pipeline"
)

// loop is featherd's state for one gnet event loop: its connections, its
// pipeline (its own module instances and stat cache, so no locks), its
// writer and its poller.
//
// Everything but mu, pending and scheduled is owned by the loop's
// goroutine. Other goroutines reach the loop only through resume and
// execute, which queue work for it.
type loop struct {
	server  *Server
	el      gnet.EventLoop
	conns   map[uint64]*conn
	now     int64 // seconds since the server started, updated by the sweep
	writer  *chunkqueue.Writer
	pipe    *pipeline.Pipeline
	poller  *poller
	buffers chunkqueue.BufferCache // every buffer this loop's connections use

	mu        sync.Mutex
	pending   []uint64 // connections to resume, queued by other goroutines
	spare     []uint64
	scheduled bool

	resumeTask gnet.RunnableFunc
	sweepTask  gnet.RunnableFunc
}

func newLoop(s *Server, el gnet.EventLoop) (*loop, error) {
	l := &loop{
		server: s,
		el:     el,
		conns:  make(map[uint64]*conn),
		now:    s.seconds(),
		writer: chunkqueue.NewWriter(s.cfg.Server.NetworkBackend),
		pipe:   s.plan.NewLoop(),
	}
	l.pipe.LimitOpenFiles(s.openFiles)
	l.resumeTask = l.runResumed
	l.sweepTask = l.sweep
	// Last: the poller's goroutine calls resume, which reads the loop's
	// fields; what it reads must be written before the goroutine starts.
	p, err := newPoller(l)
	if err != nil {
		return nil, err
	}
	l.poller = p
	return l, nil
}

// resume queues connection id to continue on its loop: its socket became
// writable (or, detached, readable), or it yielded its turn. Safe from any
// goroutine.
func (l *loop) resume(id uint64) {
	l.mu.Lock()
	l.pending = append(l.pending, id)
	schedule := !l.scheduled
	l.scheduled = true
	l.mu.Unlock()
	if schedule {
		l.execute(l.resumeTask)
	}
}

func (l *loop) execute(task gnet.RunnableFunc) {
	if err := l.el.Execute(context.Background(), task); err != nil {
		l.server.logf("event loop: %v", err)
	}
}

func (l *loop) runResumed(context.Context) error {
	l.mu.Lock()
	ids := l.pending
	l.pending, l.spare = l.spare[:0], ids
	l.scheduled = false
	l.mu.Unlock()
	for _, id := range ids {
		c := l.conns[id]
		if c == nil {
			continue // closed meanwhile
		}
		c.waiting, c.yielded = false, false
		c.turnBudget = maxWritePerTurn
		l.drive(c)
	}
	return nil
}

// drive runs c's state machine outside a gnet callback, where an action
// cannot be returned: a close goes through the loop directly.
func (l *loop) drive(c *conn) {
	if c.run() == gnet.Close {
		l.closeConn(c)
	}
}

// closeConn closes c from the loop goroutine outside a callback.
func (l *loop) closeConn(c *conn) {
	if c.gc != nil {
		l.el.Close(c.gc) // calls OnClose, which releases c
		return
	}
	l.release(c)
}

// release frees everything c holds. It runs once per connection, from
// OnClose or, for a detached connection (on its own dup), directly.
func (l *loop) release(c *conn) {
	if c.closed {
		return
	}
	c.closed = true
	if c.handling {
		// The request ends with the connection: a response that was
		// under way counts as done (the access log sees it), one that
		// never started only resets its modules.
		if c.r.Resp.Status != 0 {
			l.pipe.Done(&c.r)
		} else {
			l.pipe.Reset(&c.r)
		}
		c.handling = false
	}
	l.pipe.Close(&c.r)
	c.endHandler()
	l.poller.forget(c)
	delete(l.conns, c.id)
	if c.gc == nil {
		closeFd(c.fd)
	}
	c.in.release()
	c.r.Reset()
	c.out.Reset()
	c.state = StateConnect
	l.server.connectionClosed()
}

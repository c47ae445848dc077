package reactor

import (
	"errors"
	"io"
	"net"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// events is the gnet event handler. gnet calls it on each connection's
// loop goroutine.
type events struct {
	gnet.BuiltinEventEngine
	s *Server
}

// OnOpen builds the connection for a socket the accept goroutine
// enrolled, with its listen socket as the gnet context.
func (e *events) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	ls := gc.Context().(*listenSocket)
	l, err := e.s.loopFor(gc.EventLoop())
	if err != nil {
		e.s.logf("event loop setup: %v", err)
		return nil, gnet.Close
	}
	c := &conn{
		id:    e.s.nextID.Add(1),
		loop:  l,
		gc:    gc,
		fd:    gc.Fd(),
		sock:  ls,
		state: StateRequestStart,
	}
	c.turnBudget = maxWritePerTurn
	c.openedAt = l.now
	c.in.cache = &l.buffers
	c.r.Resp.Body.UseCache(&l.buffers)
	c.out.UseCache(&l.buffers)
	c.r.Body.UseCache(&l.buffers)
	c.setupRequest(gc, ls)
	if !l.pipe.Accept(&c.r) {
		l.pipe.Close(&c.r)
		return nil, gnet.Close // a module refused the connection (OnClose unadmits)
	}
	c.readIdleAt = l.now
	gc.SetContext(c)
	l.conns[c.id] = c
	e.s.connectionOpened()
	e.s.active.Store(l.now)
	return nil, gnet.None
}

// setupRequest fills in what the pipeline's request knows of the
// connection.
func (c *conn) setupRequest(gc gnet.Conn, ls *listenSocket) {
	r := &c.r
	r.ConnID = c.id
	r.Socket = ls.token
	r.Scheme = "http"
	r.Events = c
	r.StatCache = c.loop.pipe.StatCache()
	r.Spool = &c.loop.server.spool
	r.Server = &c.loop.server.cfg.Server
	if a, ok := gc.LocalAddr().(*net.TCPAddr); ok {
		r.Local = a.AddrPort()
	}
	switch {
	case ls.remote.IsValid():
		r.Peer = ls.remote
	case ls.tcp:
		if a, ok := gc.RemoteAddr().(*net.TCPAddr); ok {
			r.Peer = a.AddrPort()
		}
	}
	if r.Peer.IsValid() {
		r.RemoteIP = r.Peer.Addr().Unmap().String()
		r.RemotePort = r.Peer.Port()
	}
	r.Eval = c.loop.server.cfg.NewEval()
	r.Eval.StartConnection(r)
	r.Options = r.Eval.Options()
}

// OnTraffic takes what gnet read and runs the state machine. Everything
// is copied out of gnet's buffers at once, so a pipelined request or a
// response interrupted by the client's half-close never depends on them.
func (e *events) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.Close
	}
	data, _ := gc.Next(-1)
	e.s.touch(c.loop.now)
	if c.state == StateClose {
		return c.linger() // lingering close discards input
	}
	c.in.append(data)
	c.readIdleAt = c.loop.now
	if c.waiting || c.yielded || c.limiter.Throttled() || c.r.Waiting() || c.streaming {
		// The response in progress continues when it may (or its handler
		// is ready). Meanwhile gnet reads whatever the client sends, and
		// cannot be told to stop.
		if c.in.len() > maxHeldInput {
			return c.stopReading(gc)
		}
		return gnet.None
	}
	c.turnBudget = maxWritePerTurn
	return c.run()
}

// maxHeldInput is how much a connection holds of what its client sent
// ahead while its response cannot go out: a few pipelined requests, or
// the start of the next request's body. A client that sends more stops
// being read (stopReading).
const maxHeldInput = 64 << 10

// readChunk is how much a detached connection reads at a time.
const readChunk = 16 << 10

// stopReading takes a connection whose client sends more than it may
// hold off gnet, which would read and buffer every byte, onto a dup of
// its socket that featherd reads only when the state machine wants the
// next request (receive). The client's bytes then wait in the kernel,
// whose buffers fill until TCP flow control stops the client, as
// lighttpd stops polling a connection for input while it writes. The
// connection stays detached until it closes.
func (c *conn) stopReading(gc gnet.Conn) gnet.Action {
	if err := c.detach(gc); err != nil {
		c.loop.server.logf("taking a connection off gnet: %v", err)
		c.state = StateError
		if c.gc == nil {
			c.loop.release(c) // closes the dup
		}
	}
	return gnet.Close // gnet closes its fd; a detached socket lives on in the dup
}

// OnClose runs when gnet closes its fd: because we asked, because the
// client closed or reset it, or because gnet read EOF from a client that
// only half-closed. gnet would cut the last case short, so a connection
// with responses still to send takes a dup of the socket and finishes on
// its own. After stopReading, whose connection lives on in its dup, the
// context is detached and there is nothing to do.
func (e *events) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		if _, moved := gc.Context().(detached); !moved {
			e.s.unadmit() // OnOpen refused it
		}
		return gnet.None
	}
	if c.closed {
		return gnet.None
	}
	if errors.Is(err, io.EOF) && c.hasWorkLeft() && c.detach(gc) == nil {
		c.peerEOF = true
		c.loop.drive(c)
		return gnet.None
	}
	if c.gc != nil {
		c.loop.poller.forget(c) // while c.fd is still gnet's
		c.gc, c.fd = nil, -1    // gnet closes its fd
	}
	c.loop.release(c) // and a dup, if detach got that far
	return gnet.None
}

// hasWorkLeft reports whether the connection still owes the client a
// response: one being handled or written, or pipelined requests buffered.
func (c *conn) hasWorkLeft() bool {
	if c.out.Len() > 0 {
		return true
	}
	switch c.state {
	case StateHandleRequest, StateWrite, StateResponseEnd:
		return true
	case StateRequestStart, StateRead:
		return c.in.len() > 0
	}
	return false
}

// detach moves the connection off gnet's fd, which gnet closes once the
// callback returns, onto a dup of it that the connection reads, writes
// and closes itself, driven by its loop's poller. gnet's close of its own
// fd leaves the socket open: the dup still refers to it.
func (c *conn) detach(gc gnet.Conn) error {
	fd, err := unix.FcntlInt(uintptr(gc.Fd()), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return err
	}
	// The registration goes before gnet's fd does: epoll keys it by the
	// fd and the open socket, which the dup keeps alive.
	waiting := c.waiting
	c.loop.poller.forget(c)
	gc.SetContext(detached{})
	c.gc, c.fd = nil, fd
	if waiting {
		if err := c.loop.poller.wait(c); err != nil {
			return err
		}
	}
	return nil
}

// detached is the gnet context of a gnet.Conn whose connection moved to a
// dup of its socket: gnet's OnClose for it concerns gnet's fd only.
type detached struct{}

func closeFd(fd int) {
	if fd >= 0 {
		unix.Close(fd)
	}
}

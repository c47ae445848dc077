package bench

import (
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// tickEvery is how often a worker looks for timed-out requests and
// connections to retry; it also bounds how late the run stops.
const tickEvery = 5 * time.Millisecond

// retryAfter spaces connect attempts after a failed one, so a server that
// is down is not flooded with SYNs.
const retryAfter = 10 * time.Millisecond

// worker drives its connections from one goroutine with one epoll set,
// edge-triggered: it reads and writes until EAGAIN on each event.
type worker struct {
	cfg    *Config
	t      *target
	sa     unix.Sockaddr
	family int
	epfd   int
	conns  []conn
	events []unix.EpollEvent
	rbuf   []byte
	res    *Result
	err    error // why the run stopped early
}

func newWorker(cfg *Config, t *target, nconns int) (*worker, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	w := &worker{cfg: cfg, t: t, epfd: epfd, conns: make([]conn, nconns),
		events: make([]unix.EpollEvent, 256), rbuf: make([]byte, 64<<10), res: newResult()}
	w.sa, w.family = sockaddr(t.addr)
	for i := range w.conns {
		w.conns[i].fd = -1
	}
	return w, nil
}

func sockaddr(a *net.TCPAddr) (unix.Sockaddr, int) {
	if ip := a.IP.To4(); ip != nil {
		sa := &unix.SockaddrInet4{Port: a.Port}
		copy(sa.Addr[:], ip)
		return sa, unix.AF_INET
	}
	sa := &unix.SockaddrInet6{Port: a.Port}
	copy(sa.Addr[:], a.IP.To16())
	return sa, unix.AF_INET6
}

// run sends requests until deadline, then closes everything.
func (w *worker) run(deadline time.Time) {
	defer w.close()
	now := time.Now()
	for i := range w.conns {
		w.open(i, now)
	}
	lastTick := now
	for {
		now = time.Now()
		if !now.Before(deadline) {
			break
		}
		wait := min(tickEvery, deadline.Sub(now))
		n, err := unix.EpollWait(w.epfd, w.events, int((wait+time.Millisecond-1)/time.Millisecond))
		if err != nil && !errors.Is(err, unix.EINTR) {
			w.err = fmt.Errorf("epoll_wait: %w", err)
			break
		}
		now = time.Now()
		for _, ev := range w.events[:max(n, 0)] {
			c := &w.conns[ev.Fd]
			if c.fd < 0 || c.gen != ev.Pad {
				continue
			}
			w.handle(int(ev.Fd), c, ev.Events, now)
		}
		if now.Sub(lastTick) >= tickEvery {
			w.tick(now)
			lastTick = now
		}
	}
}

func (w *worker) close() {
	for i := range w.conns {
		w.conns[i].reset()
	}
	unix.Close(w.epfd)
}

func (w *worker) open(i int, now time.Time) {
	c := &w.conns[i]
	c.reset()
	c.opened = now
	fd, err := unix.Socket(w.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		w.connectFailed(c, now)
		return
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	err = unix.Connect(fd, w.sa)
	if err != nil && !errors.Is(err, unix.EINPROGRESS) {
		unix.Close(fd)
		w.connectFailed(c, now)
		return
	}
	c.gen++
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(i), Pad: c.gen}
	if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		unix.Close(fd)
		w.connectFailed(c, now)
		return
	}
	c.fd = fd
	c.connecting = true
}

func (w *worker) connectFailed(c *conn, now time.Time) {
	w.res.Errors[ErrConnect]++
	c.reset()
	c.retryAt = now.Add(retryAfter)
}

// fail counts kind, drops the connection and opens a new one.
func (w *worker) fail(i int, kind ErrKind, now time.Time) {
	w.res.Errors[kind]++
	w.open(i, now)
}

func (w *worker) handle(i int, c *conn, events uint32, now time.Time) {
	gen := c.gen
	if c.connecting {
		if events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
			return
		}
		if soerr, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR); err != nil || soerr != 0 {
			w.connectFailed(c, now)
			return
		}
		c.connecting = false
		// Write before reading what came with the connect: a server that
		// closes at once or speaks first then fails a request, counted.
		w.fill(c, now)
		w.flush(i, c, now)
		if c.fd < 0 || c.gen != gen {
			return
		}
	}
	if events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		w.read(i, c, now)
		if c.fd < 0 || c.gen != gen {
			return
		}
	}
	w.fill(c, now)
	w.flush(i, c, now)
}

// fill writes requests ahead until Pipeline are in flight.
func (w *worker) fill(c *conn, now time.Time) {
	for c.inflight() < w.cfg.Pipeline {
		c.push(now, w.t.request)
	}
}

func (w *worker) flush(i int, c *conn, now time.Time) {
	for c.woff < len(c.wbuf) {
		n, err := unix.Write(c.fd, c.wbuf[c.woff:])
		switch {
		case errors.Is(err, unix.EAGAIN):
			return
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.ECONNRESET), errors.Is(err, unix.EPIPE):
			w.fail(i, ErrReset, now)
			return
		case err != nil:
			w.fail(i, ErrWrite, now)
			return
		}
		c.woff += n
	}
	c.wbuf, c.woff = c.wbuf[:0], 0
}

func (w *worker) read(i int, c *conn, now time.Time) {
	gen := c.gen
	for {
		n, err := unix.Read(c.fd, w.rbuf)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.ECONNRESET):
			w.fail(i, ErrReset, now)
			return
		case err != nil:
			w.fail(i, ErrRead, now)
			return
		case n == 0:
			w.eof(i, c, now)
			return
		}
		w.res.Bytes += int64(n)
		w.parse(i, c, w.rbuf[:n], now)
		if c.fd < 0 || c.gen != gen {
			return
		}
	}
}

// parse feeds p to the connection's response parser; it stops early when
// the connection was replaced.
func (w *worker) parse(i int, c *conn, p []byte, now time.Time) {
	gen := c.gen
	for len(p) > 0 {
		if c.inflight() == 0 { // bytes nobody asked for
			w.fail(i, ErrBody, now)
			return
		}
		n, done, err := c.resp.feed(p, w.t.head)
		p = p[n:]
		if err != nil {
			w.fail(i, ErrBody, now)
			return
		}
		if done {
			w.complete(i, c, now)
			if c.fd < 0 || c.gen != gen {
				return
			}
		}
	}
}

func (w *worker) eof(i int, c *conn, now time.Time) {
	switch {
	case c.resp.eof():
		w.complete(i, c, now)
	case c.inflight() == 0:
		w.open(i, now)
	case c.resp.started:
		w.fail(i, ErrBody, now)
	default:
		w.fail(i, ErrRead, now)
	}
}

// complete records the response just parsed. 1xx responses are interim
// and answer nothing.
func (w *worker) complete(i int, c *conn, now time.Time) {
	code := c.resp.status
	if code < 200 {
		return
	}
	lat := now.Sub(c.pop()).Microseconds()
	w.res.Latency.RecordValue(min(max(lat, 1), maxLatency))
	w.res.Requests++
	w.res.Status[code]++
	if code >= 400 {
		w.res.Errors[ErrStatus]++
	}
	if c.resp.connClose || w.cfg.Close {
		w.open(i, now)
	}
}

// tick times out slow requests and connects, and retries failed connects.
func (w *worker) tick(now time.Time) {
	for i := range w.conns {
		c := &w.conns[i]
		switch {
		case c.fd < 0:
			if !now.Before(c.retryAt) {
				w.open(i, now)
			}
		case c.connecting:
			if now.Sub(c.opened) > w.cfg.Timeout {
				w.connectFailed(c, now)
			}
		case c.inflight() > 0 && now.Sub(c.sent[0]) > w.cfg.Timeout:
			w.fail(i, ErrTimeout, now)
		}
	}
}

package reactor

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// poller waits for the sockets featherd drives itself: writable again
// after a write returned EAGAIN, and, for a connection taken off gnet
// (detach), readable when its state machine wants request bytes. gnet
// offers no writability callback (it arms EPOLLOUT only for its own
// output buffer) and cannot stop reading a socket, so each loop has a
// small epoll of its own. Its goroutine waits for that epoll in Go's own
// netpoller rather than in a blocking epoll_wait: a wake-up is then a
// goroutine made runnable, not a thread that must win a P back from the
// loop (with one P on a pinned core, the thread hand-offs halved 100 KiB
// throughput).
//
// Registrations are keyed by connection id, never by fd: gnet reuses an
// fd number the moment it closes one. Each registration is one-shot, so a
// connection is reported once per wait. A connection waits for one thing
// on its own socket at a time, and its request's handler may also wait
// on fds of its own (armFD): any of them resumes the connection.
type poller struct {
	epfd int
	file *os.File // epfd in Go's netpoller
	loop *loop
	done chan struct{}
}

func newPoller(l *loop) (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	// A non-blocking fd given to os.NewFile is registered with the
	// netpoller; an epoll fd is readable while it has ready events.
	f := os.NewFile(uintptr(epfd), "featherd-poller")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	p := &poller{epfd: epfd, file: f, loop: l, done: make(chan struct{})}
	go p.run(rc)
	return p, nil
}

func setEventID(ev *unix.EpollEvent, id uint64) {
	ev.Fd, ev.Pad = int32(uint32(id)), int32(uint32(id>>32))
}

func eventID(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

// wait asks to be told when c's socket is writable. It runs on c's loop.
func (p *poller) wait(c *conn) error {
	if err := p.arm(c, unix.EPOLLOUT); err != nil {
		return err
	}
	c.waiting = true
	return nil
}

// waitReadable asks to be told when c's socket has bytes to read (or the
// client closed or reset it). Only a detached connection reads its own
// socket. It runs on c's loop.
func (p *poller) waitReadable(c *conn) error {
	return p.arm(c, unix.EPOLLIN|unix.EPOLLRDHUP)
}

func (p *poller) arm(c *conn, events uint32) error {
	ev := unix.EpollEvent{Events: events | unix.EPOLLONESHOT}
	setEventID(&ev, c.id)
	op := unix.EPOLL_CTL_MOD
	if !c.registered {
		op = unix.EPOLL_CTL_ADD
	}
	if err := unix.EpollCtl(p.epfd, op, c.fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	c.registered = true
	return nil
}

// armFD asks to be told, as connection id, when a handler's fd has
// events; added says whether fd is in the epoll already. It runs on the
// connection's loop.
func (p *poller) armFD(id uint64, fd int, events uint32, added bool) error {
	ev := unix.EpollEvent{Events: events | unix.EPOLLONESHOT}
	setEventID(&ev, id)
	op := unix.EPOLL_CTL_MOD
	if !added {
		op = unix.EPOLL_CTL_ADD
	}
	if err := unix.EpollCtl(p.epfd, op, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// forgetFD removes a handler's fd; it must run before the fd is closed.
func (p *poller) forgetFD(fd int) {
	unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// forget removes c's socket from the poller; it must run before the fd
// the registration was made with is closed.
func (p *poller) forget(c *conn) {
	if c.registered {
		unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
		c.registered, c.waiting = false, false
	}
}

func (p *poller) run(rc syscall.RawConn) {
	defer close(p.done)
	events := make([]unix.EpollEvent, 128)
	for {
		n := 0
		// Read calls the function until it reports progress, parking the
		// goroutine in the netpoller in between. Readiness is cleared
		// before each call, so an event that lands after epoll_wait found
		// nothing still wakes it.
		err := rc.Read(func(fd uintptr) bool {
			var err error
			n, err = unix.EpollWait(int(fd), events, 0)
			return err != unix.EINTR && n > 0
		})
		if err != nil {
			return // stopped
		}
		for i := range events[:n] {
			p.loop.resume(eventID(&events[i]))
		}
	}
}

// stop ends the goroutine and closes the epoll.
func (p *poller) stop() {
	p.file.Close()
	<-p.done
}

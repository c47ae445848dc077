package reactor

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// writePoller waits for sockets to become writable again after a write
// returned EAGAIN. gnet offers no writability callback (it arms EPOLLOUT
// only for its own output buffer), so each loop has a small epoll of its
// own and a goroutine that blocks in it and hands ready connection ids
// back to the loop.
//
// Registrations are keyed by connection id, never by fd: gnet reuses an
// fd number the moment it closes one. Each registration is one-shot, so a
// connection is reported once per wait.
type writePoller struct {
	epfd   int
	stopfd int // an eventfd that wakes the goroutine to exit
	loop   *loop
	done   chan struct{}
}

func newWritePoller(l *loop) (*writePoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	stopfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN}
	setEventID(&ev, 0) // id 0 is never a connection
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, stopfd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(stopfd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	p := &writePoller{epfd: epfd, stopfd: stopfd, loop: l, done: make(chan struct{})}
	go p.run()
	return p, nil
}

func setEventID(ev *unix.EpollEvent, id uint64) {
	ev.Fd, ev.Pad = int32(uint32(id)), int32(uint32(id>>32))
}

func eventID(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

// wait asks to be told when c's socket is writable. It runs on c's loop.
func (p *writePoller) wait(c *conn) error {
	ev := unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLONESHOT}
	setEventID(&ev, c.id)
	op := unix.EPOLL_CTL_MOD
	if !c.registered {
		op = unix.EPOLL_CTL_ADD
	}
	if err := unix.EpollCtl(p.epfd, op, c.fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	c.registered, c.waiting = true, true
	return nil
}

// forget removes c's socket from the poller; it must run before the fd
// the registration was made with is closed.
func (p *writePoller) forget(c *conn) {
	if c.registered {
		unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
		c.registered, c.waiting = false, false
	}
}

func (p *writePoller) run() {
	defer close(p.done)
	events := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		for i := range events[:n] {
			id := eventID(&events[i])
			if id == 0 {
				return // stop
			}
			p.loop.resume(id)
		}
	}
}

// stop ends the goroutine and closes the epoll.
func (p *writePoller) stop() {
	one := [8]byte{1}
	unix.Write(p.stopfd, one[:])
	<-p.done
	unix.Close(p.epfd)
	unix.Close(p.stopfd)
}

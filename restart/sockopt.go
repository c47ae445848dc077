package restart

import (
	"fmt"
	"math"
	"net"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/config"
)

// controlTCP applies a TCP listen socket's options before it is bound:
// server.defer-accept (TCP_DEFER_ACCEPT) and server.ip-transparent.
// IPV6_V6ONLY follows from the network chosen in listenSocket.
func controlTCP(c syscall.RawConn, s config.Socket) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		if s.Options.DeferAccept {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, 1)
		}
		if serr == nil && s.Options.IPTransparent {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_IP, unix.IP_TRANSPARENT, 1)
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// setBacklog applies server.listen-backlog: Go listens with the kernel's
// maximum (net.core.somaxconn), and listen(2) on a socket that already
// listens sets its backlog anew. The backlog is what holds connections
// while an in-place restart drains, so a user may want it deep.
func setBacklog(ln net.Listener, n int) error {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	err = rc.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), min(n, math.MaxInt32)) })
	if err != nil {
		return err
	}
	if lerr != nil {
		return fmt.Errorf("server.listen-backlog %d: %w", n, lerr)
	}
	return nil
}

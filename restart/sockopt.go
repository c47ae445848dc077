package restart

import (
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

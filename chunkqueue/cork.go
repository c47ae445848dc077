package chunkqueue

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// setCork is what WriteTurn calls, so a test can see every attempt.
var setCork = SetCork

// SetCork sets (on) or clears TCP_CORK on a TCP socket: while corked, the
// kernel sends only full segments, so a response head written with writev
// and the file that follows with sendfile share packets. Call it only for
// TCP sockets (IsTCP): on a unix socket it fails with EOPNOTSUPP.
func SetCork(fd int, on bool) error {
	v := int32(0)
	if on {
		v = 1
	}
	// A raw syscall: setsockopt does not block (see writeMem).
	_, _, e := unix.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.IPPROTO_TCP, unix.TCP_CORK,
		uintptr(unsafe.Pointer(&v)), 4, 0)
	if e != 0 {
		return os.NewSyscallError("setsockopt TCP_CORK", e)
	}
	return nil
}

// IsTCP reports whether fd is a stream socket of the IPv4 or IPv6 family,
// the only sockets TCP_CORK applies to (lighttpd checks the listening
// socket's family the same way). Call it once per connection, not per
// write.
func IsTCP(fd int) bool {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil || typ != unix.SOCK_STREAM {
		return false
	}
	domain, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	if err != nil {
		// SO_DOMAIN is Linux 2.6.32+; the address family says the same.
		sa, err := unix.Getsockname(fd)
		if err != nil {
			return false
		}
		switch sa.(type) {
		case *unix.SockaddrInet4, *unix.SockaddrInet6:
			return true
		}
		return false
	}
	return domain == unix.AF_INET || domain == unix.AF_INET6
}

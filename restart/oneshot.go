package restart

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/config"
)

// oneShot is the connection featherd -1 serves, as lighttpd's one-shot
// mode does: stdin itself when it is a socket (xinetd "nowait"), or, when
// stdin is a FIFO, requests read from stdin and responses written to
// stdout (netcat: mkfifo f; nc -l 8080 <f | featherd -1 -f conf >f).
//
// The reactor serves sockets only, so a FIFO pair is served through a
// socketpair: the reactor gets one end, and a relay carries the bytes
// between the other end and stdin and stdout.
type oneShot struct {
	conn   net.Conn       // what the reactor serves
	local  netip.AddrPort // chooses the configured socket it counts as; zero when unknown
	remote netip.AddrPort // the client when conn cannot tell it; zero otherwise
	relay  *relay         // nil when stdin is the socket itself
}

// openOneShot takes over the connection on stdin (and, for a FIFO pair,
// stdout).
func openOneShot() (*oneShot, error) {
	fi, err := os.Stdin.Stat()
	if err != nil {
		return nil, fmt.Errorf("-1: %w", err)
	}
	switch mode := fi.Mode(); {
	case mode&os.ModeSocket != 0:
		return stdinSocket()
	case mode&os.ModeNamedPipe != 0:
		return fifoPair()
	}
	return nil, errors.New("-1: stdin is neither a socket nor a FIFO")
}

// stdinSocket serves the socket on stdin with the addresses it has.
func stdinSocket() (*oneShot, error) {
	c, err := net.FileConn(os.Stdin)
	if err != nil {
		return nil, fmt.Errorf("-1: %w", err)
	}
	os.Stdin.Close()
	shot := &oneShot{conn: c}
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		shot.local = unmap(a.AddrPort())
	}
	return shot, nil
}

// fifoPair serves requests arriving on stdin, answering on stdout, with
// the addresses ncat describes or lighttpd's made-up ones.
func fifoPair() (*oneShot, error) {
	local, err := ncatAddr("LOCAL", fabricatedLocal)
	if err != nil {
		return nil, err
	}
	remote, err := ncatAddr("REMOTE", fabricatedRemote)
	if err != nil {
		return nil, err
	}
	served, end, err := socketpair()
	if err != nil {
		return nil, err
	}
	out, err := takeStdout()
	if err != nil {
		served.Close()
		end.Close()
		return nil, err
	}
	return &oneShot{conn: served, local: local, remote: remote, relay: startRelay(os.Stdin, out, end)}, nil
}

// finish waits, at most d, until every response the server sent is out
// on stdout: the caller exits at once, which would lose what the relay
// still holds. It reports false when d ran out first.
func (s *oneShot) finish(d time.Duration) bool {
	// The reactor closed its copy when it took the connection; this one
	// is still open only if serving failed before, and the relay waits
	// for it to close.
	s.conn.Close()
	if s.relay == nil {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.relay.copied:
		return true
	case <-t.C:
		return false
	}
}

// relay copies requests from stdin into its end of the socketpair and
// responses from that end out to stdout, each direction in a goroutine of
// its own; the goroutines own the end and stdout.
type relay struct {
	copied chan struct{} // closed once the responses have all been written to stdout, or stdout failed
}

func startRelay(in io.Reader, out io.WriteCloser, end *net.UnixConn) *relay {
	r := &relay{copied: make(chan struct{})}
	go func() {
		io.Copy(end, in)
		// The client has sent all it will: the server sees it half-close,
		// as on a socket.
		end.CloseWrite()
	}()
	go func() {
		defer close(r.copied)
		io.Copy(out, end)
		// Closing stdout is the end of the connection for its reader. If
		// stdout failed instead, closing the end makes the server's next
		// write fail too, as a client going away would.
		out.Close()
		end.Close()
	}()
	return r
}

// socketpair returns a connected pair of unix stream sockets: the one
// the reactor serves, and the relay's end.
func socketpair() (served net.Conn, end *net.UnixConn, err error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("-1: %w", os.NewSyscallError("socketpair", err))
	}
	served, err = fdConn(fds[0])
	if err != nil {
		syscall.Close(fds[1])
		return nil, nil, err
	}
	c, err := fdConn(fds[1])
	if err != nil {
		served.Close()
		return nil, nil, err
	}
	return served, c.(*net.UnixConn), nil
}

// fdConn makes a net.Conn of the socket fd, taking it over.
func fdConn(fd int) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), "socketpair")
	defer f.Close() // the conn has a duplicate of its own
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("-1: %w", err)
	}
	return c, nil
}

// takeStdout moves stdout to a descriptor of the relay's own and points
// fd 1 at /dev/null. Closing the returned file is then the end of the
// responses for whoever reads them, and nothing else can write into
// them. A reader that went away also becomes an EPIPE error: on fd 1 Go
// lets SIGPIPE kill the process.
func takeStdout() (*os.File, error) {
	fd, err := unix.FcntlInt(uintptr(syscall.Stdout), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, fmt.Errorf("-1: stdout: %w", err)
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err == nil {
		err = unix.Dup2(int(null.Fd()), syscall.Stdout)
		null.Close()
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("-1: stdout: %w", err)
	}
	return os.NewFile(uintptr(fd), "stdout"), nil
}

// The addresses lighttpd makes up for a FIFO pair ncat did not describe.
var (
	fabricatedLocal  = netip.MustParseAddrPort("127.0.0.1:80")
	fabricatedRemote = netip.MustParseAddrPort("127.0.0.1:48080")
)

// ncatAddr reads an address as ncat --exec passes it to its child, in
// NCAT_<side>_ADDR and NCAT_<side>_PORT, or returns fallback when
// NCAT_<side>_ADDR is not set. lighttpd reads all four variables once
// NCAT_LOCAL_ADDR is set; each side on its own also serves a wrapper that
// only knows the client.
func ncatAddr(side string, fallback netip.AddrPort) (netip.AddrPort, error) {
	addrVar, portVar := "NCAT_"+side+"_ADDR", "NCAT_"+side+"_PORT"
	addr, ok := os.LookupEnv(addrVar)
	if !ok {
		return fallback, nil
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("-1: %s=%q is not an IP address", addrVar, addr)
	}
	port, err := strconv.ParseUint(os.Getenv(portVar), 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("-1: %s=%q is not a port number", portVar, os.Getenv(portVar))
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), nil
}

// oneShotToken is the configured socket a one-shot connection counts as,
// chosen as lighttpd does: the one listening on its local address, else
// a wildcard one on the same port, else the first.
func oneShotToken(cfg *config.Config, local netip.AddrPort) string {
	wildcard := ""
	for _, s := range cfg.Sockets {
		ap, err := netip.ParseAddrPort(s.Token)
		if err != nil || !local.IsValid() || ap.Port() != local.Port() {
			continue
		}
		if ap.Addr().Unmap() == local.Addr() {
			return s.Token
		}
		if wildcard == "" && ap.Addr().IsUnspecified() {
			wildcard = s.Token
		}
	}
	switch {
	case wildcard != "":
		return wildcard
	case len(cfg.Sockets) > 0:
		return cfg.Sockets[0].Token
	case local.IsValid():
		return local.String()
	}
	return ""
}

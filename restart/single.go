package restart

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/reactor"
)

// SingleOptions select a single-process mode: featherd without a master,
// as lighttpd runs for inetd, xinetd and idle shutdown. In these modes
// SIGUSR1 stops gracefully, since there is no master to restart.
type SingleOptions struct {
	// IdleTimeout (-i) stops gracefully once nothing has happened for
	// that long; 0 never does.
	IdleTimeout time.Duration
	// OneShot (-1) serves the one connection already accepted on stdin
	// and exits when it closes.
	OneShot bool
	Stderr  io.Writer
}

// NeedsSingle reports whether cfg and the options call for a single
// process: server.bind = "/dev/stdin" (inetd wait mode), -1 or -i.
func NeedsSingle(cfg *config.Config, o SingleOptions) bool {
	if o.OneShot || o.IdleTimeout > 0 {
		return true
	}
	for _, s := range cfg.Sockets {
		if s.Network == "stdin" {
			return true
		}
	}
	return false
}

// RunSingle serves in this process: the listening socket on stdin
// (server.bind = "/dev/stdin"), the one connection on stdin (-1), or the
// configured sockets (-i alone). It returns the exit status.
func RunSingle(cfg *config.Config, o SingleOptions) int {
	fail := func(err error) int {
		fmt.Fprintf(o.Stderr, "featherd: %v\n", err)
		return 1
	}
	logs, err := openErrorLog(cfg, o.Stderr)
	if err != nil {
		return fail(err)
	}
	defer logs.close()
	raiseFDLimit(cfg.Server.FDLimit(), logs.logger)

	var listeners []reactor.Listener
	var conn net.Conn
	switch {
	case o.OneShot:
		// The sockets are parsed but never opened; the connection is tied
		// to the configured socket with its address, else the first.
		if conn, err = stdinConn(); err != nil {
			return fail(err)
		}
	default:
		if listeners, err = Listen(cfg); err != nil {
			return fail(err)
		}
	}
	if err := dropPrivileges(cfg); err != nil {
		CloseListeners(listeners)
		return fail(err)
	}
	stop := make(chan string, 1)
	err = serve(cfg, listeners, logs, func(srv *reactor.Server) {
		if conn != nil {
			if err := srv.Enroll(conn, oneShotToken(cfg, conn)); err != nil {
				logs.logger.Printf("one-shot connection: %v", err)
			}
		}
		if o.OneShot || o.IdleTimeout > 0 {
			go watch(srv, o, stop)
		}
	}, true, stop)
	if err != nil {
		return fail(err)
	}
	return 0
}

// watch asks for a graceful stop once the one-shot connection has closed,
// or once the server has been idle for o.IdleTimeout.
func watch(srv *reactor.Server, o SingleOptions, stop chan<- string) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		switch {
		case o.OneShot && srv.Connections() == 0:
			stop <- "the connection closed"
			return
		case o.IdleTimeout > 0 && srv.IdleFor() > o.IdleTimeout:
			stop <- fmt.Sprintf("idle timeout %v exceeded", o.IdleTimeout)
			return
		}
	}
}

func listenerToken(ln net.Listener) (string, error) {
	switch a := ln.Addr().(type) {
	case *net.TCPAddr:
		return unmapped(a), nil
	case *net.UnixAddr:
		return a.Name, nil
	}
	return "", errors.New("unknown address")
}

// stdinConn turns the connection on stdin into a net.Conn.
func stdinConn() (net.Conn, error) {
	fi, err := os.Stdin.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return nil, errors.New("-1: stdin is not a socket (a FIFO pair is not supported yet)")
	}
	c, err := net.FileConn(os.Stdin)
	if err != nil {
		return nil, fmt.Errorf("-1: %w", err)
	}
	os.Stdin.Close()
	return c, nil
}

// oneShotToken is the socket a one-shot connection counts as: the
// configured one with its local address, else the first configured.
func oneShotToken(cfg *config.Config, c net.Conn) string {
	local := ""
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		local = unmapped(a)
	}
	for _, s := range cfg.Sockets {
		if s.Token == local {
			return s.Token
		}
	}
	if len(cfg.Sockets) > 0 {
		return cfg.Sockets[0].Token
	}
	return local
}

// unmapped is an address as a config token: IPv4 addresses without the
// ::ffff: prefix a dual-stack socket reports.
func unmapped(a *net.TCPAddr) string {
	ap := a.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

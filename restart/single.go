package restart

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
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
	// OneShot (-1) serves the one connection already accepted on stdin,
	// or requests on stdin answered on stdout when stdin is a FIFO, and
	// exits when it closes.
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
// (server.bind = "/dev/stdin"), the one connection on stdin and stdout
// (-1), or the configured sockets (-i alone). It returns the exit status.
func RunSingle(cfg *config.Config, o SingleOptions) int {
	fail := func(err error) int {
		fmt.Fprintf(o.Stderr, "featherd: %v\n", err)
		return 1
	}
	var listeners []reactor.Listener
	var shot *oneShot
	var err error
	switch {
	case o.OneShot:
		// The sockets are parsed but never opened; the connection counts
		// as one of them (oneShotToken).
		if shot, err = openOneShot(); err != nil {
			return fail(err)
		}
	default:
		if listeners, err = Listen(cfg); err != nil {
			return fail(err)
		}
	}
	logs, err := becomeServer(cfg, o.Stderr)
	if err != nil {
		CloseListeners(listeners)
		return fail(err)
	}
	defer logs.close()
	stop := make(chan string, 1)
	ready := func(srv *reactor.Server) error {
		if shot != nil {
			if err := srv.Enroll(shot.conn, oneShotToken(cfg, shot.local), shot.remote); err != nil {
				logs.logger.Printf("one-shot connection: %v", err)
			}
		}
		if o.OneShot || o.IdleTimeout > 0 {
			go watch(srv, cfg, o, logs.logger, stop)
		}
		return nil
	}
	err = serve(cfg, listeners, logs, serveOptions{ready: ready, noMaster: true, drainingFromStart: o.OneShot, stop: stop})
	if shot != nil {
		// A stalled write to stdout is given up as the server gives up one
		// to a client.
		if idle := cfg.Base().MaxWriteIdle; !shot.finish(idle) {
			logs.logger.Printf("one-shot connection: responses not all written to stdout after server.max-write-idle (%v)", idle)
		}
	}
	if err != nil {
		return fail(err)
	}
	return 0
}

// watch asks for a graceful stop once the one-shot connection has closed,
// or once the server has been idle for o.IdleTimeout.
//
// One-shot mode is lighttpd's graceful shutdown armed from the start,
// with keep-alive still allowed on the connection until
// server.graceful-shutdown-timeout expires (0: never). Then the
// connection is ended at once, as lighttpd forces it into its error
// state, and the stop follows.
func watch(srv *reactor.Server, cfg *config.Config, o SingleOptions, logger *log.Logger, stop chan<- string) {
	graceful := cfg.Server.Features.GracefulShutdownTimeout
	var expired <-chan time.Time
	if o.OneShot && graceful > 0 {
		t := time.NewTimer(graceful)
		defer t.Stop()
		expired = t.C
	}
	// A one-shot process should be gone soon after its connection.
	every := 250 * time.Millisecond
	if o.OneShot {
		every = 20 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-expired:
			expired = nil
			logger.Printf("server.graceful-shutdown-timeout (%v) expired: closing the one-shot connection", graceful)
			srv.Close()
		case <-tick.C:
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

// unmapped is an address as a config token: IPv4 addresses without the
// ::ffff: prefix a dual-stack socket reports.
func unmapped(a *net.TCPAddr) string { return unmap(a.AddrPort()).String() }

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

package restart

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/reactor"
)

// Listen opens the listen sockets the configuration asks for. On error
// every socket opened so far is closed again.
func Listen(cfg *config.Config) ([]reactor.Listener, error) {
	var out []reactor.Listener
	for _, s := range cfg.Sockets {
		ln, err := listenSocket(s)
		if err != nil {
			CloseListeners(out)
			return nil, fmt.Errorf("%s: %w", s.Pos, err)
		}
		if s.Network == "stdin" {
			// $SERVER["socket"] conditions see the socket's real address.
			if tok, err := listenerToken(ln); err == nil {
				s.Token = tok
			}
		}
		out = append(out, reactor.Listener{Socket: s, Listener: ln})
	}
	return out, nil
}

// CloseListeners closes listeners; a unix socket's file is removed with
// it.
func CloseListeners(ls []reactor.Listener) {
	for _, l := range ls {
		l.Listener.Close()
	}
}

func listenSocket(s config.Socket) (net.Listener, error) {
	switch s.Network {
	case "unix":
		return listenUnix(s)
	case "stdin":
		// inetd's "wait" mode: the listening socket is on fd 0.
		ln, err := net.FileListener(os.Stdin)
		if err != nil {
			return nil, fmt.Errorf("%s: stdin is not a listening socket: %w", config.StdinBind, err)
		}
		os.Stdin.Close() // the listener has its own descriptor
		return ln, nil
	}
	network := s.Network
	if network == "tcp6" && !s.Options.SetV6Only {
		network = "tcp" // server.set-v6only = "disable": [::] also takes IPv4
	}
	// No TCP keep-alive probes on accepted connections (lighttpd sets
	// none, and each would cost four setsockopt calls per connection);
	// idle connections end by server.max-keep-alive-idle instead.
	lc := net.ListenConfig{KeepAlive: -1, Control: func(_, _ string, c syscall.RawConn) error {
		return controlTCP(c, s)
	}}
	ln, err := lc.Listen(context.Background(), network, s.Address)
	if err != nil {
		return nil, fmt.Errorf("bind %s: %w", s.Token, err)
	}
	if err := setBacklog(ln, s.Options.ListenBacklog); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// listenUnix binds a unix socket. A socket file nobody listens on any
// more (left by a crash) is replaced; one a process still serves is an
// error, never silently stolen.
func listenUnix(s config.Socket) (net.Listener, error) {
	if fi, err := os.Lstat(s.Address); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("bind %s: a file that is not a socket is in the way", s.Token)
		}
		if c, err := net.DialTimeout("unix", s.Address, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("bind %s: another process is listening on it", s.Token)
		}
		if err := os.Remove(s.Address); err != nil {
			return nil, fmt.Errorf("bind %s: removing the stale socket: %w", s.Token, err)
		}
	}
	// server.socket-perms is given to the socket as bind creates it, through
	// the umask: a chmod by name afterwards would follow a link put in
	// the socket's place, and the master that binds is root. The umask
	// is the process's; nothing else creates files while a socket is
	// bound (the master binds on its event loop, a single process before
	// it serves).
	if perms := s.Options.SocketPerms; perms != "" {
		mode, _ := strconv.ParseUint(perms, 8, 32)
		defer syscall.Umask(syscall.Umask(int(^mode & 0o777)))
	}
	ln, err := net.Listen("unix", s.Address)
	if err != nil {
		return nil, fmt.Errorf("bind %s: %w", s.Token, err)
	}
	if err := setBacklog(ln, s.Options.ListenBacklog); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

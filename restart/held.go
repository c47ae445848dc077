package restart

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/featherd/featherd/config"
)

// The master's listen sockets: bound (or adopted from systemd) once and
// held for the master's whole life, so that the kernel's backlog
// survives every restart; each generation gets copies as fds 3...

// heldSocket is a listen socket the master keeps open; file is the copy
// passed to generations.
type heldSocket struct {
	sock      config.Socket
	ln        net.Listener
	file      *os.File
	inherited bool // from systemd: kept even when the configuration does not name it
}

// adoptActivated takes the sockets systemd passed (socket activation,
// server.systemd-socket-activation, which the background restart mode
// implies as in lighttpd): each is matched to a configured socket by its
// address and never bound again; those the configuration does not name
// are served with the global options, as lighttpd does.
func (m *master) adoptActivated() error {
	srv := &m.cfg.Server
	if !srv.SystemdSocketActivation && !srv.Features.GracefulRestartBG {
		return nil
	}
	in, err := m.opts.Inherited.sockets()
	if err != nil {
		return fmt.Errorf("socket activation: %w", err)
	}
	for _, x := range in {
		ln, err := net.FileListener(x.file)
		if err != nil {
			return fmt.Errorf("socket activation: fd %d (%s): %w", x.file.Fd(), x.token, err)
		}
		h := &heldSocket{sock: config.Socket{Token: x.token, Network: "inherited", Address: x.token}, ln: ln, file: x.file, inherited: true}
		for _, s := range m.cfg.Sockets {
			if s.Token == x.token {
				h.sock = s
			}
		}
		m.logger.Printf("socket activation: serving %s", x.token)
		m.sockets = append(m.sockets, h)
	}
	return nil
}

// syncSockets makes the held sockets those cfg names: it binds new ones
// (the master keeps its start-up privileges for that) and keeps the rest.
// Sockets cfg no longer names are closed by dropUnused once no starting
// generation needs them.
func (m *master) syncSockets(cfg *config.Config) error {
	var added []*heldSocket
	for _, s := range cfg.Sockets {
		if m.held(s.Token) != nil {
			continue
		}
		ls, err := listenSocket(s)
		if err != nil {
			for _, h := range added {
				h.close()
			}
			return fmt.Errorf("%s: %w", s.Pos, err)
		}
		f, err := listenerFile(ls)
		if err != nil {
			ls.Close()
			return fmt.Errorf("%s: %w", s.Pos, err)
		}
		added = append(added, &heldSocket{sock: s, ln: ls, file: f})
	}
	m.sockets = append(m.sockets, added...)
	return nil
}

func (m *master) held(token string) *heldSocket {
	for _, h := range m.sockets {
		if h.sock.Token == token {
			return h
		}
	}
	return nil
}

// dropUnused closes the sockets cfg does not name. A generation that
// still has a copy keeps serving its connections; it accepts no more.
func (m *master) dropUnused(cfg *config.Config) {
	keep := m.sockets[:0]
	for _, h := range m.sockets {
		if h.inherited || cfg.HasSocket(h.sock.Token) {
			keep = append(keep, h)
		} else {
			m.logger.Printf("closing socket %s: the configuration no longer names it", h.sock.Token)
			h.close()
		}
	}
	m.sockets = keep
}

func (h *heldSocket) close() {
	h.file.Close()
	h.ln.Close()
}

// listenerFile returns a copy of a listener's socket to pass to children.
func listenerFile(ln net.Listener) (*os.File, error) {
	if f, ok := ln.(interface{ File() (*os.File, error) }); ok {
		return f.File()
	}
	return nil, errors.New("cannot pass this listener to a child process")
}

// passed lists the held sockets a generation serving cfg is given: those
// cfg names and those systemd passed.
func (m *master) passed(cfg *config.Config) []*heldSocket {
	var out []*heldSocket
	for _, h := range m.sockets {
		if h.inherited || cfg.HasSocket(h.sock.Token) {
			out = append(out, h)
		}
	}
	return out
}

func tokens(sockets []*heldSocket) []string {
	out := make([]string, len(sockets))
	for i, h := range sockets {
		out[i] = h.sock.Token
	}
	return out
}

// rawFd returns f's descriptor without f.Fd()'s switch to blocking mode.
func rawFd(f *os.File) (uintptr, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd uintptr
	err = rc.Control(func(d uintptr) { fd = d })
	return fd, err
}

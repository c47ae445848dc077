package restart

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/reactor"
)

// The socket-activation protocol (sd_listen_fds): listen sockets arrive as
// fds 3, 4, … with LISTEN_FDS giving their number, LISTEN_PID the process
// they are meant for (lighttpd also accepts "parent:<ppid>", which is how
// the master hands them to a generation) and LISTEN_FDNAMES their names,
// colon-separated. featherd names each socket with its token, escaped so
// the colons of "127.0.0.1:80" survive.
const listenFdsStart = 3

// inherited is one listen socket received from the environment.
type inherited struct {
	file  *os.File
	name  string // the token the sender gave it, if any
	token string // its address, normalised as config tokens are
}

// sockets takes the listen sockets passed to this process (see
// TakeInherited), once: a second call finds none.
func (in *Inherited) sockets() ([]inherited, error) {
	n := in.listenFDs
	in.listenFDs = 0
	var names []string
	if in.listenNames != "" {
		names = strings.Split(in.listenNames, ":")
	}
	out := make([]inherited, 0, n)
	for i := range n {
		fd := listenFdsStart + i
		x := inherited{file: os.NewFile(uintptr(fd), "listen-fd-"+strconv.Itoa(fd))}
		if i < len(names) {
			x.name = unescapeName(names[i])
		}
		var err error
		if x.token, err = socketToken(fd); err != nil {
			return nil, fmt.Errorf("inherited fd %d: %w", fd, err)
		}
		out = append(out, x)
	}
	return out, nil
}

// socketToken gives a listening socket's address as a config token.
func socketToken(fd int) (string, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return "", os.NewSyscallError("getsockname", err)
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String(), nil
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)).String(), nil
	case *unix.SockaddrUnix:
		return a.Name, nil
	}
	return "", errors.New("not an IP or unix socket")
}

// escapeName and unescapeName keep a token usable as one LISTEN_FDNAMES
// entry, whose separator is ':'.
func escapeName(token string) string {
	return strings.NewReplacer("%", "%25", ":", "%3A").Replace(token)
}

func unescapeName(name string) string {
	return strings.NewReplacer("%3A", ":", "%25", "%").Replace(name)
}

// adopt matches inherited sockets to the configured ones: by the name the
// sender gave (the master names them by token), else by address. Sockets
// the configuration does not name are served with the global options, as
// lighttpd does; configured sockets nothing was inherited for are
// returned in missing.
func adopt(cfg *config.Config, in []inherited) (ls []reactor.Listener, missing []config.Socket, err error) {
	used := make([]bool, len(in))
	for _, s := range cfg.Sockets {
		i := matchInherited(s, in, used)
		if i < 0 {
			missing = append(missing, s)
			continue
		}
		used[i] = true
		ln, err := net.FileListener(in[i].file)
		if err != nil {
			CloseListeners(ls)
			return nil, nil, fmt.Errorf("socket %s: %w", s.Token, err)
		}
		ls = append(ls, reactor.Listener{Socket: s, Listener: ln})
	}
	for i, x := range in {
		if used[i] {
			x.file.Close() // FileListener took its own dup
			continue
		}
		ln, err := net.FileListener(x.file)
		x.file.Close()
		if err != nil {
			CloseListeners(ls)
			return nil, nil, fmt.Errorf("inherited socket %s: %w", x.token, err)
		}
		ls = append(ls, reactor.Listener{Socket: config.Socket{Token: x.token, Network: "inherited", Address: x.token}, Listener: ln})
	}
	return ls, missing, nil
}

func matchInherited(s config.Socket, in []inherited, used []bool) int {
	for i, x := range in {
		if !used[i] && x.name != "" && x.name == s.Token {
			return i
		}
	}
	for i, x := range in {
		if !used[i] && x.token == s.Token {
			return i
		}
	}
	return -1
}

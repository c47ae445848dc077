package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// StdinBind is the server.bind value that serves the listening socket
// inherited on fd 0 (inetd "wait" mode).
const StdinBind = "/dev/stdin"

// Socket is one listen socket the configuration asks for.
type Socket struct {
	// Token is the normalised address, the string $SERVER["socket"]
	// conditions compare: "0.0.0.0:80", "[::1]:8080", "localhost:80",
	// "/run/featherd.sock" or "/dev/stdin".
	Token string
	// Network is "tcp4", "tcp6", "tcp" (a host name, resolved at bind),
	// "unix", or "stdin" for the socket inherited on fd 0.
	Network string
	// Address is what net.Listen takes: "host:port" or a socket path.
	Address string
	Options SocketOptions
	Block   int // the $SERVER["socket"] block, or 0 for server.bind/server.port
	Pos     Pos
}

// parseSocket normalises a listen address as lighttpd's network.c does:
// "/path" is a unix socket; "[v6]:port", "v4:port", "host:port"; a
// missing host is every address (IPv6 with useIPv6); a missing port is
// defaultPort.
func parseSocket(addr string, defaultPort int, useIPv6 bool) (Socket, error) {
	if addr == StdinBind {
		return Socket{Token: addr, Network: "stdin", Address: addr}, nil
	}
	if strings.HasPrefix(addr, "/") {
		return Socket{Token: addr, Network: "unix", Address: addr}, nil
	}
	host, portStr := addr, ""
	switch {
	case strings.HasPrefix(addr, "["):
		end := strings.IndexByte(addr, ']')
		if end < 0 {
			return Socket{}, fmt.Errorf("invalid socket address %q: missing ']'", addr)
		}
		host = addr[1:end]
		rest := addr[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return Socket{}, fmt.Errorf("invalid socket address %q", addr)
			}
			portStr = rest[1:]
		}
		if host == "" {
			host = "::"
		} else if ip, err := netip.ParseAddr(host); err != nil || !ip.Is6() {
			return Socket{}, fmt.Errorf("invalid socket address %q: brackets hold an IPv6 address", addr)
		}
	case strings.Count(addr, ":") == 1:
		host, portStr, _ = strings.Cut(addr, ":")
	case strings.Count(addr, ":") > 1:
		// a bare IPv6 address without brackets has no port
	}
	port := defaultPort
	if portStr != "" || strings.HasSuffix(addr, ":") {
		n, err := strconv.Atoi(portStr)
		if err != nil || n < 1 || n > 65535 || portStr[0] == '+' {
			return Socket{}, fmt.Errorf("invalid socket address %q: port not set or out of range", addr)
		}
		port = n
	}
	ps := strconv.Itoa(port)
	if host == "*" {
		host = "0.0.0.0" // lighttpd's wildcard is IPv4, even with server.use-ipv6
	}
	if host == "" {
		host = "0.0.0.0"
		if useIPv6 {
			host = "::"
		}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return Socket{}, fmt.Errorf("invalid socket address %q: zones are not supported", addr)
		}
		if ip.Is4() {
			return Socket{Token: ip.String() + ":" + ps, Network: "tcp4", Address: ip.String() + ":" + ps}, nil
		}
		a := "[" + ip.String() + "]:" + ps
		return Socket{Token: a, Network: "tcp6", Address: a}, nil
	}
	if !validHostName(host) {
		return Socket{}, fmt.Errorf("invalid host in socket address %q", addr)
	}
	h := strings.ToLower(host)
	return Socket{Token: h + ":" + ps, Network: "tcp", Address: h + ":" + ps}, nil
}

func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// HasSocket reports whether the configuration listens on token.
func (c *Config) HasSocket(token string) bool {
	for _, s := range c.Sockets {
		if s.Token == token {
			return true
		}
	}
	return false
}

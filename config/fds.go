package config

import "fmt"

// The descriptor limits, settled at start-up as lighttpd's
// server_main_setup (src/server.c) settles them: server.max-fds decides
// RLIMIT_NOFILE and the number of descriptors the server plans for
// (lighttpd's max_fds), and that number decides the default of
// server.max-connections.
const (
	// defaultMaxFDs is server.max-fds when it is not set: server.c's
	// "default upper limit of 4k if server.max-fds not specified".
	defaultMaxFDs = 4096
	// maxMaxFDs and minMaxFDs bound the number planned for: server.c's
	// "sanity check; still quite large" and "server load checks will
	// fail if too low".
	maxMaxFDs = 1048576
	minMaxFDs = 32
	// maxConnsShare is the largest share of the descriptors connections
	// may take (server.max-connections is reduced to max_fds/2), and
	// defaultConnsShare the share they take by default (max_fds/3): a
	// connection may hold, besides its socket, a file it sends and its
	// request body's temp file (or a backend's socket, once there are
	// backends). These are lighttpd's numbers for a server without
	// HTTP/2 (server.c: factor 2, and 3 for the default); lighttpd with
	// server.h2proto enabled, its default, divides by 10 because mod_h2
	// lets a connection run 8 requests at once. featherd speaks no HTTP/2
	// and ignores that flag, so one request per connection is all there is.
	maxConnsShare     = 2
	defaultConnsShare = 3
	// maxConns is the largest server.max-connections default: lighttpd
	// keeps it in an unsigned short (USHRT_MAX).
	maxConns = 65535
)

// NoFileLimit returns the RLIMIT_NOFILE featherd sets at start-up for
// server.max-fds, given the soft and hard limits the process has and
// whether it runs as root; set is false when the limit is left as it is.
// It is lighttpd's rule (server.c, server_main_setup):
//   - server.max-fds unset: the soft limit is raised to 4096 when it is
//     below and the hard limit allows it; a higher limit is never lowered;
//   - server.max-fds set: the soft limit becomes server.max-fds, lower or
//     higher; as root the hard limit becomes the same (root may raise it);
//     other users only when it is within the hard limit, and otherwise the
//     limit is left alone.
func (s *ServerOptions) NoFileLimit(soft, hard uint64, root bool) (newSoft, newHard uint64, set bool) {
	n := uint64(s.MaxFDs)
	switch {
	case n == 0 && soft < defaultMaxFDs && hard >= defaultMaxFDs:
		return defaultMaxFDs, hard, true
	case n == 0:
		return soft, hard, false
	case root:
		return n, n, true
	case n <= hard:
		return n, hard, true
	}
	return soft, hard, false
}

// FDLimit is how many descriptors featherd plans for (lighttpd's
// max_fds): server.max-fds when set, else 4096, or the soft RLIMIT_NOFILE
// when that is lower and cannot be raised to 4096; never below 32 or
// above 1048576. It is read from the limit in force, so once start-up
// has applied NoFileLimit it is the number lighttpd would have settled
// on. (Go raises its soft limit to the hard one when a program starts, so
// the soft limit featherd sees is usually the hard one.)
func (s *ServerOptions) FDLimit() int {
	soft, hard := rlimitNoFile()
	return s.fdLimit(soft, hard)
}

func (s *ServerOptions) fdLimit(soft, hard uint64) int {
	n := uint64(s.MaxFDs)
	if n == 0 {
		if newSoft, _, set := s.NoFileLimit(soft, hard, false); set {
			soft = newSoft
		}
		n = min(soft, defaultMaxFDs)
	}
	return int(min(max(n, minMaxFDs), maxMaxFDs))
}

// ConnectionLimit is how many connections featherd serves at once:
// server.max-connections, reduced to half of FDLimit when it is more, or
// by default a third of FDLimit (at most 65535), as lighttpd computes it
// for a server without HTTP/2 (see maxConnsShare).
func (s *ServerOptions) ConnectionLimit() int {
	return connectionLimit(s.MaxConnections, s.FDLimit())
}

func connectionLimit(configured, fds int) int {
	switch {
	case configured > fds/maxConnsShare:
		return fds / maxConnsShare
	case configured != 0:
		return configured
	}
	return min(fds/defaultConnsShare, maxConns)
}

// warnLimits warns at start-up, as lighttpd does, when
// server.max-connections asks for more than the descriptors allow.
func (c *Config) warnLimits(w *warnings) {
	s := &c.Server
	if fds := s.FDLimit(); s.MaxConnections > fds/maxConnsShare {
		w.add(c.keyPos("server.max-connections"), fmt.Sprintf("server.max-connections %d is more than half of server.max-fds (%d); featherd will accept at most %d",
			s.MaxConnections, fds, connectionLimit(s.MaxConnections, fds)))
	}
}

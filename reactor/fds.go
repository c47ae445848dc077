package reactor

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/config"
)

// How the descriptors of server.max-fds are shared. Connections take
// what lighttpd gives them (config.ServerOptions.ConnectionLimit: a
// third by default, at most half); accept takes a connection's slot before it takes its socket
// (admit), so it cannot fail for want of one. What is left, after the
// server's own descriptors, is for the loops' stat caches of open files,
// one per loop: lighttpd leaves its stat cache unbounded and frees it
// only when an open fails with EMFILE, by which time an accept may have
// failed too.
const (
	// perConnFDs is what a connection may hold outside any cache: its
	// socket, and a file a response is still sending after the cache
	// let it go, or its request body's temp file.
	perConnFDs = 2
	// perLoopFDs is what an event loop holds: gnet's epoll and eventfd,
	// and featherd's own poller's epoll.
	perLoopFDs = 3
	// spareFDs is room for what is counted nowhere else: a connection's
	// dup while it finishes after gnet closed its socket, the error log
	// while it is reopened, the enrollers' sockets not yet in a loop.
	spareFDs = 16
)

// openFilesPerLoop is how many files each of loops loops' stat caches may
// keep open between requests: what server.max-fds leaves once the
// descriptors open now (listen sockets, logs, Go's own), the loops' and
// every connection's are counted. At least one: the file being served.
func openFilesPerLoop(srv *config.ServerOptions, loops int) int {
	fds := srv.FDLimit()
	var r unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &r) == nil && r.Cur < uint64(fds) {
		// server.max-fds above a hard limit featherd could not raise:
		// lighttpd plans with it all the same, but the kernel will not.
		fds = int(r.Cur)
	}
	free := fds - openFDs() - loops*perLoopFDs - spareFDs - perConnFDs*srv.ConnectionLimit()
	return max(free/loops, 1)
}

// openFDs counts the descriptors this process has open.
func openFDs() int {
	des, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 64 // no /proc: a guess on the safe side
	}
	return len(des) - 1 // ReadDir's own
}

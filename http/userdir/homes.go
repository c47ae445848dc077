package userdir

import (
	"os/user"
	"strings"

	"github.com/featherd/featherd/http/pipeline"
)

// homes finds users' directories under their home directories for one
// event loop. A lookup is getpwnam's (os/user: /etc/passwd in featherd's
// static build, the system's NSS when built with cgo), which reads a file
// on the loop; like lighttpd, homes keeps the last two users whose
// directory was found for a minute, so a busy user's pages cost no
// lookup. Users not found are not kept: every request for them looks
// again, as in lighttpd.
type homes struct {
	lookup func(name string) (home string, ok bool)
	cache  [2]cachedHome
}

type cachedHome struct {
	user, home string
	at         int64 // the loop second it was found
}

// homeTTL is how long, in seconds, a user's home is kept.
const homeTTL = 60

// appendDir appends user's home + path to dst and reports whether it is
// the user's directory: the user was found in the last minute, or has an
// account whose home holds path as a directory. A cached user's
// directory is not checked again, as in lighttpd.
func (h *homes) appendDir(dst []byte, r *pipeline.Request, name, path string) ([]byte, bool) {
	for i := range h.cache {
		if e := &h.cache[i]; e.user != "" && e.user == name && r.Now-e.at < homeTTL {
			return appendPath(append(dst, e.home...), path), true
		}
	}
	home, ok := h.lookup(name)
	if !ok {
		return dst, false
	}
	dst = appendPath(append(dst, home...), path)
	if e := r.StatCache.Lookup(dst); e.Err() != 0 || !e.IsDir() {
		return dst, false
	}
	oldest := 0
	for i := 1; i < len(h.cache); i++ {
		if h.cache[i].at < h.cache[oldest].at {
			oldest = i
		}
	}
	// name points into the request's buffers, which the next request
	// reuses.
	h.cache[oldest] = cachedHome{user: strings.Clone(name), home: home, at: r.Now}
	return dst, true
}

// lookupHome is getpwnam(name)->pw_dir.
func lookupHome(name string) (string, bool) {
	u, err := user.Lookup(name)
	if err != nil {
		return "", false
	}
	return u.HomeDir, true
}

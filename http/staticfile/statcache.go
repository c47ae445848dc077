package staticfile

import (
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/chunkqueue"
	"github.com/featherd/featherd/http"
)

// maxNegative bounds how many missing paths are remembered, so a flood
// of requests for distinct missing files cannot grow the cache without
// end.
const maxNegative = 16384

// entry is what the cache knows about one path: the result of its last
// stat, and for a regular file the open file that responses share and
// the ETag and Last-Modified derived from it.
type entry struct {
	checked  int64 // loop second of the last stat: re-stat at most once a second
	used     int64 // loop second of the last lookup, for expiry
	errno    unix.Errno
	st       unix.Stat_t
	file     *chunkqueue.File
	nofollow bool   // file was opened with O_NOFOLLOW
	content  []byte // a small file's bytes, read once while the stat holds

	lastModified string
	etags        [8]string // by etag.use-* flags
}

func (e *entry) isDir() bool     { return e.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (e *entry) isRegular() bool { return e.st.Mode&unix.S_IFMT == unix.S_IFREG }
func (e *entry) size() int64     { return e.st.Size }
func (e *entry) mtime() time.Time {
	return time.Unix(e.st.Mtim.Sec, e.st.Mtim.Nsec)
}

// changed reports whether a new stat describes a different file or
// contents, which invalidates the open file and the validators.
func (e *entry) changed(st *unix.Stat_t) bool {
	return st.Dev != e.st.Dev || st.Ino != e.st.Ino || st.Size != e.st.Size ||
		st.Mtim != e.st.Mtim || st.Mode != e.st.Mode
}

func (e *entry) drop() {
	if e.file != nil {
		e.file.Release()
		e.file = nil
	}
	e.content = nil
	e.lastModified = ""
	e.etags = [8]string{}
}

// etag returns the entry's ETag for the etag.use-* flags (lighttpd's
// http_etag_create): a DEK hash over the chosen stat fields, quoted.
func (e *entry) etag(flags int) string {
	if flags == 0 {
		return ""
	}
	if s := e.etags[flags]; s != "" {
		return s
	}
	var x [4]uint64
	n := 0
	if flags&etagInode != 0 {
		x[n] = e.st.Ino
		n++
	}
	if flags&etagSize != 0 {
		x[n] = uint64(e.st.Size)
		n++
	}
	if flags&etagMtime != 0 {
		x[n], x[n+1] = uint64(e.st.Mtim.Sec), uint64(e.st.Mtim.Nsec)
		n += 2
	}
	h := uint32(n * 8)
	for _, v := range x[:n] {
		for i := 0; i < 8; i++ { // native (little-endian) byte order, as lighttpd hashes the struct
			h = h<<5 ^ h>>27 ^ uint32(byte(v>>(8*i)))
		}
	}
	s := `"` + strconv.FormatUint(uint64(h), 10) + `"`
	e.etags[flags] = s
	return s
}

const (
	etagInode = 1 << iota
	etagMtime
	etagSize
)

// statCache is one event loop's cache of stat results and open files,
// lighttpd's "simple" engine: a path is re-stat'ed at most once a second
// and forgotten after two seconds without use. It belongs to its loop, so
// it needs no locks.
type statCache struct {
	entries  map[string]*entry
	negative int
	content  int64 // bytes of small files held
	now      int64
	disabled bool // server.stat-cache-engine = "disable": stat every time
}

// Small files are served from memory: lighttpd reads a file under 16 KiB
// into the response on every request so it leaves in one write; keeping
// the bytes while the stat holds saves that read. maxContent bounds what
// one loop keeps.
const (
	smallFile  = chunkqueue.SmallFileLimit
	maxContent = 32 << 20
)

// contentOf returns the bytes of a small regular file, reading them on
// first use; nil when the file is not small, the loop holds enough
// already, or the read fails (the caller sends the file instead).
func (c *statCache) contentOf(e *entry, f *chunkqueue.File) []byte {
	if e.content != nil || e.size() >= smallFile || c.disabled {
		return e.content
	}
	if c.content+e.size() > maxContent {
		return nil
	}
	b := make([]byte, e.size())
	for off := 0; off < len(b); {
		n, err := unix.Pread(f.Fd(), b[off:], int64(off))
		if err != nil || n == 0 {
			return nil
		}
		off += n
	}
	e.content = b
	c.content += int64(len(b))
	return b
}

func newStatCache(disabled bool) *statCache {
	return &statCache{entries: make(map[string]*entry), disabled: disabled}
}

// lookup returns the entry for path, stat'ing it if the cached result is
// from an earlier second. A failed stat is an entry with errno set.
func (c *statCache) lookup(path []byte) *entry {
	e := c.entries[string(path)]
	if e != nil && e.checked == c.now && !c.disabled {
		e.used = c.now
		return e
	}
	var st unix.Stat_t
	errno := errnoOf(unix.Stat(string(path), &st))
	switch {
	case e == nil:
		e = &entry{}
		if errno == 0 || c.negative < maxNegative {
			c.entries[string(path)] = e
			if errno != 0 {
				c.negative++
			}
		}
	case e.errno == 0 && errno != 0:
		c.negative++
		c.content -= int64(len(e.content))
		e.drop()
	case e.errno != 0 && errno == 0:
		c.negative--
	case errno == 0 && e.changed(&st):
		c.content -= int64(len(e.content))
		e.drop()
	}
	e.checked, e.used = c.now, c.now
	e.errno, e.st = errno, st
	return e
}

// open returns the entry's shared open file, opening it on first use.
// With follow-symlink disabled the last component must not be a link.
func (c *statCache) open(path []byte, e *entry, nofollow bool) (*chunkqueue.File, unix.Errno) {
	if e.file != nil && (e.nofollow || !nofollow) {
		return e.file, 0
	}
	flags := os.O_RDONLY | unix.O_NOCTTY | unix.O_CLOEXEC
	if nofollow {
		flags |= unix.O_NOFOLLOW
	}
	f, err := os.OpenFile(string(path), flags, 0)
	if err != nil {
		return nil, errnoOf(err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || e.changed(&st) {
		// Replaced between stat and open: serve what was opened next time.
		f.Close()
		e.checked = c.now - 1
		return nil, unix.EAGAIN
	}
	if e.file != nil {
		e.file.Release()
	}
	e.file, e.nofollow = chunkqueue.NewFile(f), nofollow
	return e.file, 0
}

// lastModified returns the entry's Last-Modified value.
func (e *entry) lastModifiedValue() string {
	if e.lastModified == "" {
		e.lastModified = string(http.AppendHTTPDate(nil, e.mtime()))
	}
	return e.lastModified
}

// expire forgets entries unused for two seconds and advances the clock.
func (c *statCache) expire(now int64) {
	c.now = now
	for k, e := range c.entries {
		if now-e.used > 2 {
			if e.errno != 0 {
				c.negative--
			}
			c.content -= int64(len(e.content))
			e.drop()
			delete(c.entries, k)
		}
	}
}

func errnoOf(err error) unix.Errno {
	if err == nil {
		return 0
	}
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	if en, ok := err.(unix.Errno); ok {
		return en
	}
	return unix.EIO
}

// Package statcache is one event loop's cache of stat results and open
// files (lighttpd's stat_cache.c, "simple" engine): the pipeline, the
// modules that look at the file system and the static file handler share
// it. It belongs to its loop, so it has no locks.
package statcache

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

// Entry is what the cache knows about one path: the result of its last
// stat, and for a regular file the open file that responses share (or
// its bytes, when it is small) and the ETag and Last-Modified derived
// from it.
type Entry struct {
	checked  int64 // loop second of the last stat: re-stat at most once a second
	used     int64 // loop second of the last lookup, for expiry
	errno    unix.Errno
	st       unix.Stat_t
	file     *chunkqueue.File
	nofollow bool   // file, or content, was opened with O_NOFOLLOW
	content  []byte // a small file's bytes, read once while the stat holds

	// newer and older link the entries holding a file, most recently
	// used first (Cache.newest).
	newer, older *Entry

	lastModified string
	etags        [8]string // by etag.use-* flags
}

// Err is the stat's error: 0 when the path exists.
func (e *Entry) Err() unix.Errno { return e.errno }

// IsDir, IsRegular, Size and Mtime describe what the last stat found.
func (e *Entry) IsDir() bool     { return e.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (e *Entry) IsRegular() bool { return e.st.Mode&unix.S_IFMT == unix.S_IFREG }
func (e *Entry) Size() int64     { return e.st.Size }
func (e *Entry) Mtime() time.Time {
	return time.Unix(e.st.Mtim.Sec, e.st.Mtim.Nsec)
}

// changed reports whether a new stat describes a different file or
// contents, which invalidates the open file and the validators.
func (e *Entry) changed(st *unix.Stat_t) bool {
	return st.Dev != e.st.Dev || st.Ino != e.st.Ino || st.Size != e.st.Size ||
		st.Mtim != e.st.Mtim || st.Mode != e.st.Mode
}

// drop forgets what e knew about the file: the file changed or is gone.
func (c *Cache) drop(e *Entry) {
	c.closeFile(e)
	c.content -= int64(len(e.content))
	e.content = nil
	e.lastModified = ""
	e.etags = [8]string{}
}

// ETag returns the entry's ETag for the etag.use-* flags (lighttpd's
// http_etag_create): a DEK hash over the chosen stat fields, quoted.
func (e *Entry) ETag(flags int) string {
	if flags == 0 {
		return ""
	}
	if s := e.etags[flags]; s != "" {
		return s
	}
	var x [4]uint64
	n := 0
	if flags&ETagInode != 0 {
		x[n] = e.st.Ino
		n++
	}
	if flags&ETagSize != 0 {
		x[n] = uint64(e.st.Size)
		n++
	}
	if flags&ETagMtime != 0 {
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

// The etag.use-* flags ETag takes.
const (
	ETagInode = 1 << iota
	ETagMtime
	ETagSize
)

// Cache is one event loop's cache of stat results and open files,
// lighttpd's "simple" engine: a path is re-stat'ed at most once a second
// and forgotten after two seconds without use. It belongs to its loop, so
// it needs no locks.
//
// Unlike lighttpd's, it keeps at most maxOpen files open: the least
// recently used is closed to open another (a response still sending it
// keeps it open until it is done). Without a bound, a client asking for
// many distinct files in two seconds ran the server out of descriptors.
type Cache struct {
	entries  map[string]*Entry
	negative int
	content  int64 // bytes of small files held
	now      int64
	disabled bool // server.stat-cache-engine = "disable": stat every time

	newest, oldest *Entry // the entries holding a file, by last use
	openFiles      int
	maxOpen        int
}

// defaultMaxOpen bounds the open files of a cache the reactor has not
// given its share of server.max-fds (LimitOpenFiles).
const defaultMaxOpen = 1024

// Small files are served from memory: lighttpd reads a file under 16 KiB
// into the response on every request so it leaves in one write; keeping
// the bytes while the stat holds saves that read. maxContent bounds what
// one loop keeps.
const (
	smallFile  = chunkqueue.SmallFileLimit
	maxContent = 32 << 20
)

// ContentOf returns the bytes of a small regular file, reading them
// from f on first use; nil when the file is not small, the loop holds
// enough already, or the read fails (the caller sends the file instead).
// Once the bytes are kept, the cache closes its file: f must not be used
// when contentOf returns bytes.
func (c *Cache) ContentOf(e *Entry, f *chunkqueue.File) []byte {
	if e.content != nil || e.Size() >= smallFile || c.disabled {
		return e.content
	}
	if c.content+e.Size() > maxContent {
		return nil
	}
	b := make([]byte, e.Size())
	for off := 0; off < len(b); {
		n, err := unix.Pread(f.Fd(), b[off:], int64(off))
		if err != nil || n == 0 {
			return nil
		}
		off += n
	}
	e.content = b
	c.content += int64(len(b))
	c.closeFile(e)
	return b
}

// New returns an empty cache; disabled (server.stat-cache-engine
// "disable" or "none") stats on every lookup.
func New(disabled bool) *Cache {
	return &Cache{entries: make(map[string]*Entry), disabled: disabled, maxOpen: defaultMaxOpen}
}

// Lookup returns the entry for path, stat'ing it if the cached result is
// from an earlier second. A failed stat is an Entry with errno set.
func (c *Cache) Lookup(path []byte) *Entry {
	e := c.entries[string(path)]
	if e != nil && e.checked == c.now && !c.disabled {
		e.used = c.now
		return e
	}
	var st unix.Stat_t
	errno := errnoOf(unix.Stat(string(path), &st))
	switch {
	case e == nil:
		e = &Entry{}
		if errno == 0 || c.negative < maxNegative {
			c.entries[string(path)] = e
			if errno != 0 {
				c.negative++
			}
		}
	case e.errno == 0 && errno != 0:
		c.negative++
		c.drop(e)
	case e.errno != 0 && errno == 0:
		c.negative--
	case errno == 0 && e.changed(&st):
		c.drop(e)
	}
	e.checked, e.used = c.now, c.now
	e.errno, e.st = errno, st
	return e
}

// Open returns the entry's shared open file, opening it on first use;
// nil and no error when the file's bytes are in memory (contentOf). With
// follow-symlink disabled the last component must not be a link.
func (c *Cache) Open(path []byte, e *Entry, nofollow bool) (*chunkqueue.File, unix.Errno) {
	switch {
	case e.content != nil && (e.nofollow || !nofollow):
		return nil, 0
	case e.file != nil && (e.nofollow || !nofollow):
		c.touch(e)
		return e.file, 0
	}
	c.closeFile(e) // if any, it was opened without O_NOFOLLOW, which is wanted now
	for c.openFiles >= c.maxOpen && c.oldest != nil {
		c.closeFile(c.oldest)
	}
	f, errno := openFile(path, nofollow)
	if errno == unix.EMFILE || errno == unix.ENFILE {
		// Out of descriptors all the same (other loops' caches, requests
		// in flight): let go of every file this cache holds and try once
		// more, as lighttpd's stat_cache_open_rdonly_fstat does.
		c.closeFiles()
		f, errno = openFile(path, nofollow)
	}
	if errno != 0 {
		return nil, errno
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || e.changed(&st) {
		// Replaced between stat and open: serve what was opened next time.
		f.Close()
		e.checked = c.now - 1
		return nil, unix.EAGAIN
	}
	if e.content != nil {
		// Its bytes are kept already, read by an open that followed
		// links: this one only showed that it is not a link.
		f.Close()
		e.nofollow = nofollow
		return nil, 0
	}
	e.file, e.nofollow = chunkqueue.NewFile(f), nofollow
	c.link(e)
	return e.file, 0
}

func openFile(path []byte, nofollow bool) (*os.File, unix.Errno) {
	flags := os.O_RDONLY | unix.O_NOCTTY | unix.O_CLOEXEC
	if nofollow {
		flags |= unix.O_NOFOLLOW
	}
	f, err := os.OpenFile(string(path), flags, 0)
	return f, errnoOf(err)
}

// link makes e, which has just got a file, the most recently used.
func (c *Cache) link(e *Entry) {
	e.older, e.newer = c.newest, nil
	if c.newest != nil {
		c.newest.newer = e
	} else {
		c.oldest = e
	}
	c.newest = e
	c.openFiles++
}

func (c *Cache) unlink(e *Entry) {
	if e.newer != nil {
		e.newer.older = e.older
	} else {
		c.newest = e.older
	}
	if e.older != nil {
		e.older.newer = e.newer
	} else {
		c.oldest = e.newer
	}
	e.newer, e.older = nil, nil
	c.openFiles--
}

// touch makes e, which holds a file, the most recently used.
func (c *Cache) touch(e *Entry) {
	if c.newest != e {
		c.unlink(e)
		c.link(e)
	}
}

// closeFile releases the cache's reference to e's file.
func (c *Cache) closeFile(e *Entry) {
	if e.file == nil {
		return
	}
	c.unlink(e)
	e.file.Release()
	e.file = nil
}

// closeFiles releases every file the cache holds.
func (c *Cache) closeFiles() {
	for c.oldest != nil {
		c.closeFile(c.oldest)
	}
}

// LastModified returns the entry's Last-Modified value.
func (e *Entry) LastModified() string {
	if e.lastModified == "" {
		e.lastModified = string(http.AppendHTTPDate(nil, e.Mtime()))
	}
	return e.lastModified
}

// Expire forgets entries unused for two seconds and advances the clock
// to now, the loop's second; call it once a second.
func (c *Cache) Expire(now int64) {
	c.now = now
	for k, e := range c.entries {
		if now-e.used > 2 {
			if e.errno != 0 {
				c.negative--
			}
			c.drop(e)
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

// LimitOpenFiles bounds the files the cache keeps open between requests
// (at least one; 1024 until it is called): beyond it, the least recently
// used is closed. The reactor gives each loop its share of the
// descriptors server.max-fds leaves to such caches.
func (c *Cache) LimitOpenFiles(n int) { c.maxOpen = max(n, 1) }

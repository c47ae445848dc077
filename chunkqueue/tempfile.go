package chunkqueue

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Defaults of SpoolConfig, lighttpd's.
const (
	// DefaultMemLimit is how much of a body stays in memory before the
	// rest goes to a temp file (64 KiB for request bodies and backend
	// responses alike in lighttpd).
	DefaultMemLimit = 64 << 10
	// defaultTempDir is server.upload-dirs' default when $TMPDIR is unset.
	defaultTempDir = "/var/tmp"
)

// SpoolConfig says where and when Spool spills to a temp file. The zero
// value means lighttpd's defaults throughout. A SpoolConfig is read-only
// once in use and may be shared by every queue of a server.
//
// A queue spills to one temp file however much it grows, unlike lighttpd,
// which starts a new file every server.upload-temp-file-size bytes and
// closes the full one, to reopen it by name when it is read. A temp file
// here has no name to reopen it by, so each file would keep a descriptor
// open until the queue is done with it.
type SpoolConfig struct {
	// Dirs is server.upload-dirs, tried in order: a queue moves on to the
	// next one when creating a temp file fails or writing one fails with
	// ENOSPC or EDQUOT. Empty means $TMPDIR, else /var/tmp.
	Dirs []string
	// MemLimit is how many bytes of a queue may wait in memory; data that
	// would go beyond goes to a temp file. <= 0 means DefaultMemLimit.
	MemLimit int64
}

func (s *SpoolConfig) memLimit() int64 {
	if s.MemLimit > 0 {
		return s.MemLimit
	}
	return DefaultMemLimit
}

func (s *SpoolConfig) numDirs() int { return max(len(s.Dirs), 1) }

func (s *SpoolConfig) dir(i int) string {
	if len(s.Dirs) > 0 {
		return s.Dirs[i]
	}
	if d := os.Getenv("TMPDIR"); d != "" {
		return d
	}
	return defaultTempDir
}

// Spool appends a copy of p like Write while the queue's memory chunks
// plus p stay within s.MemLimit; beyond that it appends p to a temp file
// (lighttpd's http_chunk_uses_tempfile), and keeps doing so while the
// queue ends in a temp file, so memory and disk do not interleave. Only
// memory is counted against the limit: file chunks cost none. The temp
// file is unlinked from the start and closed when the queue releases it;
// a queue has one, and another only for each upload dir it moves on to.
//
// On an error the bytes of p written so far stay queued; the body is
// incomplete and the request should fail (lighttpd answers 500).
func (q *Queue) Spool(p []byte, s *SpoolConfig) error {
	if len(p) == 0 {
		return nil
	}
	if !q.endsInTempFile() && q.memLen+int64(len(p)) <= s.memLimit() {
		q.Write(p)
		return nil
	}
	for len(p) > 0 {
		c, err := q.spoolTail(s)
		if err != nil {
			return err
		}
		n, err := pwrite(c.file.fd, p, c.end)
		c.end += int64(n)
		q.length += int64(n)
		p = p[n:]
		if err == nil && n > 0 {
			continue
		}
		if err == nil {
			err = unix.ENOSPC // a regular file takes no bytes only when full
		}
		// This file takes no more: keep what it holds, drop it if that is
		// nothing.
		c.sealed = true
		if c.remaining() == 0 {
			q.dropTail()
		}
		if err != unix.ENOSPC && err != unix.EDQUOT {
			return fmt.Errorf("chunkqueue: write temp file: %w", err)
		}
		q.tempdir++
		if q.tempdir >= s.numDirs() {
			return fmt.Errorf("chunkqueue: write temp file in %s: %w", s.dir(s.numDirs()-1), err)
		}
	}
	return nil
}

func (q *Queue) endsInTempFile() bool {
	n := len(q.chunks)
	return n > q.head && q.chunks[n-1].file != nil && q.chunks[n-1].file.temp
}

// spoolTail returns the temp-file chunk Spool writes to: the last chunk
// unless its file failed a write, else a new temp file in the first
// upload dir that takes one (lighttpd's chunkqueue_get_append_tempfile).
func (q *Queue) spoolTail(s *SpoolConfig) (*chunk, error) {
	if n := len(q.chunks); n > q.head {
		// One chunk per temp file, starting at offset 0: its end is the
		// file's size.
		if c := &q.chunks[n-1]; c.file != nil && c.file.temp && !c.sealed {
			return c, nil
		}
	}
	var err error
	for ; q.tempdir < s.numDirs(); q.tempdir++ {
		var fd int
		if fd, err = createTemp(s.dir(q.tempdir)); err == nil {
			q.push(chunk{file: newTempFile(fd)})
			return &q.chunks[len(q.chunks)-1], nil
		}
	}
	if err == nil {
		err = errors.New("every upload dir failed before")
	}
	return nil, fmt.Errorf("chunkqueue: create temp file: %w", err)
}

// dropTail removes the last chunk (an empty temp file that failed).
func (q *Queue) dropTail() {
	n := len(q.chunks) - 1
	q.length -= q.chunks[n].remaining()
	q.chunks[n].release(q.cache)
	q.chunks = q.chunks[:n]
	if q.head == n {
		q.chunks = q.chunks[:0]
		q.head = 0
	}
}

// useTmpfile is false only in tests of the fallback for file systems
// without O_TMPFILE.
var useTmpfile = true

// createTemp creates an anonymous temp file in dir: O_TMPFILE where the
// file system supports it, so it never has a name; else a new name,
// unlinked at once. Either way nothing is left behind by a crash.
func createTemp(dir string) (int, error) {
	if useTmpfile {
		fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
		switch err {
		case nil:
			return fd, nil
		case unix.EOPNOTSUPP, unix.EISDIR, unix.EINVAL:
			// A file system (or kernel) without O_TMPFILE.
		default:
			return -1, &os.PathError{Op: "open O_TMPFILE", Path: dir, Err: err}
		}
	}
	for range 16 {
		name := dir + "/featherd-upload-" + strconv.FormatUint(rand.Uint64(), 36)
		fd, err := unix.Open(name, unix.O_CREAT|unix.O_EXCL|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
		if err == unix.EEXIST {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "create", Path: name, Err: err}
		}
		if err := unix.Unlink(name); err != nil {
			unix.Close(fd)
			return -1, &os.PathError{Op: "unlink", Path: name, Err: err}
		}
		return fd, nil
	}
	return -1, &os.PathError{Op: "create", Path: dir + "/featherd-upload-*", Err: unix.EEXIST}
}

// pwriteFn is unix.Pwrite, replaced in tests to make a disk full.
var pwriteFn = unix.Pwrite

// pwrite writes p to fd at off, retrying when a signal interrupts it.
func pwrite(fd int, p []byte, off int64) (int, error) {
	for {
		n, err := pwriteFn(fd, p, off)
		if err != unix.EINTR {
			return max(n, 0), err
		}
	}
}

// ReadFrom reads at most max bytes from fd (a backend's socket or pipe)
// onto the end of the queue, as a producer does that feeds a response
// (lighttpd's chunkqueue reserve, read, commit): straight into the last
// memory chunk's free space while the queue's memory stays within
// s.MemLimit, else into scratch and from there into the temp file, as
// Spool does. scratch is the caller's buffer (16 KiB or more). It returns
// what read returned: 0 and no error at end of file, unix.EAGAIN when fd
// has nothing now.
func (q *Queue) ReadFrom(fd, max int, scratch []byte, s *SpoolConfig) (int, error) {
	if !q.endsInTempFile() && q.memLen+int64(max) <= s.memLimit() {
		total := 0
		for total < max {
			c := q.memTail()
			b := c.buf.B
			room := b[len(b):cap(b)]
			if len(room) > max-total {
				room = room[:max-total]
			}
			n, err := unix.Read(fd, room)
			if n > 0 {
				c.buf.B = b[:len(b)+n]
				q.length += int64(n)
				q.memLen += int64(n)
				total += n
			}
			if n <= 0 || n < len(room) {
				if len(c.buf.B) == 0 {
					q.dropTail() // the chunk memTail added took nothing
				}
				if total > 0 {
					return total, nil
				}
				return 0, err
			}
		}
		return total, nil
	}
	if len(scratch) > max {
		scratch = scratch[:max]
	}
	n, err := unix.Read(fd, scratch)
	if n <= 0 {
		return 0, err
	}
	return n, q.Spool(scratch[:n], s)
}

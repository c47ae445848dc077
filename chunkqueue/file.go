package chunkqueue

import (
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// File is an open file shared by every response that sends it: a stat
// cache keeps one open per path, and each queue that holds a range of it
// holds a reference. References are counted with atomics, so a File may be
// shared across event loops; the descriptor is closed when the last
// reference is released.
//
// Temp files made by Spool are Files too. They are unlinked from their
// directory as soon as they are created (O_TMPFILE, or create then unlink
// where the file system lacks it), so none is ever left behind, not even
// after a crash.
type File struct {
	fd   int
	refs atomic.Int32
	// os is the *os.File NewFile took over; Release closes through it so
	// the os package's finalizer never closes a reused descriptor number.
	// Temp files have none: their raw descriptor is closed directly.
	osFile *os.File
	temp   bool
}

// NewFile wraps f, taking ownership of it, and returns a File holding one
// reference: f is closed when that reference and every one taken since
// are released. f must not be used or closed by the caller afterwards.
func NewFile(f *os.File) *File {
	fd := -1
	// SyscallConn rather than Fd: Fd would also switch the descriptor to
	// blocking mode, which is not this package's business.
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(u uintptr) { fd = int(u) })
	}
	ff := &File{fd: fd, osFile: f}
	ff.refs.Store(1)
	return ff
}

// newTempFile wraps a temp file's raw descriptor with one reference.
func newTempFile(fd int) *File {
	ff := &File{fd: fd, temp: true}
	ff.refs.Store(1)
	return ff
}

// Fd returns the file's descriptor, valid while the caller holds a
// reference.
func (f *File) Fd() int { return f.fd }

// Ref takes one more reference. The caller must already hold one (a File
// whose count reached zero is closed and cannot be revived).
func (f *File) Ref() {
	if f.refs.Add(1) <= 1 {
		panic("chunkqueue: Ref of a released File")
	}
}

// Release drops one reference and closes the file with the last one.
func (f *File) Release() {
	switch n := f.refs.Add(-1); {
	case n > 0:
		return
	case n < 0:
		panic("chunkqueue: File released more often than referenced")
	}
	// A close error on a file that was only read (or an unlinked temp
	// file) loses nothing, and the descriptor is gone either way.
	if f.osFile != nil {
		f.osFile.Close()
	} else {
		unix.Close(f.fd)
	}
}

// pread reads from fd at off, retrying when a signal interrupts it.
func pread(fd int, p []byte, off int64) (int, error) {
	for {
		n, err := unix.Pread(fd, p, off)
		if err != unix.EINTR {
			return max(n, 0), err
		}
	}
}

package chunkqueue

import (
	"errors"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

var (
	// ErrAgain means the socket would block: the connection waits for
	// EPOLLOUT before its next write.
	ErrAgain = errors.New("chunkqueue: write would block")
	// ErrPeerClosed means the peer is gone (EPIPE, ECONNRESET, ENOTCONN):
	// lighttpd's "remote close", not worth a log line.
	ErrPeerClosed = errors.New("chunkqueue: peer closed the connection")
	// ErrFileShrank means a file ended before the range queued from it:
	// someone truncated it while it was being sent. A short sendfile at
	// the new end looks like a full socket, so WriteTo may report ErrAgain
	// first and ErrFileShrank on the call after.
	ErrFileShrank = errors.New("chunkqueue: file truncated while being sent")
	// ErrThrottled means WriteTurn wrote nothing because the rate limit of
	// this second is used up: do not wait for EPOLLOUT but for the next
	// second (Limiter.NextSecond).
	ErrThrottled = errors.New("chunkqueue: rate limit reached for this second")

	// errNoSendfile asks for the pread fallback for one file chunk.
	errNoSendfile = errors.New("chunkqueue: sendfile not supported here")
)

// readBufSize is how much the pread fallback reads per step, as lighttpd
// does (16 KiB).
const readBufSize = 16 << 10

// maxSendfile is Linux's largest transfer in one sendfile call.
const maxSendfile = 0x7ffff000

// Writer writes queues straight to non-blocking sockets: writev of up to
// 32 memory chunks at a time, sendfile for file chunks, and pread+write
// when sendfile is not wanted (server.network-backend "writev" or
// "write") or fails with EINVAL, ENOSYS or EOPNOTSUPP (a file system or
// socket that cannot do it).
//
// A Writer holds the iovec array and the 16 KiB read buffer it reuses on
// every call, so it belongs to one goroutine: one per event loop.
type Writer struct {
	sendfile bool
	off      int64 // sendfile's offset argument; a field so it never escapes to the heap per call
	iov      [maxIovecs]unix.Iovec
	buf      [readBufSize]byte
}

// NewWriter returns a Writer for server.network-backend: "sendfile" and
// "linux-sendfile" send file chunks with sendfile, "writev" and "write"
// with pread and write. The config package rejects other names; any other
// name (and "") gets the default, sendfile.
func NewWriter(backend string) *Writer {
	w := &Writer{sendfile: true}
	switch backend {
	case "writev", "write":
		w.sendfile = false
	}
	return w
}

// WriteTo writes at most max bytes of q to the non-blocking socket fd and
// consumes what was written. It returns the number of bytes written
// (also alongside an error) and nil when q is empty or max is used up;
// ErrAgain when the socket would block (wait for EPOLLOUT); ErrPeerClosed
// when the peer is gone; or another error (a file that cannot be read,
// ErrFileShrank, an unexpected errno), after which the connection should
// be closed.
func (w *Writer) WriteTo(fd int, q *Queue, max int64) (int64, error) {
	var total int64
	for max > 0 && q.head < len(q.chunks) {
		c := &q.chunks[q.head]
		if c.remaining() <= 0 { // empty chunks are never queued; skip one rather than spin
			c.release(q.cache)
			q.head++
			continue
		}
		var n, want int64
		var err error
		switch {
		case c.buf != nil:
			n, want, err = w.writeMem(fd, q, max)
		case w.sendfile:
			n, want, err = w.sendFile(fd, c, max)
			if err == errNoSendfile {
				n, want, err = w.readWrite(fd, c, max)
			}
		default:
			n, want, err = w.readWrite(fd, c, max)
		}
		if n > 0 {
			q.consume(n)
			total += n
			max -= n
		}
		if err != nil {
			return total, err
		}
		if n < want {
			// A short write on a non-blocking socket means its buffer is
			// full; asking again would only return EAGAIN.
			return total, ErrAgain
		}
	}
	if q.head == len(q.chunks) {
		q.chunks = q.chunks[:0]
		q.head = 0
	}
	return total, nil
}

// WriteTurn is one write turn of a connection, lighttpd's
// connection_write_chunkqueue: it caps max at l's budget (l may be nil for
// no rate limit), corks a TCP socket around the write when q.ShouldCork,
// writes, and charges l with what was written. It returns ErrThrottled,
// having written nothing, when l allows nothing more this second; else
// what WriteTo returns.
//
// tcp says whether fd is a TCP socket (IsTCP, once per connection):
// TCP_CORK is never attempted on anything else.
func (w *Writer) WriteTurn(fd int, tcp bool, q *Queue, l *Limiter, max int64) (int64, error) {
	if max <= 0 {
		return 0, nil
	}
	if l != nil {
		if max = l.Budget(max); max == 0 {
			return 0, ErrThrottled
		}
	}
	// Set immediately before the write and cleared immediately after, as
	// lighttpd does, so a socket is never left corked between turns. A
	// failed setsockopt only costs packet efficiency, so it is ignored.
	cork := tcp && q.ShouldCork()
	if cork {
		setCork(fd, true)
	}
	n, err := w.WriteTo(fd, q, max)
	if cork {
		setCork(fd, false)
	}
	if l != nil {
		l.Spent(n)
	}
	return n, err
}

// writeMem writes the leading run of memory chunks with one writev. It
// returns the bytes written and how many it tried to write.
func (w *Writer) writeMem(fd int, q *Queue, max int64) (n, want int64, err error) {
	cnt := 0
	for i := q.head; i < len(q.chunks) && cnt < maxIovecs && want < max; i++ {
		c := &q.chunks[i]
		if c.buf == nil {
			break
		}
		b := c.buf.B[c.off:]
		if r := max - want; int64(len(b)) > r {
			b = b[:r]
		}
		if len(b) == 0 {
			continue
		}
		w.iov[cnt].Base = &b[0]
		w.iov[cnt].SetLen(len(b))
		cnt++
		want += int64(len(b))
	}
	// Our own iovecs, because unix.Writev builds a new slice of them on
	// every call; and a raw syscall, because a write on a non-blocking
	// socket never blocks: telling the scheduler about it only invites it
	// to hand the loop's P to another thread mid-write.
	for {
		r, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&w.iov[0])), uintptr(cnt))
		if e == unix.EINTR {
			continue
		}
		clear(w.iov[:cnt]) // do not keep pooled buffers reachable from here
		if e != 0 {
			return 0, want, sockErr("writev", e)
		}
		return int64(r), want, nil
	}
}

// sendFile sends from the file chunk c with sendfile.
func (w *Writer) sendFile(fd int, c *chunk, max int64) (n, want int64, err error) {
	want = min(c.end-c.off, max, maxSendfile)
	for {
		w.off = c.off
		r, err := rawSendfile(fd, c.file.fd, &w.off, int(want))
		if err == nil {
			if r == 0 {
				return 0, want, ErrFileShrank
			}
			return int64(r), want, nil
		}
		e, _ := err.(unix.Errno)
		switch e {
		case unix.EINTR:
			continue
		case unix.EINVAL, unix.ENOSYS, unix.EOPNOTSUPP, unix.ESOCKTNOSUPPORT, unix.EAFNOSUPPORT:
			return 0, want, errNoSendfile
		}
		if e == 0 {
			return 0, want, os.NewSyscallError("sendfile", err)
		}
		return 0, want, sockErr("sendfile", e)
	}
}

// readWrite sends up to 16 KiB of the file chunk c with pread and write.
func (w *Writer) readWrite(fd int, c *chunk, max int64) (n, want int64, err error) {
	want = min(c.end-c.off, max, readBufSize)
	rd, err := pread(c.file.fd, w.buf[:want], c.off)
	if err != nil {
		return 0, want, os.NewSyscallError("pread", err)
	}
	if rd == 0 {
		return 0, want, ErrFileShrank
	}
	want = int64(rd)
	for {
		wr, err := rawWrite(fd, w.buf[:rd])
		if err == nil {
			return int64(wr), want, nil
		}
		e, _ := err.(unix.Errno)
		if e == unix.EINTR {
			continue
		}
		if e == 0 {
			return 0, want, os.NewSyscallError("write", err)
		}
		return 0, want, sockErr("write", e)
	}
}

// sockErr sorts a socket write's errno into the Writer's errors.
func sockErr(op string, e unix.Errno) error {
	switch e {
	case unix.EAGAIN:
		return ErrAgain
	case unix.EPIPE, unix.ECONNRESET, unix.ENOTCONN:
		return ErrPeerClosed
	}
	return os.NewSyscallError(op, e)
}

// rawSendfile is sendfile(2) without the scheduler's syscall bookkeeping
// (see writeMem). The socket never blocks; the file is read from the
// page cache, where a static file being served almost always is.
func rawSendfile(out, in int, off *int64, n int) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_SENDFILE, uintptr(out), uintptr(in), uintptr(unsafe.Pointer(off)), uintptr(n), 0, 0)
	if e != 0 {
		return int(r), e
	}
	return int(r), nil
}

// rawWrite is write(2) on a non-blocking socket (see writeMem).
func rawWrite(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return int(r), e
	}
	return int(r), nil
}

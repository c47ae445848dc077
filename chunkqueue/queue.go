package chunkqueue

import (
	"fmt"

	"github.com/valyala/bytebufferpool"
)

// SmallFileLimit is lighttpd's bound for chunkqueue_small_resp_optim: file
// bodies below 16 KiB are read into memory so that the head and body of a
// response leave in one write.
const SmallFileLimit = 16 << 10

// Queue is a response (or request) body, lighttpd's chunkqueue: memory
// chunks from a buffer pool and file chunks (a shared File, an offset and
// a length), written out in order by a Writer.
//
// A Queue is owned by one goroutine, its connection's event loop; only
// the Files it references may be shared. The zero value is an empty queue
// ready to use, and Reset makes a used one empty again while keeping its
// storage, so a connection reuses one Queue for all its requests.
type Queue struct {
	chunks   []chunk // the unwritten chunks are chunks[head:]
	head     int
	length   int64 // bytes not yet written
	memLen   int64 // of which held in memory chunks
	bytesOut int64
	tempdir  int          // Dirs index Spool creates its next temp file in (lighttpd's tempdir_idx)
	cache    *BufferCache // where memory chunks come from and go back to; nil is the package pool
}

// UseCache makes the queue take and return its memory chunk buffers
// through c, the cache of the goroutine that owns the queue. Reset keeps
// it.
func (q *Queue) UseCache(c *BufferCache) { q.cache = c }

// Write appends a copy of p, filling the last memory chunk first and then
// new pooled chunks of ChunkSize bytes. It never fails; the results are
// those of io.Writer.
func (q *Queue) Write(p []byte) (int, error) {
	appendMem(q, p)
	return len(p), nil
}

// WriteString is Write for a string, without converting it.
func (q *Queue) WriteString(s string) (int, error) {
	appendMem(q, s)
	return len(s), nil
}

func appendMem[T []byte | string](q *Queue, p T) {
	for len(p) > 0 {
		b := q.memTail().buf
		n := copy(b.B[len(b.B):cap(b.B)], p)
		b.B = b.B[:len(b.B)+n]
		p = p[n:]
		q.length += int64(n)
		q.memLen += int64(n)
	}
}

// memTail returns the last chunk if it is a memory chunk with room, else
// a new empty memory chunk appended for the purpose.
func (q *Queue) memTail() *chunk {
	if n := len(q.chunks); n > q.head {
		if c := &q.chunks[n-1]; c.buf != nil && len(c.buf.B) < cap(c.buf.B) {
			return c
		}
	}
	q.push(chunk{buf: q.cache.Get()})
	return &q.chunks[len(q.chunks)-1]
}

// AppendFile appends the n bytes of f that start at off, taking a
// reference to f of its own (the caller keeps its reference). n <= 0
// appends nothing.
func (q *Queue) AppendFile(f *File, off, n int64) {
	if n <= 0 {
		return
	}
	f.Ref()
	q.push(chunk{file: f, off: off, end: off + n})
	q.length += n
}

// PrependBuffer puts b in front of everything queued: the response head
// goes out before the body a handler queued first. The queue takes
// ownership of b and returns it to its cache (see UseCache), so b should
// come from that cache or GetBuffer. It must be called before any byte of the
// queue has been written.
func (q *Queue) PrependBuffer(b *bytebufferpool.ByteBuffer) {
	if len(b.B) == 0 {
		q.cache.Put(b)
		return
	}
	c := chunk{buf: b}
	if q.head > 0 {
		q.head--
		q.chunks[q.head] = c
	} else {
		q.chunks = append(q.chunks, chunk{})
		copy(q.chunks[1:], q.chunks)
		q.chunks[0] = c
	}
	q.length += int64(len(b.B))
	q.memLen += int64(len(b.B))
}

// Len returns the number of bytes not yet written.
func (q *Queue) Len() int64 { return q.length }

// BytesOut returns the number of bytes written since the last Reset (for
// the access log and for accounting).
func (q *Queue) BytesOut() int64 { return q.bytesOut }

// Reset releases every chunk, returning buffers to the pool and dropping
// file references, and leaves the queue empty and reusable.
func (q *Queue) Reset() {
	for i := q.head; i < len(q.chunks); i++ {
		q.chunks[i].release(q.cache)
	}
	clear(q.chunks) // written slots are clear already; this is cheap insurance
	*q = Queue{chunks: q.chunks[:0], cache: q.cache}
}

// ShouldCork reports whether the head of the queue would leave in more
// than one write call and so should be corked on TCP (lighttpd's rule,
// connections.c): more than one chunk, the first in memory, and a file
// chunk after the leading run of memory chunks. Headers followed by a
// memory body leave in one writev and need no cork.
func (q *Queue) ShouldCork() bool {
	if len(q.chunks)-q.head < 2 || q.chunks[q.head].buf == nil {
		return false
	}
	for i := q.head + 1; i < len(q.chunks); i++ {
		if q.chunks[i].buf == nil {
			return true
		}
	}
	return false
}

// InlineSmallFile is lighttpd's chunkqueue_small_resp_optim: when the
// queue is memory chunks (the head) followed by a single file chunk
// shorter than limit, it reads the file range into memory so the whole
// response leaves in one write call, and drops the file reference. Any
// other shape is left as it is. If reading fails the queue is unchanged
// and the error is returned; the response can still be sent from the
// file (or fail there).
func (q *Queue) InlineSmallFile(limit int64) error {
	last := len(q.chunks) - 1
	if last-q.head < 1 || q.chunks[last].file == nil {
		return nil
	}
	for i := q.head; i < last; i++ {
		if q.chunks[i].buf == nil {
			return nil
		}
	}
	fc := q.chunks[last]
	size := fc.remaining()
	if size <= 0 || size >= limit {
		return nil
	}

	// Detach the file chunk, append its bytes as memory, and on a read
	// error put everything back as it was.
	q.chunks[last] = chunk{}
	q.chunks = q.chunks[:last]
	q.length -= size
	// push may move the chunks to the front of the slice: keep positions
	// relative to head.
	mem := last - q.head
	tailLen := len(q.chunks[last-1].buf.B)
	for off, left := fc.off, size; left > 0; {
		b := q.memTail().buf
		dst := b.B[len(b.B):cap(b.B)]
		if int64(len(dst)) > left {
			dst = dst[:left]
		}
		n, err := pread(fc.file.fd, dst, off)
		if err == nil && n == 0 {
			err = ErrFileShrank
		}
		if err != nil {
			end := q.head + mem
			for i := end; i < len(q.chunks); i++ {
				q.chunks[i].release(q.cache)
			}
			q.chunks = q.chunks[:end]
			q.chunks[end-1].buf.B = q.chunks[end-1].buf.B[:tailLen]
			q.length -= size - left
			q.memLen -= size - left
			q.push(fc)
			q.length += size
			return fmt.Errorf("chunkqueue: read %d bytes at %d for a small response: %w", size, fc.off, err)
		}
		b.B = b.B[:len(b.B)+n]
		off += int64(n)
		left -= int64(n)
		q.length += int64(n)
		q.memLen += int64(n)
	}
	fc.release(q.cache)
	return nil
}

// Take moves every chunk of src to the end of q without copying a byte,
// leaving src empty. A connection gathers pipelined responses this way
// to write them together.
func (q *Queue) Take(src *Queue) {
	for i := src.head; i < len(src.chunks); i++ {
		q.push(src.chunks[i])
		src.chunks[i] = chunk{}
	}
	q.length += src.length
	q.memLen += src.memLen
	src.chunks, src.head, src.length, src.memLen = src.chunks[:0], 0, 0, 0
}

// TakePrefix moves the first n bytes of src (all of them if it holds
// fewer) to the end of q: whole chunks without copying, and of the chunk
// the boundary falls in, the memory bytes copied or the file range
// shared. It returns how many bytes moved. A response whose length was
// announced takes no more than that from what its handler produced.
func (q *Queue) TakePrefix(src *Queue, n int64) int64 {
	moved := int64(0)
	for moved < n && src.head < len(src.chunks) {
		c := &src.chunks[src.head]
		r := c.remaining()
		if r <= n-moved {
			q.push(*c)
			q.length += r
			src.length -= r
			if c.buf != nil {
				q.memLen += r
				src.memLen -= r
			}
			*c = chunk{}
			src.head++
			moved += r
			continue
		}
		part := n - moved
		if c.buf != nil {
			appendMem(q, c.buf.B[c.off:c.off+part])
			src.memLen -= part
		} else {
			q.AppendFile(c.file, c.off, part)
		}
		c.off += part
		src.length -= part
		moved += part
	}
	if src.head == len(src.chunks) {
		src.chunks, src.head = src.chunks[:0], 0
	}
	return moved
}

// MemOnly reports whether every unwritten byte is held in memory.
func (q *Queue) MemOnly() bool { return q.memLen == q.length }

// push appends c, moving the unwritten chunks to the front of the slice
// instead of growing it when written slots are free there.
func (q *Queue) push(c chunk) {
	if q.head > 0 && len(q.chunks) == cap(q.chunks) {
		n := copy(q.chunks, q.chunks[q.head:])
		clear(q.chunks[n:])
		q.chunks = q.chunks[:n]
		q.head = 0
	}
	q.chunks = append(q.chunks, c)
}

// consume marks the next n bytes written: finished chunks are released,
// a partly written one advances its offset.
func (q *Queue) consume(n int64) {
	q.length -= n
	q.bytesOut += n
	for n > 0 {
		c := &q.chunks[q.head]
		r := c.remaining()
		if n < r {
			c.off += n
			if c.buf != nil {
				q.memLen -= n
			}
			return
		}
		n -= r
		if c.buf != nil {
			q.memLen -= r
		}
		c.release(q.cache)
		q.head++
	}
	if q.head == len(q.chunks) {
		q.chunks = q.chunks[:0]
		q.head = 0
	}
}

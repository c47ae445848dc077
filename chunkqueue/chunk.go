package chunkqueue

import "github.com/valyala/bytebufferpool"

// ChunkSize is the size of a memory chunk, lighttpd's default
// server.chunkqueue-chunk-sz. Writes are copied into chunks of this size,
// so 32 of them (one writev) carry exactly MaxWriteLimit bytes.
const ChunkSize = 8 << 10

// MaxWriteLimit is how much one connection writes in one turn before the
// loop's other connections get theirs (lighttpd's MAX_WRITE_LIMIT).
const MaxWriteLimit = 256 << 10

// maxIovecs is how many memory chunks one writev gathers (lighttpd's
// STACK_MAX_ALLOC_CHUNKS).
const maxIovecs = 32

// pool holds every memory chunk's buffer. A package pool rather than
// bytebufferpool's default one, so that its size calibration sees only
// chunk buffers.
var pool bytebufferpool.Pool

// GetBuffer returns an empty buffer with room for at least ChunkSize
// bytes. Callers that build response heads should take their buffer here:
// PrependBuffer hands it to the queue, which returns it to this pool when
// it has been written, so the two stay balanced and steady-state requests
// allocate nothing.
func GetBuffer() *bytebufferpool.ByteBuffer {
	b := pool.Get()
	if cap(b.B) < ChunkSize {
		b.B = make([]byte, 0, ChunkSize)
	}
	return b
}

// maxPooledBuffer is the largest buffer the pool takes back. One that grew
// beyond it (a connection's input while its client pipelined ahead) is
// left to the garbage collector: bytebufferpool keeps whatever it is
// given until it has calibrated, after tens of thousands of calls, so
// a burst would otherwise stay resident after its connections closed.
const maxPooledBuffer = 256 << 10

// PutBuffer returns b to the pool; b must not be used afterwards.
func PutBuffer(b *bytebufferpool.ByteBuffer) {
	if cap(b.B) > maxPooledBuffer {
		return
	}
	// bytebufferpool calibrates on len, and drops buffers whose cap is above
	// the 95th percentile of it; a chunk buffer that carried a 1 KiB body
	// would then be thrown away for its 8 KiB cap. Showing it the cap keeps
	// chunk buffers in the pool.
	b.B = b.B[:cap(b.B)]
	pool.Put(b)
}

// chunk is one piece of a queue: memory (buf != nil) or a range of a file.
// lighttpd's MEM_CHUNK and FILE_CHUNK, with the file range's end kept as
// an offset like lighttpd's file.length.
type chunk struct {
	buf  *bytebufferpool.ByteBuffer // memory: unwritten bytes are buf.B[off:]
	file *File                      // file: unwritten bytes are [off, end)
	off  int64
	end  int64
	// sealed marks a temp-file chunk whose file failed a write (ENOSPC,
	// EDQUOT, ...): Spool starts a new file after it instead of retrying.
	sealed bool
}

// remaining is how many bytes of c are not written yet.
func (c *chunk) remaining() int64 {
	if c.buf != nil {
		return int64(len(c.buf.B)) - c.off
	}
	return c.end - c.off
}

// release gives back what c holds, its buffer to cache (or the package
// pool when cache is nil), and clears it, so a reused slot keeps nothing
// alive.
func (c *chunk) release(cache *BufferCache) {
	if c.buf != nil {
		cache.Put(c.buf)
	}
	if c.file != nil {
		c.file.Release()
	}
	*c = chunk{}
}

// maxCached bounds a BufferCache: 256 chunk buffers are 2 MiB.
const maxCached = 256

// BufferCache is a free list of chunk buffers owned by one goroutine, in
// front of the package pool. An event loop wants one: its goroutine is
// locked to an OS thread but still moves between Ps, and sync.Pool keeps
// a returned buffer on the P it ran on, so the loop's next Get would often
// miss and allocate. Its methods work on a nil *BufferCache, which means
// the package pool.
type BufferCache struct {
	free []*bytebufferpool.ByteBuffer
}

// Get returns an empty buffer with room for at least ChunkSize bytes.
func (c *BufferCache) Get() *bytebufferpool.ByteBuffer {
	if c == nil || len(c.free) == 0 {
		return GetBuffer()
	}
	b := c.free[len(c.free)-1]
	c.free = c.free[:len(c.free)-1]
	b.B = b.B[:0]
	return b
}

// Put gives b back; b must not be used afterwards. Buffers that grew far
// beyond a chunk go back to the package pool rather than pinning memory.
func (c *BufferCache) Put(b *bytebufferpool.ByteBuffer) {
	if c == nil || len(c.free) >= maxCached || cap(b.B) > 8*ChunkSize {
		PutBuffer(b)
		return
	}
	c.free = append(c.free, b)
}

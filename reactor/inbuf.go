package reactor

import (
	"slices"

	"github.com/valyala/bytebufferpool"
	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/chunkqueue"
)

// inbuf holds the bytes a connection has received and not yet consumed:
// a partial request head, a request body being read, or pipelined
// requests waiting their turn. The buffer comes from the loop's cache and
// goes back as soon as it is empty, so an idle keep-alive connection holds
// none.
type inbuf struct {
	b     *bytebufferpool.ByteBuffer
	off   int
	cache *chunkqueue.BufferCache
}

func (in *inbuf) append(p []byte) {
	if len(p) == 0 {
		return
	}
	if in.b == nil {
		in.b = in.cache.Get()
	}
	if in.off > 0 && in.off == len(in.b.B) {
		in.b.B, in.off = in.b.B[:0], 0
	}
	in.b.B = append(in.b.B, p...)
}

// readFrom reads once from fd straight into the buffer (reserve, read,
// commit), at most max bytes: what a connection off gnet reads for
// itself. It returns read(2)'s result: 0 with a nil error is end of file.
func (in *inbuf) readFrom(fd, max int) (int, error) {
	if in.b == nil {
		in.b = in.cache.Get()
	}
	if in.off > 0 && in.off == len(in.b.B) {
		in.b.B, in.off = in.b.B[:0], 0
	}
	in.b.B = slices.Grow(in.b.B, max)
	n0 := len(in.b.B)
	n, err := unix.Read(fd, in.b.B[n0:n0+max])
	if n > 0 {
		in.b.B = in.b.B[:n0+n]
		return n, nil
	}
	return 0, err
}

// bytes returns the unconsumed bytes; valid until the next append.
func (in *inbuf) bytes() []byte {
	if in.b == nil {
		return nil
	}
	return in.b.B[in.off:]
}

func (in *inbuf) len() int {
	if in.b == nil {
		return 0
	}
	return len(in.b.B) - in.off
}

// consume marks n bytes as used. When everything is consumed the buffer
// is rewound; a large consumed prefix is dropped so pipelined input does
// not grow the buffer without end.
func (in *inbuf) consume(n int) {
	in.off += n
	switch {
	case in.off == len(in.b.B):
		in.b.B, in.off = in.b.B[:0], 0
	case in.off >= 16<<10:
		k := copy(in.b.B, in.b.B[in.off:])
		in.b.B, in.off = in.b.B[:k], 0
	}
}

func (in *inbuf) release() {
	if in.b != nil {
		in.cache.Put(in.b)
		in.b, in.off = nil, 0
	}
}

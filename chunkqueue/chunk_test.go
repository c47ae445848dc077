package chunkqueue

import "testing"

// TestPoolDropsLargeBuffers: a buffer that grew large (a connection's
// input while its client pipelined ahead) is not kept for reuse, so its
// memory goes back once the connection is done with it.
func TestPoolDropsLargeBuffers(t *testing.T) {
	for _, size := range []int{maxPooledBuffer + 1, 64 << 20} {
		b := GetBuffer()
		b.B = append(b.B[:0], make([]byte, size)...)
		PutBuffer(b)
		var c BufferCache
		c.Put(GetBuffer()) // through the per-loop cache as well
		for range 8 {
			if got := GetBuffer(); cap(got.B) > maxPooledBuffer {
				t.Fatalf("a %d-byte buffer came back from the pool", cap(got.B))
			}
		}
	}
}

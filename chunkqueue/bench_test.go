package chunkqueue

import (
	"testing"

	"golang.org/x/sys/unix"
)

// readN reads exactly n bytes from the blocking fd into buf's storage.
func readN(b *testing.B, fd int, buf []byte, n int) {
	for n > 0 {
		r, err := unix.Read(fd, buf[:min(n, len(buf))])
		if err != nil || r == 0 {
			b.Fatalf("read: %d, %v", r, err)
		}
		n -= r
	}
}

// BenchmarkSmallResponse is a typical small response: a 200-byte head
// from the pool prepended to a 1 KiB body, written with one writev to a
// socket pair and read back. It must not allocate.
func BenchmarkSmallResponse(b *testing.B) {
	p := unixPair(b, pairOpts{})
	w := NewWriter("sendfile")
	head := pattern(200, 1)
	body := pattern(1024, 2)
	buf := make([]byte, 4096)
	var q Queue
	b.ReportAllocs()
	b.SetBytes(int64(len(head) + len(body)))
	for b.Loop() {
		q.Write(body)
		h := GetBuffer()
		h.B = append(h.B, head...)
		q.PrependBuffer(h)
		if n, err := w.WriteTo(p.w, &q, MaxWriteLimit); err != nil || q.Len() != 0 {
			b.Fatalf("WriteTo: %d, %v", n, err)
		}
		q.Reset()
		readN(b, p.r, buf, len(head)+len(body))
	}
}

// BenchmarkSendfile100K sends a 100 KiB file chunk (after a small head)
// with sendfile, reading it back in the same goroutine.
func BenchmarkSendfile100K(b *testing.B) {
	const size = 100 << 10
	p := unixPair(b, pairOpts{})
	f := tempFile(b, pattern(size, 3))
	defer f.Release()
	w := NewWriter("sendfile")
	buf := make([]byte, 256<<10)
	var q Queue
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		q.AppendFile(f, 0, size)
		for q.Len() > 0 {
			n, err := w.WriteTo(p.w, &q, MaxWriteLimit)
			if err != nil && err != ErrAgain {
				b.Fatalf("WriteTo: %v", err)
			}
			readN(b, p.r, buf, int(n))
		}
	}
}

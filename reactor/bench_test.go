package reactor_test

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkKeepAliveStaticHit measures one keep-alive request for a
// 1 KiB file, round trip over loopback, with the server in this process:
// allocs/op counts both sides, and the client allocates nothing.
func BenchmarkKeepAliveStaticHit(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1024)
	ts := startServer(b, serverOpts{
		conf:  "server.max-keep-alive-requests = 65535",
		files: map[string]string{"index.html": string(body)},
	})
	c := ts.dial()
	req := []byte("GET /index.html HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	// Learn the response size once, then read exactly that much each time.
	c.Write(req)
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		b.Fatal(err)
	}
	for !bytes.HasSuffix(buf[:n], body) {
		m, err := c.Read(buf[n:])
		if err != nil {
			b.Fatal(err)
		}
		n += m
	}
	size := n
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%60000 == 59999 { // stay below server.max-keep-alive-requests
			b.StopTimer()
			c.Close()
			c = ts.dial()
			b.StartTimer()
		}
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf[:size]); err != nil {
			b.Fatal(err)
		}
	}
}

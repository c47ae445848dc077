package reactor_test

import (
	"bytes"
	"io"
	"testing"
)

// debianModules is Debian's default module set, with the options its
// lighttpd.conf sets and one alias (90-javascript-alias), none of which
// acts on the benchmark's request.
const debianModules = `server.modules = ( "mod_indexfile", "mod_access", "mod_alias", "mod_redirect" )
index-file.names = ( "index.php", "index.html" )
url.access-deny = ( "~", ".inc" )
static-file.exclude-extensions = ( ".php", ".pl", ".fcgi" )
alias.url += ( "/javascript" => "/usr/share/javascript" )
`

// BenchmarkKeepAliveStaticHit measures one keep-alive request for a
// 1 KiB file, round trip over loopback, with the server in this process:
// allocs/op counts both sides, and the client allocates nothing. It runs
// with no module but mod_staticfile, and with Debian's default set.
func BenchmarkKeepAliveStaticHit(b *testing.B) {
	b.Run("modules=none", func(b *testing.B) { benchmarkStaticHit(b, "") })
	b.Run("modules=debian", func(b *testing.B) { benchmarkStaticHit(b, debianModules) })
}

func benchmarkStaticHit(b *testing.B, modules string) {
	body := bytes.Repeat([]byte("x"), 1024)
	ts := startServer(b, serverOpts{
		conf:  "server.max-keep-alive-requests = 65535\n" + modules,
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

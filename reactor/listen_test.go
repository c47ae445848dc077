package reactor_test

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// TestMaxConnections: with server.max-connections = 2 a third client
// waits in the kernel's backlog, unserved, until one of the first two
// closes; it is never refused.
func TestMaxConnections(t *testing.T) {
	ts := startServer(t, serverOpts{conf: "server.max-connections = 2", files: map[string]string{"f.txt": "hello"}})
	get := func(c net.Conn, br *bufio.Reader) {
		t.Helper()
		send(t, c, "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n")
		if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "hello" {
			t.Fatalf("%d %q", r.status, r.body)
		}
	}
	c1, c2 := ts.dial(), ts.dial()
	br1, br2 := bufio.NewReader(c1), bufio.NewReader(c2)
	get(c1, br1)
	get(c2, br2)
	ts.waitConnections(2)

	// The handshake completes in the kernel, so dialing succeeds; the
	// server must not accept, so the request stays unanswered.
	c3 := ts.dial()
	br3 := bufio.NewReader(c3)
	send(t, c3, "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	c3.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := br3.Peek(1); err == nil {
		t.Fatal("a third connection was served while two were open")
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("third connection: %v (refused or reset instead of waiting)", err)
	}
	if n := ts.srv.Connections(); n != 2 {
		t.Fatalf("%d connections open, limit 2", n)
	}
	// The first two still work meanwhile.
	get(c1, br1)

	c2.Close()
	c3.SetReadDeadline(time.Now().Add(5 * time.Second))
	if r := readResponse(t, br3, false); r.status != 200 || string(r.body) != "hello" {
		t.Fatalf("third connection after one closed: %d %q", r.status, r.body)
	}
	if n := ts.srv.Connections(); n > 2 {
		t.Fatalf("%d connections open, limit 2", n)
	}
}

// TestListeners: IPv6 loopback and a unix socket serve like IPv4: a
// small file (one write from memory), a large one (sendfile), a
// pipelined pair and HEAD.
func TestListeners(t *testing.T) {
	big := string(pattern(2, 1<<20))
	files := map[string]string{"f.txt": "hello", "big.bin": big}
	cases := []struct {
		name string
		opts serverOpts
	}{
		{"IPv4", serverOpts{files: files}},
		{"IPv6", serverOpts{files: files, ipv6: true}},
		{"unix", serverOpts{files: files, unix: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.ipv6 {
				ln, err := net.Listen("tcp6", "[::1]:0")
				if err != nil {
					t.Skipf("no IPv6 loopback: %v", err)
				}
				ln.Close()
			}
			ts := startServer(t, tc.opts)
			c := ts.dial()
			br := bufio.NewReader(c)
			send(t, c, "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nHEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
			if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "hello" {
				t.Fatalf("small: %d %q", r.status, r.body)
			}
			if r := readResponse(t, br, false); r.status != 200 || string(r.body) != big {
				t.Fatalf("large: %d, %d bytes", r.status, len(r.body))
			}
			if r := readResponse(t, br, true); r.status != 200 || r.header("Content-Length") != "1048576" {
				t.Fatalf("HEAD: %d %v", r.status, r.headers)
			}
			send(t, c, "GET /f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if r := readResponse(t, br, false); r.status != 200 || r.header("Connection") != "close" {
				t.Fatalf("close: %d %v", r.status, r.headers)
			}
			expectEOF(t, c, br, 3*time.Second)
			if l := ts.logText(); l != "" {
				t.Errorf("server logged: %s", l)
			}
		})
	}
}

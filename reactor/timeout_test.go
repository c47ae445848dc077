package reactor_test

import (
	"bufio"
	"io"
	"path/filepath"
	"testing"
	"time"
)

// lighttpd checks its timeouts once a second against whole-second
// timestamps (h1_check_timeout, §1.5): "now - ts > limit", so a limit of
// 1 s fires between 1 and 2 s after the last activity. The bounds below
// add a second of slack for a loaded machine (-race) and never less than
// the limit itself.
const (
	timeoutMin = 900 * time.Millisecond
	timeoutMax = 3500 * time.Millisecond
)

// TestReadIdleTimeout: server.max-read-idle applies to the first
// request's head and to a request body; it is an idle timeout, refreshed
// by every read, and ends the connection without a response.
func TestReadIdleTimeout(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{
		conf:  "server.max-read-idle = 1\nserver.max-keep-alive-idle = 30",
		files: map[string]string{"f.txt": "hello"},
	})
	cases := []struct{ name, partial string }{
		{"nothing sent", ""},
		{"incomplete request line", "GET /f.txt HT"},
		{"incomplete headers", "GET /f.txt HTTP/1.1\r\nHost: x\r\n"},
		{"incomplete body", "POST /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345"},
		{"incomplete chunked body", "POST /f.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := ts.dial()
			if tc.partial != "" {
				send(t, c, tc.partial)
			}
			took, got := closedWithin(t, c, timeoutMax+time.Second)
			if took < timeoutMin || took > timeoutMax {
				t.Errorf("closed after %v, want %v..%v", took, timeoutMin, timeoutMax)
			}
			if got != 0 {
				t.Errorf("a timed-out connection got %d response bytes; lighttpd just closes", got)
			}
		})
	}
	t.Run("trickle keeps it alive", func(t *testing.T) {
		t.Parallel()
		// One byte every 300 ms for about 2.5 s: never idle for a second,
		// so the request completes although it took longer than the limit.
		c := ts.dial()
		req := "GET /f.txt HTTP/1.1\r\n"
		for i := 0; i < len(req); i++ {
			send(t, c, req[i:i+1])
			if i%2 == 1 {
				time.Sleep(300 * time.Millisecond)
			}
		}
		send(t, c, "Host: x\r\n\r\n")
		if r := readResponse(t, bufio.NewReader(c), false); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	})
}

// TestKeepAliveIdleTimeout: between requests server.max-keep-alive-idle
// applies instead of max-read-idle (§1.5), also once part of the next
// request has arrived; the first request still gets max-read-idle.
func TestKeepAliveIdleTimeout(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{
		conf:  "server.max-keep-alive-idle = 1\nserver.max-read-idle = 30",
		files: map[string]string{"f.txt": "hello"},
	})
	for _, next := range []struct{ name, partial string }{
		{"idle", ""},
		{"part of the next request", "GET /f.txt HTTP/1.1\r\n"},
	} {
		t.Run(next.name, func(t *testing.T) {
			t.Parallel()
			c := ts.dial()
			send(t, c, "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n")
			br := bufio.NewReader(c)
			if r := readResponse(t, br, false); r.status != 200 || r.header("Connection") != "" {
				t.Fatalf("first request: %d %v", r.status, r.headers)
			}
			if next.partial != "" {
				send(t, c, next.partial)
			}
			took, got := closedWithin(t, c, timeoutMax+time.Second)
			if took < timeoutMin || took > timeoutMax || got != 0 {
				t.Errorf("closed after %v with %d bytes, want %v..%v and none", took, got, timeoutMin, timeoutMax)
			}
		})
	}
	t.Run("first request uses max-read-idle", func(t *testing.T) {
		t.Parallel()
		c := ts.dial()
		// Connected and silent for longer than the keep-alive limit
		// allows (and the check below waits for two sweeps of it).
		time.Sleep(2500 * time.Millisecond)
		send(t, c, "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n")
		if r := readResponse(t, bufio.NewReader(c), false); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	})
}

// TestWriteIdleTimeout: a client that stops reading is closed
// server.max-write-idle seconds after the last write that made progress;
// one that reads slowly is not.
func TestWriteIdleTimeout(t *testing.T) {
	t.Parallel()
	// Each case has its own server, so that its connection count is its
	// own.
	start := func(t *testing.T) *testServer {
		return startServer(t, serverOpts{
			conf: "server.max-write-idle = 1",
			setup: func(t testing.TB, root string) {
				sparse(t, filepath.Join(root, "huge.bin"), 64<<20)
				sparse(t, filepath.Join(root, "big.bin"), 3<<20)
			},
		})
	}
	t.Run("client never reads", func(t *testing.T) {
		t.Parallel()
		ts := start(t)
		c := ts.dialSmallWindow(4096)
		ts.waitConnections(1)
		start := time.Now()
		send(t, c, "GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
		waitFor(t, timeoutMax+2*time.Second, "the server to close the stalled connection", func() bool {
			return ts.srv.Connections() == 0
		})
		took := time.Since(start)
		if took < timeoutMin || took > timeoutMax+time.Second {
			t.Errorf("closed after %v, want about 1–2 s after the socket filled", took)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _ := io.Copy(io.Discard, c)
		if n >= 64<<20 {
			t.Errorf("client got the whole file (%d bytes) after the timeout", n)
		}
	})
	t.Run("slow reader is not cut off", func(t *testing.T) {
		t.Parallel()
		ts := start(t)
		c := ts.dialSmallWindow(16 << 10)
		send(t, c, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
		// About 2.4 s for 3 MiB: longer than the limit, but each write
		// the server makes advances, which is what the timeout measures.
		br := bufio.NewReaderSize(&slowReader{r: c, chunk: 16 << 10, every: 128 << 10, pause: 100 * time.Millisecond}, 16<<10)
		r := readResponse(t, br, false)
		if r.status != 200 || len(r.body) != 3<<20 {
			t.Fatalf("%d, %d bytes", r.status, len(r.body))
		}
	})
}

// TestLingeringClose: after an error response the server shuts down its
// side and discards what the client still sends, for at most 5 s
// (HTTP_LINGER_TIMEOUT, §1.2); a client that closes ends it at once.
func TestLingeringClose(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{conf: "server.max-request-size = 1", files: map[string]string{"f.txt": "hello"}})
	t.Run("client keeps sending", func(t *testing.T) {
		c := ts.dial()
		ts.waitConnections(1)
		send(t, c, "POST /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
		br := bufio.NewReader(c)
		if r := readResponse(t, br, false); r.status != 413 || r.header("Connection") != "close" {
			t.Fatalf("%d %v", r.status, r.headers)
		}
		start := time.Now()
		// The client goes on uploading its body; lingering discards it
		// and the timeout is not extended by it.
		done := make(chan struct{})
		go func() {
			defer close(done)
			chunk := make([]byte, 1024)
			for time.Since(start) < 10*time.Second && ts.srv.Connections() > 0 {
				if _, err := c.Write(chunk); err != nil {
					return // reset after the server closed
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		waitFor(t, 9*time.Second, "the lingering connection to close", func() bool { return ts.srv.Connections() == 0 })
		took := time.Since(start)
		<-done
		if took < 4*time.Second || took > 7500*time.Millisecond {
			t.Errorf("lingering close took %v, want 5–6 s", took)
		}
	})
	t.Run("client closes", func(t *testing.T) {
		c := ts.dial()
		ts.waitConnections(1)
		send(t, c, "POST /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
		if r := readResponse(t, bufio.NewReader(c), false); r.status != 413 {
			t.Fatalf("%d", r.status)
		}
		c.Close()
		waitFor(t, time.Second, "the server to see the client's close", func() bool { return ts.srv.Connections() == 0 })
	})
}

package reactor_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestKeepAliveByVersion checks lighttpd's keep-alive defaults and the
// Connection header it answers with (§1.4): none for HTTP/1.1 keep-alive,
// "keep-alive" for an HTTP/1.0 client that asked, "close" otherwise.
func TestKeepAliveByVersion(t *testing.T) {
	ts := startServer(t, serverOpts{files: map[string]string{"f.txt": "hello"}})
	cases := []struct {
		name, req  string
		proto      string
		connection string // the response's Connection header
		open       bool   // the connection serves another request
	}{
		{"HTTP/1.1 default", "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1", "", true},
		{"HTTP/1.1 close", "GET /f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1", "close", false},
		{"HTTP/1.1 close among tokens", "GET /f.txt HTTP/1.1\r\nHost: x\r\nConnection: TE, ,Close\r\n\r\n", "HTTP/1.1", "close", false},
		// RFC 9112 §2.6: a later minor version is HTTP/1.1 (lighttpd: 400).
		{"HTTP/1.2 default", "GET /f.txt HTTP/1.2\r\nHost: x\r\n\r\n", "HTTP/1.1", "", true},
		{"HTTP/1.2 close", "GET /f.txt HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1", "close", false},
		{"HTTP/1.0 default", "GET /f.txt HTTP/1.0\r\n\r\n", "HTTP/1.0", "close", false},
		{"HTTP/1.0 keep-alive", "GET /f.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "HTTP/1.0", "keep-alive", true},
		{"HTTP/1.0 Keep-Alive any case", "GET /f.txt HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "HTTP/1.0", "keep-alive", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial()
			br := bufio.NewReader(c)
			for i := 0; i < 2; i++ {
				send(t, c, tc.req)
				r := readResponse(t, br, false)
				if r.status != 200 || string(r.body) != "hello" || r.proto != tc.proto {
					t.Fatalf("request %d: %s %d %q", i, r.proto, r.status, r.body)
				}
				if got := r.header("Connection"); got != tc.connection {
					t.Fatalf("request %d: Connection %q, want %q", i, got, tc.connection)
				}
				if _, ok := r.headers["keep-alive"]; ok {
					t.Errorf("lighttpd never sends a Keep-Alive header")
				}
				if !tc.open {
					expectEOF(t, c, br, 3*time.Second)
					return
				}
			}
		})
	}
}

// TestMaxKeepAliveRequests checks lighttpd's rule that keep-alive ends
// when request_count > server.max-keep-alive-requests: N keep-alive
// answers, the (N+1)th says Connection: close (§1.4, trap 3).
func TestMaxKeepAliveRequests(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			ts := startServer(t, serverOpts{
				conf:  fmt.Sprintf("server.max-keep-alive-requests = %d", n),
				files: map[string]string{"f.txt": "hello"},
			})
			c := ts.dial()
			br := bufio.NewReader(c)
			for i := 1; i <= n+1; i++ {
				send(t, c, "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n")
				r := readResponse(t, br, false)
				if r.status != 200 || string(r.body) != "hello" {
					t.Fatalf("request %d: %d %q", i, r.status, r.body)
				}
				want := ""
				if i == n+1 {
					want = "close"
				}
				if got := r.header("Connection"); got != want {
					t.Fatalf("request %d of %d: Connection %q, want %q", i, n+1, got, want)
				}
			}
			expectEOF(t, c, br, 3*time.Second)
		})
	}
	// Keep-alive is also off when server.max-keep-alive-idle is 0 (§1.4)
	// and when server.protocol-http11 is disabled, which downgrades an
	// HTTP/1.1 request to HTTP/1.0 (http_response_config, §1.4): the
	// status line says HTTP/1.0 and, as for any HTTP/1.0 request, Range
	// is ignored (§1.8).
	cases := []struct {
		conf, proto string
		status      int
		body        string
	}{
		{"server.max-keep-alive-idle = 0", "HTTP/1.1", 206, "he"},
		{`server.protocol-http11 = "disable"`, "HTTP/1.0", 200, "hello"},
	}
	for _, tc := range cases {
		t.Run(tc.conf, func(t *testing.T) {
			ts := startServer(t, serverOpts{conf: tc.conf, files: map[string]string{"f.txt": "hello"}})
			c := ts.dial()
			br := bufio.NewReader(c)
			send(t, c, "GET /f.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\n\r\n")
			r := readResponse(t, br, false)
			if r.header("Connection") != "close" {
				t.Errorf("Connection %q, want close", r.header("Connection"))
			}
			if r.proto != tc.proto || r.status != tc.status || string(r.body) != tc.body {
				t.Errorf("%s %d %q, want %s %d %q", r.proto, r.status, r.body, tc.proto, tc.status, tc.body)
			}
			expectEOF(t, c, br, 3*time.Second)
		})
	}
}

// TestPipeline16 sends 16 requests in one write; the answers must come
// back complete and in order (§1.4: leftover bytes stay queued until the
// previous response is written).
func TestPipeline16(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 16; i++ {
		// Sizes differ around the 16 KiB small-response threshold, so
		// some answers go out from memory and some by sendfile.
		files[fmt.Sprintf("p%02d.txt", i)] = string(pattern(byte(i), 100+i*3000))
	}
	ts := startServer(t, serverOpts{files: files})
	var req strings.Builder
	for i := 0; i < 16; i++ {
		method := "GET"
		if i%5 == 4 {
			method = "HEAD" // a bodiless answer in the middle must not shift the others
		}
		fmt.Fprintf(&req, "%s /p%02d.txt HTTP/1.1\r\nHost: x\r\n\r\n", method, i)
	}
	c := ts.dial()
	send(t, c, req.String())
	br := bufio.NewReader(c)
	for i := 0; i < 16; i++ {
		head := i%5 == 4
		r := readResponse(t, br, head)
		want := files[fmt.Sprintf("p%02d.txt", i)]
		if r.status != 200 || r.header("Content-Length") != fmt.Sprint(len(want)) {
			t.Fatalf("response %d: %d %v", i, r.status, r.headers)
		}
		if !head && string(r.body) != want {
			t.Fatalf("response %d: body of %d bytes is not p%02d.txt", i, len(r.body), i)
		}
	}
	// Nothing else is pending: the connection is idle and still usable.
	send(t, c, "GET /p00.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if r := readResponse(t, br, false); r.status != 200 || string(r.body) != files["p00.txt"] {
		t.Fatalf("after the pipeline: %d", r.status)
	}
	expectEOF(t, c, br, 3*time.Second)
}

// TestPipelineMixed: what may sit between and after pipelined requests
// (§1.4).
func TestPipelineMixed(t *testing.T) {
	ts := startServer(t, serverOpts{files: map[string]string{"a.txt": "AAA", "b.txt": "BBB"}})
	const a, b = "GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", "GET /b.txt HTTP/1.1\r\nHost: x\r\n\r\n"
	type answer struct {
		status int
		body   string
	}
	cases := []struct {
		name    string
		req     string
		answers []answer
		closed  bool // the server closes after the answers
	}{
		{"one blank line tolerated", a + "\r\n" + b, []answer{{200, "AAA"}, {200, "BBB"}}, false},
		{"two blank lines refused", a + "\r\n\r\n" + b, []answer{{200, "AAA"}, {400, ""}}, true},
		{"bad request after a good one", a + "BAD\r\n\r\n" + b, []answer{{200, "AAA"}, {400, ""}}, true},
		{"Connection: close ends the pipeline", "GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + b,
			[]answer{{200, "AAA"}}, true},
		{"POST body then GET", "POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nGET /" + b,
			[]answer{{200, "AAA"}, {200, "BBB"}}, false},
		{"chunked POST then GET", "POST /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nGET\r\n0\r\n\r\n" + b,
			[]answer{{200, "AAA"}, {200, "BBB"}}, false},
		{"HTTP/1.0 keep-alive pipeline", "GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b.txt HTTP/1.0\r\n\r\n",
			[]answer{{200, "AAA"}, {200, "BBB"}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial()
			send(t, c, tc.req)
			br := bufio.NewReader(c)
			for i, want := range tc.answers {
				r := readResponse(t, br, false)
				if r.status != want.status || (want.body != "" && string(r.body) != want.body) {
					t.Fatalf("answer %d: %d %q, want %d %q", i, r.status, r.body, want.status, want.body)
				}
			}
			if tc.closed {
				expectEOF(t, c, br, 3*time.Second)
				return
			}
			send(t, c, a)
			if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "AAA" {
				t.Fatalf("after the pipeline: %d %q", r.status, r.body)
			}
		})
	}
	t.Run("500 requests in one write", func(t *testing.T) {
		c := ts.dial()
		var req strings.Builder
		for i := 0; i < 500; i++ {
			if i%2 == 0 {
				req.WriteString(a)
			} else {
				req.WriteString(b)
			}
		}
		go io.WriteString(c, req.String()) // the answers may fill our window before the requests are all sent
		br := bufio.NewReader(c)
		for i := 0; i < 500; i++ {
			want := "AAA"
			if i%2 == 1 {
				want = "BBB"
			}
			if r := readResponse(t, br, false); r.status != 200 || string(r.body) != want {
				t.Fatalf("answer %d: %d %q", i, r.status, r.body)
			}
		}
	})
}

// TestHalfClose: a client pipelines requests for large files, shuts down
// its sending side and reads slowly. Every response must arrive in full
// (DESIGN.md §3.5; lighttpd continues on a TCP half-close, §1.3).
func TestHalfClose(t *testing.T) {
	const size = 2 << 20
	files := map[string]string{}
	for i := 0; i < 4; i++ {
		files[fmt.Sprintf("big%d.bin", i)] = string(pattern(byte(i), size))
	}
	files["small.txt"] = "small"
	ts := startServer(t, serverOpts{files: files})

	cases := []struct {
		name string
		reqs []string
	}{
		{"four large files", []string{"big0.bin", "big1.bin", "big2.bin", "big3.bin"}},
		{"large then small", []string{"big0.bin", "small.txt", "big1.bin", "small.txt"}},
		{"one small file", []string{"small.txt"}},
		{"one large file", []string{"big3.bin"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dialSmallWindow(64 << 10)
			var req strings.Builder
			for _, f := range tc.reqs {
				fmt.Fprintf(&req, "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", f)
			}
			send(t, c, req.String())
			if err := c.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			// Slow reader: 16 KiB at a time with a pause every 256 KiB, so
			// the server meets a full socket (EAGAIN) many times, and
			// mostly after it has seen our FIN.
			br := bufio.NewReaderSize(&slowReader{r: c, chunk: 16 << 10, every: 256 << 10, pause: 2 * time.Millisecond}, 16<<10)
			for i, f := range tc.reqs {
				r := readResponse(t, br, false)
				if r.status != 200 || !bytes.Equal(r.body, []byte(files[f])) {
					t.Fatalf("response %d (%s): %d, %d bytes", i, f, r.status, len(r.body))
				}
			}
			expectEOF(t, c, br, 5*time.Second)
		})
	}
	t.Run("after the response", func(t *testing.T) {
		// An idle keep-alive connection whose client half-closes has
		// nothing left to do: the server closes it (§1.3).
		c := ts.dial()
		send(t, c, "GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		if r := readResponse(t, br, false); r.status != 200 {
			t.Fatalf("%d", r.status)
		}
		if err := c.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		expectEOF(t, c, br, 3*time.Second)
	})
	t.Run("incomplete request", func(t *testing.T) {
		// EOF while reading a head: closed without a response (§1.3).
		c := ts.dial()
		send(t, c, "GET /small.txt HTTP/1.1\r\nHo")
		if err := c.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		expectEOF(t, c, bufio.NewReader(c), 3*time.Second)
	})
	ts.waitConnections(0)
}

// TestClientGoesAway: clients that reset or close in the middle of a
// large response, or while it is throttled, cost the server nothing: every
// connection is released and nothing is logged (a peer's reset is not an
// error, §2.4).
func TestClientGoesAway(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOpts{
		conf: `$HTTP["url"] =~ "^/slow/" { connection.kbytes-per-second = 10 }`,
		setup: func(t testing.TB, root string) {
			sparse(t, filepath.Join(root, "big.bin"), 32<<20)
			os.Mkdir(filepath.Join(root, "slow"), 0o755)
			sparse(t, filepath.Join(root, "slow", "big.bin"), 32<<20)
		},
	})
	var wg sync.WaitGroup
	for i := 0; i < 24; i++ {
		c := ts.dialSmallWindow(16 << 10)
		path := "/big.bin"
		if i%3 == 2 {
			path = "/slow/big.bin"
		}
		send(t, c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			c.Read(buf) // the response has started
			if i%2 == 0 {
				c.(*net.TCPConn).SetLinger(0) // close with RST
			}
			c.Close()
		}()
	}
	wg.Wait()
	// A throttled connection notices at its next second.
	waitFor(t, 5*time.Second, "every connection to be released", func() bool { return ts.srv.Connections() == 0 })
	if l := ts.logText(); l != "" {
		t.Errorf("server logged: %s", l)
	}
	if r := ts.get("/big.bin", "Range: bytes=0-9\r\n"); r.status != 206 {
		t.Errorf("server unwell afterwards: %d", r.status)
	}
}

// slowReader reads at most chunk bytes per call and pauses after every
// `every` bytes.
type slowReader struct {
	r     io.Reader
	chunk int
	every int
	pause time.Duration
	n     int
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(p) > s.chunk {
		p = p[:s.chunk]
	}
	n, err := s.r.Read(p)
	if s.n/s.every != (s.n+n)/s.every {
		time.Sleep(s.pause)
	}
	s.n += n
	return n, err
}

// TestSlowClient sends a request one byte per write; the server must
// assemble it across many reads.
func TestSlowClient(t *testing.T) {
	ts := startServer(t, serverOpts{files: map[string]string{"f.txt": "hello"}})
	cases := []struct{ name, req, body string }{
		{"GET", "GET /f.txt HTTP/1.1\r\nHost: x\r\nX-Pad: abc\r\n\r\n", "hello"},
		{"POST with body", "POST /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n12345", "hello"},
		{"chunked POST", "POST /f.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "hello"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial()
			for i := 0; i < len(tc.req); i++ {
				send(t, c, tc.req[i:i+1])
				time.Sleep(time.Millisecond) // separate segments, so the server reads them one by one
			}
			br := bufio.NewReader(c)
			if r := readResponse(t, br, false); r.status != 200 || string(r.body) != tc.body {
				t.Fatalf("%d %q", r.status, r.body)
			}
		})
	}
}

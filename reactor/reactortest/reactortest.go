// Package reactortest starts a featherd server in the test's process on a
// loopback port, with every module linked in, for tests that check what
// a client sees on the wire: module tests, end-to-end tests. Use it from
// an external test package (package foo_test), since it imports every
// module.
package reactortest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/featherd/featherd/config"
	_ "github.com/featherd/featherd/http/modules" // every module
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/reactor"
)

// Options describe a test server.
type Options struct {
	// Conf is configuration appended after the server.document-root (the
	// temporary root), server.max-worker = 2 and server.upload-dirs lines;
	// "$ROOT" in it is replaced by the document root's path.
	Conf string
	// Files are the document root's contents, path → body; directories
	// are made as needed.
	Files map[string]string
	// Setup runs after Files are written and before the configuration
	// is loaded, for what Files cannot express (modes, links, other
	// directories).
	Setup func(t testing.TB, root string)
}

// Server is a featherd reactor serving on 127.0.0.1 in this process.
type Server struct {
	T    testing.TB
	Addr string // host:port
	Root string // the document root
	Cfg  *config.Config
	srv  *reactor.Server
	logs syncBuffer
}

// Start starts a server; it is closed when the test ends. A
// configuration that does not load fails the test: use config.Parse
// directly to test bad configurations.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	root := t.TempDir()
	WriteFiles(t, root, o.Files)
	if o.Setup != nil {
		o.Setup(t, root)
	}
	src := fmt.Sprintf("server.document-root = %q\nserver.max-worker = 2\nserver.upload-dirs = ( %q )\n%s\n",
		root, t.TempDir(), strings.ReplaceAll(o.Conf, "$ROOT", root))
	cfg, err := config.Parse("test.conf", src, "", config.LoadOptions{DefaultTag: "featherd-test"})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	s := &Server{T: t, Root: root, Cfg: cfg}
	logger := log.New(&s.logs, "", 0)
	plan, err := pipeline.NewPlan(cfg, logger)
	if err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	sock := config.Socket{Token: "127.0.0.1:0"}
	if s.srv, err = reactor.New(cfg, []reactor.Listener{{Socket: sock, Listener: ln}}, reactor.Options{Plan: plan, Logger: logger}); err != nil {
		ln.Close()
		t.Fatal(err)
	}
	if err := s.srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// WriteFiles makes the files of a tree below dir, path → body, with
// the directories they need.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Log returns what the server has logged so far.
func (s *Server) Log() string { return s.logs.String() }

// Dial opens a connection with a 15-second deadline; it is closed when
// the test ends.
func (s *Server) Dial() net.Conn {
	s.T.Helper()
	c, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		s.T.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(15 * time.Second))
	s.T.Cleanup(func() { c.Close() })
	return c
}

// Do sends raw (a whole request, or several) on a new connection and
// reads one response.
func (s *Server) Do(raw string) *Response {
	s.T.Helper()
	c := s.Dial()
	if _, err := io.WriteString(c, raw); err != nil {
		s.T.Fatal(err)
	}
	return ReadResponse(s.T, bufio.NewReader(c), strings.HasPrefix(raw, "HEAD "))
}

// Get requests target with Host: test and the extra header lines given
// ("Name: value", without CRLF).
func (s *Server) Get(target string, headers ...string) *Response {
	s.T.Helper()
	var b strings.Builder
	b.WriteString("GET " + target + " HTTP/1.1\r\nHost: test\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return s.Do(b.String())
}

// Response is a response as the client read it.
type Response struct {
	Proto   string
	Status  int
	Headers map[string][]string // by lower-case name
	Body    []byte
	Chunked bool // the body came with Transfer-Encoding: chunked
}

// Header returns the first value of the named header, or "".
func (r *Response) Header(name string) string {
	if v := r.Headers[strings.ToLower(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// ReadResponse reads one response from br: a HEAD response and 1xx, 204
// and 304 have no body; otherwise it is read by Content-Length, chunked,
// or to the end of the connection.
func ReadResponse(t testing.TB, br *bufio.Reader, head bool) *Response {
	t.Helper()
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("reading status line: %v", err)
	}
	parts := strings.SplitN(strings.TrimRight(line, "\r\n"), " ", 3)
	if len(parts) < 2 {
		t.Fatalf("bad status line %q", line)
	}
	r := &Response{Proto: parts[0], Headers: map[string][]string{}}
	r.Status, _ = strconv.Atoi(parts[1])
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading headers: %v", err)
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		k, v, _ := strings.Cut(l, ":")
		k = strings.ToLower(k)
		r.Headers[k] = append(r.Headers[k], strings.TrimSpace(v))
	}
	switch {
	case head || r.Status == 304 || r.Status == 204 || r.Status < 200:
	case r.Header("Transfer-Encoding") == "chunked":
		r.Chunked = true
		r.Body = readChunked(t, br)
	case r.Header("Content-Length") != "":
		n, _ := strconv.ParseInt(r.Header("Content-Length"), 10, 64)
		r.Body = make([]byte, n)
		if _, err := io.ReadFull(br, r.Body); err != nil {
			t.Fatalf("reading body of %d bytes: %v", n, err)
		}
	default:
		if r.Body, err = io.ReadAll(br); err != nil {
			t.Fatalf("reading body to EOF: %v", err)
		}
	}
	return r
}

func readChunked(t testing.TB, br *bufio.Reader) []byte {
	t.Helper()
	var body []byte
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading chunk size: %v", err)
		}
		n, err := strconv.ParseInt(strings.TrimRight(line, "\r\n"), 16, 64)
		if err != nil {
			t.Fatalf("bad chunk size line %q", line)
		}
		if n == 0 {
			if l, err := br.ReadString('\n'); err != nil || l != "\r\n" {
				t.Fatalf("bad end of chunked body %q: %v", l, err)
			}
			return body
		}
		chunk := make([]byte, n+2)
		if _, err := io.ReadFull(br, chunk); err != nil {
			t.Fatalf("reading chunk of %d bytes: %v", n, err)
		}
		if !bytes.HasSuffix(chunk, []byte("\r\n")) {
			t.Fatalf("chunk of %d bytes without CRLF", n)
		}
		body = append(body, chunk[:n]...)
	}
}

// KeepAliveHit measures one keep-alive GET of /index.html, whose body is
// body, round trip over loopback: allocs/op counts both sides, and the
// client allocates nothing. The server must allow 65535 requests per
// connection (server.max-keep-alive-requests); the client reconnects
// before that.
func KeepAliveHit(b *testing.B, s *Server, body []byte) {
	b.Helper()
	c := s.Dial()
	c.SetDeadline(time.Time{})
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
			c = s.Dial()
			c.SetDeadline(time.Time{})
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

// WaitFor polls cond every 10 ms until it holds, failing the test after d.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

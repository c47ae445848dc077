package reactor_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/featherd/featherd/config"
	_ "github.com/featherd/featherd/http/modules"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/reactor"
	"github.com/featherd/featherd/reactor/reactortest"
)

// testServer is a featherd reactor serving a temporary document root on
// a loopback port, in this process.
type testServer struct {
	t       testing.TB
	srv     *reactor.Server
	addr    string // host:port, or a socket path for unix
	network string
	root    string
	cfg     *config.Config
	log     bytes.Buffer
	logw    *syncWriter // guards log: the loops write it while tests read it
	uploads string      // server.upload-dirs
}

// serverOpts adjusts a test server.
type serverOpts struct {
	conf  string            // extra configuration lines
	files map[string]string // document root contents, path → body
	unix  bool              // listen on a unix socket instead of TCP
	ipv6  bool              // listen on [::1] instead of 127.0.0.1
	// setup runs after files are written and before the server starts,
	// for what a string map cannot express: file modes, symlinks, FIFOs,
	// sparse files.
	setup func(t testing.TB, root string)
}

// startServer starts a server and stops it when the test ends, failing
// the test if connections are left open.
func startServer(t testing.TB, o serverOpts) *testServer {
	t.Helper()
	root := t.TempDir()
	for name, body := range o.files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if o.setup != nil {
		o.setup(t, root)
	}
	uploads := t.TempDir()
	src := fmt.Sprintf("server.document-root = %q\nserver.max-worker = 2\nserver.upload-dirs = ( %q )\n%s\n",
		root, uploads, o.conf)
	cfg, err := config.Parse("test.conf", src, "", config.LoadOptions{DefaultTag: "featherd-test"})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	ts := &testServer{t: t, root: root, cfg: cfg, network: "tcp", uploads: uploads}
	ts.logw = &syncWriter{buf: &ts.log}
	var ln net.Listener
	sock := config.Socket{Token: "127.0.0.1:0"}
	if o.unix {
		ts.network = "unix"
		path := filepath.Join(t.TempDir(), "s.sock")
		ln, err = net.Listen("unix", path)
		sock.Token = path
	} else if o.ipv6 {
		ln, err = net.Listen("tcp6", "[::1]:0")
		sock.Token = "[::1]:0"
	} else {
		ln, err = net.Listen("tcp4", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	logger := log.New(ts.logw, "", 0)
	plan, err := pipeline.NewPlan(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	ts.srv, err = reactor.New(cfg, []reactor.Listener{{Socket: sock, Listener: ln}}, reactor.Options{
		Plan:   plan,
		Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ts.srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return ts
}

// syncWriter lets the server's loops log into one buffer.
type syncWriter struct {
	mu  sync.Mutex
	buf *bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// logText returns what the server has logged so far.
func (ts *testServer) logText() string {
	ts.logw.mu.Lock()
	defer ts.logw.mu.Unlock()
	return ts.log.String()
}

// dial opens a client connection with a deadline for the whole test step.
func (ts *testServer) dial() net.Conn {
	ts.t.Helper()
	c, err := net.DialTimeout(ts.network, ts.addr, 5*time.Second)
	if err != nil {
		ts.t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(15 * time.Second))
	ts.t.Cleanup(func() { c.Close() })
	return c
}

// response is a parsed HTTP/1.x response.
type response struct {
	proto   string
	status  int
	headers map[string][]string
	body    []byte
}

func (r *response) header(name string) string {
	if v := r.headers[strings.ToLower(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// readResponse reads one response from br (reactortest.ReadResponse):
// HEAD responses and 1xx/204/304 carry no body; otherwise it is read by
// Content-Length, chunked, or to EOF.
func readResponse(t testing.TB, br *bufio.Reader, head bool) *response {
	t.Helper()
	r := reactortest.ReadResponse(t, br, head)
	return &response{proto: r.Proto, status: r.Status, headers: r.Headers, body: r.Body}
}

// roundTrip sends raw request bytes on a new connection and reads one
// response.
func (ts *testServer) roundTrip(raw string) *response {
	ts.t.Helper()
	c := ts.dial()
	if _, err := io.WriteString(c, raw); err != nil {
		ts.t.Fatal(err)
	}
	return readResponse(ts.t, bufio.NewReader(c), strings.HasPrefix(raw, "HEAD "))
}

// get requests path with extra header lines.
func (ts *testServer) get(path string, headers ...string) *response {
	ts.t.Helper()
	return ts.roundTrip("GET " + path + " HTTP/1.1\r\nHost: test\r\n" + strings.Join(headers, "") + "\r\n")
}

// expectClosed checks that the server closes the connection within d.
func expectClosed(t testing.TB, c net.Conn, d time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		if err == io.EOF {
			return
		}
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("connection still open after %v", d)
			}
			return // reset counts as closed
		}
	}
}

// waitConnections polls until the server has n open connections.
func (ts *testServer) waitConnections(n int64) {
	ts.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for ts.srv.Connections() != n {
		if time.Now().After(deadline) {
			ts.t.Fatalf("server has %d open connections, want %d", ts.srv.Connections(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

package reactor_test

import (
	"bufio"
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/reactor/reactortest"
)

// edgeHandler answers the edge cases of handlers that claim a request:
// /goon writes "x" and returns GoOn; /s204 streams a 204; /scl streams
// with a Content-Length of its own; /sfin marks its response streaming
// and finishes it at once; /err/… fails.
type edgeHandler struct{}

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_test_edge", New: func(*pipeline.Setup) any { return edgeHandler{} }})
}

func (h edgeHandler) URIClean(r *pipeline.Request) pipeline.Result {
	switch {
	case r.Head.Path == "/goon", r.Head.Path == "/s204", r.Head.Path == "/scl", r.Head.Path == "/sfin",
		strings.HasPrefix(r.Head.Path, "/err/"):
		r.Claim(h)
	}
	return pipeline.GoOn
}

func (h edgeHandler) Subrequest(r *pipeline.Request) pipeline.Result {
	switch r.Head.Path {
	case "/goon":
		r.Resp.Body.WriteString("x")
		return pipeline.GoOn
	case "/sfin":
		r.Resp.Status = 200
		r.Resp.Streaming = true
		r.Resp.Body.WriteString("hello")
		return pipeline.Finished
	case "/s204", "/scl":
		if r.HeadSent() {
			return pipeline.Finished
		}
		r.Resp.Status = 204
		if r.Head.Path == "/scl" {
			r.Resp.Status = 200
			r.Resp.AddHeader("Content-Length", "5")
			r.Resp.Body.WriteString("hello")
		}
		r.Resp.Streaming = true
		r.Events.After(10 * time.Millisecond)
		return pipeline.WaitForEvent
	}
	return pipeline.Error
}

const edgeConf = `server.modules = ( "mod_test_edge", "mod_test_timer", "mod_test_stream" )
server.stream-response-body = 1`

// TestClaimedHandlerGoOn: a claimed handler that returns GoOn has
// answered (lighttpd reads it as finished); it is not run again.
func TestClaimedHandlerGoOn(t *testing.T) {
	ts := startServer(t, serverOpts{conf: edgeConf})
	if r := ts.get("/goon"); r.status != 200 || string(r.body) != "x" {
		t.Fatalf("%d %q, want 200 \"x\"", r.status, r.body)
	}
}

// TestStreamedResponseFraming: a response a handler streams is framed by
// what it is: a 204 has no body and no chunked encoding; one with its
// own Content-Length is sent as it is; one that was complete at the
// first call gets a Content-Length; a HEAD gets the head alone. The
// connection then serves its next request.
func TestStreamedResponseFraming(t *testing.T) {
	ts := startServer(t, serverOpts{conf: edgeConf, files: map[string]string{"a.txt": "static"}})
	for _, tc := range []struct {
		req     string
		head    bool
		status  int
		body    string
		want    [2]string // a header and its value; "" value: absent
		notWant string
		chunked bool
	}{
		{"GET /s204", false, 204, "", [2]string{"Content-Length", ""}, "Transfer-Encoding", false},
		{"GET /scl", false, 200, "hello", [2]string{"Content-Length", "5"}, "Transfer-Encoding", false},
		{"GET /sfin", false, 200, "hello", [2]string{"Content-Length", "5"}, "Transfer-Encoding", false},
		{"HEAD /sfin", true, 200, "", [2]string{"Content-Length", "5"}, "Transfer-Encoding", false},
		{"HEAD /stream/3/100", true, 200, "", [2]string{"Transfer-Encoding", "chunked"}, "Content-Length", false},
		{"GET /stream/3/100", false, 200, string(expectedStream(3, 100)), [2]string{"Transfer-Encoding", "chunked"}, "Content-Length", true},
	} {
		t.Run(tc.req, func(t *testing.T) {
			c := ts.dial()
			br := bufio.NewReader(c)
			send(t, c, tc.req+" HTTP/1.1\r\nHost: t\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n")
			r := reactortest.ReadResponse(t, br, tc.head)
			if r.Status != tc.status || string(r.Body) != tc.body || r.Header(tc.want[0]) != tc.want[1] ||
				r.Header(tc.notWant) != "" || r.Chunked != tc.chunked {
				t.Fatalf("%d %v %q", r.Status, r.Headers, trunc(r.Body))
			}
			if r := reactortest.ReadResponse(t, br, false); r.Status != 200 || string(r.Body) != "static" {
				t.Fatalf("the next response on the connection: %d %q", r.Status, r.Body)
			}
		})
	}
}

// TestStreamKeepsPipelineOrder: responses to requests pipelined before a
// streamed one go out first, and while a handler waits, those held back
// to be written together leave at once.
func TestStreamKeepsPipelineOrder(t *testing.T) {
	ts := startServer(t, serverOpts{conf: edgeConf, files: map[string]string{"a.txt": "static"}})
	c := ts.dial()
	br := bufio.NewReader(c)
	send(t, c, "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /stream/2/100 HTTP/1.1\r\nHost: t\r\n\r\n")
	if r := reactortest.ReadResponse(t, br, false); r.Status != 200 || string(r.Body) != "static" {
		t.Fatalf("first response: %d %q", r.Status, r.Body)
	}
	if r := reactortest.ReadResponse(t, br, false); !bytes.Equal(r.Body, expectedStream(2, 100)) {
		t.Fatalf("stream: %d %q", r.Status, trunc(r.Body))
	}

	// The first response is held back to go out with the second, whose
	// handler then waits (for ever: its deadline is a second away).
	c = ts.dial()
	br = bufio.NewReader(c)
	send(t, c, "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /stall/x HTTP/1.1\r\nHost: t\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(800 * time.Millisecond))
	if r := reactortest.ReadResponse(t, br, false); r.Status != 200 || string(r.Body) != "static" {
		t.Fatalf("response before a waiting handler: %d %q", r.Status, r.Body)
	}

	// A stream with a request pipelined behind it goes out as it is
	// produced, not when it ends.
	c = ts.dial()
	send(t, c, "GET /stream/hang/x HTTP/1.1\r\nHost: t\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(800 * time.Millisecond))
	readExactly(t, c, 17) // "HTTP/1.1 200 OK\r\n"
}

// TestLongStreamNotCut: a stream that keeps producing for longer than
// server.max-write-idle is not cut: the deadline counts from its last
// progress.
func TestLongStreamNotCut(t *testing.T) {
	ts := startServer(t, serverOpts{conf: edgeConf + "\nserver.max-write-idle = 1\n"})
	c := ts.dial()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	// 500 pieces, 5 ms apart: 2.5 s or more, always making progress.
	send(t, c, "GET /stream/500/100 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
	r := reactortest.ReadResponse(t, bufio.NewReader(c), false)
	if !bytes.Equal(r.Body, expectedStream(500, 100)) {
		t.Fatalf("stream of %d bytes, want %d; log:\n%s", len(r.Body), 500*100, ts.logText())
	}
}

// TestInputHeldWhileHandlerWaits: a client that keeps sending while its
// request's handler waits is not read without bound: past what a
// connection holds, its bytes wait in the kernel.
func TestInputHeldWhileHandlerWaits(t *testing.T) {
	ts := startServer(t, serverOpts{conf: edgeConf})
	c := ts.dial()
	send(t, c, "GET /stall/x HTTP/1.1\r\nHost: t\r\n\r\n")
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapInuse
	junk := []byte(strings.Repeat("GET /a HTTP/1.1\r\nHost: t\r\n\r\n", 4096)) // ~115 KiB
	c.SetWriteDeadline(time.Now().Add(800 * time.Millisecond))
	sent := 0
	for {
		n, err := c.Write(junk)
		sent += n
		if err != nil {
			break
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	grew := int64(ms.HeapInuse) - int64(before)
	t.Logf("sent %d KiB while the handler waited; heap in use grew by %d KiB", sent>>10, grew>>10)
	if grew > 8<<20 {
		t.Fatalf("heap grew by %d MiB holding a client's input while its handler waited", grew>>20)
	}
}

// TestFailedHandlerKeepsModules: a handler that fails or times out gets
// its own reset at once, not every module's: mod_setenv's response
// headers are on the 500 and the 504 as on any other answer.
func TestFailedHandlerKeepsModules(t *testing.T) {
	ts := startServer(t, serverOpts{conf: `server.modules = ( "mod_setenv", "mod_test_edge", "mod_test_timer" )
setenv.add-response-header = ( "X-Set" => "yes" )`, files: map[string]string{"a.txt": "a"}})
	for path, status := range map[string]int{"/a.txt": 200, "/missing": 404, "/err/a": 500, "/stall/b": 504} {
		if r := ts.get(path); r.status != status || r.header("X-Set") != "yes" {
			t.Errorf("%s: %d, X-Set %q; want %d with the header", path, r.status, r.header("X-Set"), status)
		}
	}
}

// TestHeadThroughErrorHandler: a HEAD that an error handler answers
// stays a HEAD, also when that ends in a status of its own (a timeout, a
// rewrite loop): no body.
func TestHeadThroughErrorHandler(t *testing.T) {
	for _, conf := range []string{
		edgeConf + "\nserver.error-handler = \"/stall/eh\"\n",
		"server.modules = ( \"mod_rewrite\" )\nserver.error-handler = \"/loop\"\nurl.rewrite-repeat = ( \"^/loop\" => \"/loop\" )\n",
	} {
		ts := startServer(t, serverOpts{conf: conf})
		c := ts.dial()
		send(t, c, "HEAD /missing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
		got, _ := io.ReadAll(c)
		if i := bytes.Index(got, []byte("\r\n\r\n")); i < 0 || i+4 < len(got) {
			t.Errorf("%s: HEAD answered with a body: %q", conf, trunc(got))
		}
	}
}

// TestHandlerStreamBuffered: with lighttpd's default
// server.stream-response-body = 0, a streamed body goes out whole, with a
// Content-Length, once the handler has finished it.
func TestHandlerStreamBuffered(t *testing.T) {
	ts := startServer(t, serverOpts{conf: `server.modules = ( "mod_test_stream" )`})
	r := ts.get("/stream/5/1000")
	if r.status != 200 || r.header("Content-Length") != "5000" || !bytes.Equal(r.body, expectedStream(5, 1000)) {
		t.Fatalf("%d %v %d bytes", r.status, r.headers, len(r.body))
	}
	// A stream that hangs is then answered 504 by its deadline.
	if r := ts.get("/stream/hang/x"); r.status != 504 {
		t.Fatalf("hanging stream, buffered: %d, want 504", r.status)
	}
}

package reactor_test

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/reactor/reactortest"
)

// lengthHandler answers /rv/<kind>/…, counting its calls for the request
// in its slot: cl/<Content-Length>/<bytes> streams with a length of its
// own; e404/… streams a 404 in two parts.
type lengthHandler struct{ slot int }

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_test_length", New: func(s *pipeline.Setup) any { return &lengthHandler{slot: s.Slot} }})
}

func (h *lengthHandler) URIClean(r *pipeline.Request) pipeline.Result {
	if strings.HasPrefix(r.Head.Path, "/rv/") {
		r.Claim(h)
	}
	return pipeline.GoOn
}

func (h *lengthHandler) Subrequest(r *pipeline.Request) pipeline.Result {
	n, _ := r.Data(h.slot).(int)
	r.SetData(h.slot, n+1)
	parts := strings.Split(r.Head.Path, "/") // "", "rv", kind, args...
	switch parts[2] {
	case "cl": // /rv/cl/<content-length>/<bytes>: streamed, own Content-Length
		if n == 0 {
			r.Resp.Status = 200
			r.Resp.AddHeader("Content-Length", parts[3])
			r.Resp.Streaming = true
			k, _ := strconv.Atoi(parts[4])
			if r.Head.Method != http.MethodHead {
				r.Resp.Body.WriteString(strings.Repeat("x", k))
			}
			r.Events.After(5 * time.Millisecond)
			return pipeline.WaitForEvent
		}
		return pipeline.Finished
	case "e404": // streamed 404: part1 now, part2 later
		if n == 0 {
			r.Resp.Status = 404
			r.Resp.Streaming = true
			r.Resp.Body.WriteString("backend-part1;")
			r.Events.After(5 * time.Millisecond)
			return pipeline.WaitForEvent
		}
		r.Resp.Body.WriteString("backend-part2")
		return pipeline.Finished
	}
	return pipeline.Error
}

const lengthConf = `server.modules = ( "mod_test_length", "mod_test_stream" )`

// TestStreamedOwnLength: a streamed body with a Content-Length of its
// handler's goes out with no more than that length (the rest dropped),
// and one that comes short ends the connection: either way the next
// response on it is never read as part of the body.
func TestStreamedOwnLength(t *testing.T) {
	ts := startServer(t, serverOpts{conf: lengthConf + "\nserver.stream-response-body = 1\n", files: map[string]string{"a.txt": "static"}})
	c := ts.dial()
	br := bufio.NewReader(c)
	send(t, c, "GET /rv/cl/3/8 HTTP/1.1\r\nHost: t\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n")
	if r := reactortest.ReadResponse(t, br, false); r.Status != 200 || string(r.Body) != "xxx" || r.Chunked {
		t.Fatalf("longer than its length: %d %v %q", r.Status, r.Headers, r.Body)
	}
	if r := reactortest.ReadResponse(t, br, false); r.Status != 200 || string(r.Body) != "static" {
		t.Fatalf("the next response: %d %q", r.Status, r.Body)
	}

	c = ts.dial()
	send(t, c, "GET /rv/cl/8/3 HTTP/1.1\r\nHost: t\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n")
	got, _ := io.ReadAll(c)
	head, body, _ := bytes.Cut(got, []byte("\r\n\r\n"))
	if !bytes.Contains(head, []byte("Content-Length: 8")) || string(body) != "xxx" {
		t.Fatalf("shorter than its length: %q, want its 3 bytes and the connection closed", got)
	}
}

// TestBufferedOwnLength: with lighttpd's default stream-response-body =
// 0, a response whose handler gave a Content-Length has one, the body's
// own; a HEAD keeps the handler's, which says what a GET would get.
func TestBufferedOwnLength(t *testing.T) {
	ts := startServer(t, serverOpts{conf: lengthConf})
	for _, m := range []string{"GET", "HEAD"} {
		c := ts.dial()
		send(t, c, m+" /rv/cl/5/5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
		got, _ := io.ReadAll(c)
		if n := bytes.Count(bytes.ToLower(got), []byte("content-length:")); n != 1 || !bytes.Contains(got, []byte("Content-Length: 5\r\n")) {
			t.Errorf("%s: %q, want one Content-Length: 5", m, got)
		}
	}
}

// TestInterceptStreamedError: server.error-intercept on a streamed 404
// ends the handler's body: the error page goes out, nothing after it.
func TestInterceptStreamedError(t *testing.T) {
	ts := startServer(t, serverOpts{conf: lengthConf + "\nserver.stream-response-body = 1\nserver.error-intercept = \"enable\"\n"})
	r := ts.get("/rv/e404/x")
	if r.status != 404 || bytes.Contains(r.body, []byte("backend-part")) || !bytes.Contains(r.body, []byte("404 Not Found")) {
		t.Errorf("%d %v %q", r.status, r.headers, r.body)
	}
}

// TestBufferedLongResponseNotCut: with stream-response-body = 0, a
// handler that keeps producing for longer than server.max-write-idle is
// not answered 504: its deadline moves on with its response.
func TestBufferedLongResponseNotCut(t *testing.T) {
	ts := startServer(t, serverOpts{conf: lengthConf + "\nserver.max-write-idle = 1\n"})
	c := ts.dial()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	send(t, c, "GET /stream/500/100 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
	r := reactortest.ReadResponse(t, bufio.NewReader(c), false)
	if r.Status != 200 || !bytes.Equal(r.Body, expectedStream(500, 100)) {
		t.Errorf("%d, %d bytes; log: %s", r.Status, len(r.Body), ts.logText())
	}
}

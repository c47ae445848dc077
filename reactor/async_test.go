package reactor_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/reactor/reactortest"
)

// Two handlers prove the pipeline's seam for handlers that wait: one
// answers from a timer, one streams a body it reads from a socketpair it
// registered with the loop's poller, fed by a goroutine that plays a
// backend. Both count their resets, so tests can see that a request that
// ends however it ends is cleaned up.

var (
	timerResets  atomic.Int64
	streamResets atomic.Int64
	streamOpen   atomic.Int64 // socketpairs the stream handler holds
)

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_test_timer", New: func(s *pipeline.Setup) any {
		return &timerHandler{slot: s.Slot}
	}})
	pipeline.Register(pipeline.Module{Name: "mod_test_stream", New: func(s *pipeline.Setup) any {
		return &streamHandler{slot: s.Slot, scratch: make([]byte, 16<<10)}
	}})
}

// timerHandler answers /timer/… 50 ms after the request came, and never
// answers /stall/… (whose deadline is a second away).
type timerHandler struct {
	slot int // the request's data: when its timer fires
}

type timerState struct{ at time.Time }

func (h *timerHandler) URIClean(r *pipeline.Request) pipeline.Result {
	if strings.HasPrefix(r.Head.Path, "/timer/") || strings.HasPrefix(r.Head.Path, "/stall/") {
		r.Claim(h)
	}
	return pipeline.GoOn
}

func (h *timerHandler) Subrequest(r *pipeline.Request) pipeline.Result {
	if strings.HasPrefix(r.Head.Path, "/stall/") {
		r.Deadline = r.Now + 1
		return pipeline.WaitForEvent
	}
	st, _ := r.Data(h.slot).(*timerState)
	if st == nil {
		r.SetData(h.slot, &timerState{at: time.Now().Add(50 * time.Millisecond)})
		r.Events.After(50 * time.Millisecond)
		return pipeline.WaitForEvent
	}
	if time.Now().Before(st.at) {
		return pipeline.WaitForEvent // run before the timer fired: it still will
	}
	r.Resp.Status = 200
	r.Resp.AddHeader("Content-Type", "text/plain")
	r.Resp.Body.WriteString("timer fired for " + r.Head.Path)
	return pipeline.Finished
}

func (h *timerHandler) RequestReset(r *pipeline.Request) pipeline.Result {
	if r.Handler() == pipeline.Subrequest(h) {
		timerResets.Add(1)
	}
	return pipeline.GoOn
}

// streamHandler answers /stream/N/SIZE with N pieces of SIZE bytes that
// a goroutine writes into a socketpair 5 ms apart; /stream/hang/… sends
// one piece and then nothing, with a deadline a second away.
type streamHandler struct {
	slot    int // the request's data: its *stream
	scratch []byte
}

type stream struct {
	fd   int // our end
	done chan struct{}
}

func (h *streamHandler) URIClean(r *pipeline.Request) pipeline.Result {
	if strings.HasPrefix(r.Head.Path, "/stream/") {
		r.Claim(h)
	}
	return pipeline.GoOn
}

func (h *streamHandler) Subrequest(r *pipeline.Request) pipeline.Result {
	st, _ := r.Data(h.slot).(*stream)
	if st == nil {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return pipeline.Error
		}
		streamOpen.Add(1)
		st = &stream{fd: fds[0], done: make(chan struct{})}
		r.SetData(h.slot, st)
		pieces, size, hang := 4, 1000, false
		var n, sz int
		if _, err := sscan(r.Head.Path, &n, &sz); err == nil {
			pieces, size = n, sz
		} else if strings.HasPrefix(r.Head.Path, "/stream/hang/") {
			pieces, hang = 1, true
			r.Deadline = r.Now + 1
		}
		go backend(fds[1], pieces, size, hang, st.done)
		r.Resp.Status = 200
		r.Resp.AddHeader("Content-Type", "application/octet-stream")
		r.Resp.Streaming = true
		if err := r.Events.WaitFD(st.fd, false); err != nil {
			return pipeline.Error
		}
		return pipeline.WaitForEvent
	}
	for {
		n, err := r.Resp.Body.ReadFrom(st.fd, 16<<10, h.scratch, r.Spool)
		switch {
		case n > 0 && err == nil:
			continue
		case err == unix.EAGAIN:
			if err := r.Events.WaitFD(st.fd, false); err != nil {
				return pipeline.Error
			}
			return pipeline.WaitForEvent
		case err != nil:
			return pipeline.Error
		}
		return pipeline.Finished // end of file
	}
}

func (h *streamHandler) RequestReset(r *pipeline.Request) pipeline.Result {
	if st, _ := r.Data(h.slot).(*stream); st != nil {
		r.Events.ForgetFD(st.fd)
		unix.Close(st.fd)
		close(st.done)
		r.SetData(h.slot, nil) // reset twice (a timeout, then the request's end): once is enough
		streamOpen.Add(-1)
		streamResets.Add(1)
	}
	return pipeline.GoOn
}

// backend writes pieces of size bytes ('a', 'b', …) 5 ms apart and closes
// its end; hanging, it keeps it open until the handler lets go.
func backend(fd, pieces, size int, hang bool, done chan struct{}) {
	f := newBlockingFile(fd)
	defer f.Close()
	for i := range pieces {
		if _, err := f.Write(bytes.Repeat([]byte{byte('a' + i%26)}, size)); err != nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	if hang {
		<-done
	}
}

func sscan(path string, n, size *int) (int, error) {
	var a, b int
	k, err := fmt.Sscanf(strings.TrimPrefix(path, "/stream/"), "%d/%d", &a, &b)
	*n, *size = a, b
	return k, err
}

func expectedStream(pieces, size int) []byte {
	var b []byte
	for i := range pieces {
		b = append(b, bytes.Repeat([]byte{byte('a' + i%26)}, size)...)
	}
	return b
}

// asyncConf loads the test handlers; server.stream-response-body = 1
// lets a streamed body go out as it is produced (lighttpd's default, 0,
// sends it whole: TestHandlerStreamBuffered).
const asyncConf = `server.modules = ( "mod_test_timer", "mod_test_stream" )
server.stream-response-body = 1`

// TestHandlerWaitsForTimer: a handler that waits for a timer answers
// when it fires, on a keep-alive connection that then serves its next
// request.
func TestHandlerWaitsForTimer(t *testing.T) {
	ts := startServer(t, serverOpts{conf: asyncConf, files: map[string]string{"a.txt": "static"}})
	c := ts.dial()
	br := bufio.NewReader(c)
	send(t, c, "GET /timer/one HTTP/1.1\r\nHost: t\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n")
	start := time.Now()
	r := readResponse(t, br, false)
	if r.status != 200 || string(r.body) != "timer fired for /timer/one" || r.header("Content-Length") == "" {
		t.Fatalf("timer: %d %v %q", r.status, r.headers, r.body)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("answered after %v, before the 50 ms timer", d)
	}
	if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "static" {
		t.Fatalf("pipelined request after the timer: %d %q", r.status, r.body)
	}
}

// TestHandlerStreams: a handler streams a body it reads from a socket it
// registered with the loop: chunked for HTTP/1.1 (and the connection
// kept), delimited by closing the connection for HTTP/1.0, nothing for
// HEAD; a client that reads slowly gets every byte of a body larger than
// what is held in memory.
func TestHandlerStreams(t *testing.T) {
	ts := startServer(t, serverOpts{conf: asyncConf, files: map[string]string{"a.txt": "static"}})
	before := streamResets.Load()

	c := ts.dial()
	br := bufio.NewReader(c)
	send(t, c, "GET /stream/4/1000 HTTP/1.1\r\nHost: t\r\n\r\n")
	r := reactortest.ReadResponse(t, br, false)
	if r.Status != 200 || !r.Chunked || r.Header("Content-Length") != "" ||
		!bytes.Equal(r.Body, expectedStream(4, 1000)) {
		t.Fatalf("HTTP/1.1 stream: %d %v %d bytes", r.Status, r.Headers, len(r.Body))
	}
	send(t, c, "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n")
	if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "static" {
		t.Fatalf("after a stream, same connection: %d %q", r.status, r.body)
	}

	r10 := ts.roundTrip("GET /stream/3/500 HTTP/1.0\r\n\r\n")
	if r10.status != 200 || r10.header("Connection") != "close" || r10.header("Transfer-Encoding") != "" ||
		!bytes.Equal(r10.body, expectedStream(3, 500)) {
		t.Fatalf("HTTP/1.0 stream: %d %v %d bytes", r10.status, r10.headers, len(r10.body))
	}

	c = ts.dial()
	br = bufio.NewReader(c)
	send(t, c, "HEAD /stream/2/100 HTTP/1.1\r\nHost: t\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n")
	if r := readResponse(t, br, true); r.status != 200 || r.header("Transfer-Encoding") != "chunked" {
		t.Fatalf("HEAD stream: %d %v", r.status, r.headers)
	}
	if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "static" {
		t.Fatalf("after a HEAD stream: %d %q (a HEAD body leaked?)", r.status, r.body)
	}

	// 4 MiB produced while the client does not read: the response waits
	// in a temp file rather than memory, and arrives whole.
	c = ts.dialSmallWindow(4096)
	send(t, c, "GET /stream/64/65536 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
	waitFor(t, 5*time.Second, "the body spooled to a temp file", func() bool {
		for _, target := range fdEntries(t) {
			if strings.HasPrefix(target, ts.uploads+"/") {
				return true
			}
		}
		return false
	})
	r = reactortest.ReadResponse(t, bufio.NewReader(c), false)
	if r.Status != 200 || !bytes.Equal(r.Body, expectedStream(64, 65536)) {
		t.Fatalf("slow reader: %d, %d bytes", r.Status, len(r.Body))
	}
	waitFor(t, 5*time.Second, "every stream reset", func() bool { return streamResets.Load()-before == 4 && streamOpen.Load() == 0 })
}

// TestHandlerDeadline: a handler that never answers gets its deadline:
// 504 with the error page and a reset before the head is out; after it,
// the connection closes without the last chunk, so the client can tell.
// A client that goes away while a handler waits resets it too.
func TestHandlerDeadline(t *testing.T) {
	ts := startServer(t, serverOpts{conf: asyncConf})
	before := timerResets.Load()
	r := ts.get("/stall/x")
	if r.status != 504 || !strings.Contains(string(r.body), "504 Gateway Timeout") {
		t.Fatalf("stalled handler: %d %q", r.status, r.body)
	}
	waitFor(t, 2*time.Second, "the stalled handler reset", func() bool { return timerResets.Load() == before+1 })
	if !strings.Contains(ts.logText(), "did not answer in time") {
		t.Errorf("no log line for the timeout:\n%s", ts.logText())
	}

	resets := streamResets.Load()
	c := ts.dial()
	send(t, c, "GET /stream/hang/x HTTP/1.1\r\nHost: t\r\n\r\n")
	got, err := io.ReadAll(c)
	if err != nil && !isReset(err) {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, []byte("HTTP/1.1 200 OK\r\n")) || bytes.HasSuffix(got, []byte("0\r\n\r\n")) {
		t.Fatalf("hanging stream: %q", trunc(got))
	}
	waitFor(t, 2*time.Second, "the hanging stream reset", func() bool { return streamResets.Load() == resets+1 })

	// The client leaves while the handler waits.
	c = ts.dial()
	send(t, c, "GET /stream/hang/y HTTP/1.1\r\nHost: t\r\n\r\n")
	readExactly(t, c, 17) // the status line has come
	c.Close()
	waitFor(t, 3*time.Second, "the abandoned stream reset", func() bool { return streamResets.Load() == resets+2 && streamOpen.Load() == 0 })
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne)
}

// blockingFile writes to a non-blocking socket, waiting while it is full.
type blockingFile struct {
	fd int
	mu sync.Mutex
}

func newBlockingFile(fd int) *blockingFile { return &blockingFile{fd: fd} }

func (f *blockingFile) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for n < len(p) {
		k, err := unix.Write(f.fd, p[n:])
		if err == unix.EAGAIN {
			pfd := []unix.PollFd{{Fd: int32(f.fd), Events: unix.POLLOUT}}
			unix.Poll(pfd, 1000)
			continue
		}
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

func (f *blockingFile) Close() error { return unix.Close(f.fd) }

package reactor_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// pipeliner writes requests on c until told to stop, counting the bytes
// and whole requests the kernel took (a Write returns only once all its
// bytes are in), then writes last, if any, and half-closes if asked.
type pipeliner struct {
	c          net.Conn
	batch      []byte
	perBatch   int
	last       string
	closeWrite bool
	sent       atomic.Int64
	requests   atomic.Int64 // whole requests written, last included
	stop       atomic.Bool
	done       chan error
}

// pipelineLimit stops a pipeliner that nothing stops: without
// back-pressure it would write this much.
const pipelineLimit = 1 << 30

func (p *pipeliner) start(req string, perBatch int) *pipeliner {
	p.batch, p.perBatch, p.done = []byte(strings.Repeat(req, perBatch)), perBatch, make(chan error, 1)
	go func() { p.done <- p.run() }()
	return p
}

func (p *pipeliner) run() error {
	for !p.stop.Load() && p.sent.Load() < pipelineLimit {
		if _, err := p.c.Write(p.batch); err != nil {
			return err
		}
		p.sent.Add(int64(len(p.batch)))
		p.requests.Add(int64(p.perBatch))
	}
	if p.last != "" {
		if _, err := io.WriteString(p.c, p.last); err != nil {
			return err
		}
		p.requests.Add(1)
	}
	if p.closeWrite {
		return p.c.(*net.TCPConn).CloseWrite()
	}
	return nil
}

// stalled waits until the pipeliner's writes block (no progress for
// quiet), failing once it has sent more than max bytes or d has passed.
func (p *pipeliner) stalled(t *testing.T, quiet, d time.Duration, max int64) {
	t.Helper()
	deadline := time.Now().Add(d)
	last, since := p.sent.Load(), time.Now()
	for time.Since(since) < quiet {
		time.Sleep(10 * time.Millisecond)
		if n := p.sent.Load(); n != last {
			last, since = n, time.Now()
		}
		if last > max {
			t.Fatalf("the server took %d MiB of requests from a client that does not read; want at most %d MiB", last>>20, max>>20)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the client's writes did not stall within %v (%d MiB sent)", d, last>>20)
		}
	}
}

// padded is a request for path with a header that makes it 2 KiB, so the
// few MiB of socket buffers that stall a client hold a few thousand
// requests, within server.max-keep-alive-requests.
func padded(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("p", 2000) + "\r\n\r\n"
}

// keepAliveConf lets one connection carry every request a stalled
// client can have sent (lighttpd's default is 1000).
const keepAliveConf = "server.max-keep-alive-requests = 65535"

// readUntilClose reads responses until one says Connection: close, checking
// each with check, and then EOF; it returns how many it read.
func readUntilClose(t *testing.T, c net.Conn, br *bufio.Reader, check func(i int64, r *response)) int64 {
	t.Helper()
	n := int64(0)
	for {
		r := readResponse(t, br, false)
		check(n, r)
		n++
		if r.header("Connection") == "close" {
			expectEOF(t, c, br, 5*time.Second)
			return n
		}
	}
}

// TestNonReadingPipeliner: a client asks for a large file, never reads,
// and keeps pipelining requests. gnet would read and buffer all of it;
// featherd stops reading once a connection holds more than a little input,
// as lighttpd stops polling for it while it writes, so the client's writes
// stall at the kernel's buffers and the server's memory does not grow.
// Nothing is lost: when the client reads at last, every request it managed
// to send is answered, in order, in full.
func TestNonReadingPipeliner(t *testing.T) {
	// Larger than what the socket buffers between server and client hold,
	// so the server meets EAGAIN.
	const big = 16 << 20
	ts := startServer(t, serverOpts{conf: keepAliveConf, files: map[string]string{
		"big.bin":   string(pattern(7, big)),
		"mid.bin":   string(pattern(9, 64<<10)),
		"small.txt": "small",
	}})
	cases := []struct {
		name, first, next string
		status            int
		body              string
	}{
		{"large file then small ones", "/big.bin", "/small.txt", 200, "small"},
		{"large file then 404s", "/big.bin", "/missing", 404, ""},
		{"large file then medium ones", "/big.bin", "/mid.bin", 200, string(pattern(9, 64<<10))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := rssKiB(t)
			c := ts.dialSmallWindow(64 << 10)
			c.SetDeadline(time.Now().Add(60 * time.Second))
			send(t, c, "GET "+tc.first+" HTTP/1.1\r\nHost: x\r\n\r\n")
			p := (&pipeliner{c: c, last: "GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}).
				start(padded(tc.next), 64)
			// Loopback's socket buffers hold a few MiB in each direction.
			p.stalled(t, 300*time.Millisecond, 10*time.Second, 32<<20)
			if grew := rssKiB(t) - before; grew > 32<<10 {
				t.Errorf("resident memory grew by %d MiB while the client did not read", grew>>10)
			}
			p.stop.Store(true)

			br := bufio.NewReaderSize(c, 64<<10)
			if r := readResponse(t, br, false); r.status != 200 || !bytes.Equal(r.body, pattern(7, big)) {
				t.Fatalf("first response: %d, %d bytes", r.status, len(r.body))
			}
			// Reading lets the server go on, which lets the writer's blocked
			// Write finish and the last request go.
			read := readUntilClose(t, c, br, func(i int64, r *response) {
				if r.header("Connection") == "close" {
					if r.status != 200 || string(r.body) != "small" {
						t.Fatalf("last response: %d %q", r.status, trunc(r.body))
					}
				} else if r.status != tc.status || (tc.body != "" && string(r.body) != tc.body) {
					t.Fatalf("response %d: %d %q", i, r.status, trunc(r.body))
				}
			})
			if err := <-p.done; err != nil {
				t.Fatalf("writing requests: %v", err)
			}
			if read != p.requests.Load() {
				t.Fatalf("%d responses to %d requests", read, p.requests.Load())
			}
			t.Logf("%d requests (%d KiB) pipelined before the client's writes stalled", read, p.sent.Load()>>10)
			c.Close()
		})
	}
	ts.waitConnections(0)
	if l := ts.logText(); l != "" {
		t.Errorf("server logged: %s", l)
	}
}

// TestNonReadingPipelinerEnds: a connection that stopped being read ends
// as any other does: the client half-closes and gets every response; the
// client resets and the connection is released; the server closes after
// Connection: close and lingers, reading what the client still sends.
func TestNonReadingPipelinerEnds(t *testing.T) {
	t.Parallel()
	const big = 16 << 20
	ts := startServer(t, serverOpts{conf: keepAliveConf, files: map[string]string{"small.txt": "small"},
		setup: func(t testing.TB, root string) { sparse(t, filepath.Join(root, "big.bin"), big) }})
	first, next := "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n", padded("/small.txt")
	t.Run("half-close", func(t *testing.T) {
		c := ts.dialSmallWindow(64 << 10)
		send(t, c, first)
		p := (&pipeliner{c: c, closeWrite: true}).start(next, 64)
		p.stalled(t, 300*time.Millisecond, 10*time.Second, 32<<20)
		p.stop.Store(true)
		br := bufio.NewReaderSize(c, 64<<10)
		if r := readResponse(t, br, false); r.status != 200 || len(r.body) != big {
			t.Fatalf("first response: %d, %d bytes", r.status, len(r.body))
		}
		read := int64(0)
		for {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := br.Peek(1); err != nil {
				break // EOF: the server closed after the last response
			}
			if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "small" {
				t.Fatalf("response %d: %d", read, r.status)
			}
			read++
		}
		if err := <-p.done; err != nil {
			t.Fatal(err)
		}
		if read != p.requests.Load() {
			t.Fatalf("%d responses to %d requests", read, p.requests.Load())
		}
	})
	t.Run("reset", func(t *testing.T) {
		c := ts.dialSmallWindow(64 << 10)
		send(t, c, first)
		p := (&pipeliner{c: c}).start(next, 64)
		p.stalled(t, 300*time.Millisecond, 10*time.Second, 32<<20)
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
		<-p.done
		waitFor(t, 5*time.Second, "the connection to be released", func() bool { return ts.srv.Connections() == 0 })
	})
	t.Run("Connection: close, then more", func(t *testing.T) {
		c := ts.dialSmallWindow(64 << 10)
		send(t, c, "GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		// What follows the last request is never answered: once the
		// response is out the server reads it only to linger, and takes
		// all of it.
		p := (&pipeliner{c: c}).start(next, 64)
		br := bufio.NewReaderSize(c, 64<<10)
		if r := readResponse(t, br, false); r.status != 200 || len(r.body) != big || r.header("Connection") != "close" {
			t.Fatalf("response: %d, %d bytes, Connection %q", r.status, len(r.body), r.header("Connection"))
		}
		expectEOF(t, c, br, 5*time.Second)
		sent := p.sent.Load()
		waitFor(t, 4*time.Second, "the lingering server to read what the client sends", func() bool {
			return p.sent.Load() > sent+8<<20
		})
		p.stop.Store(true)
		<-p.done
		c.Close()
	})
	ts.waitConnections(0)
	if l := ts.logText(); l != "" {
		t.Errorf("server logged: %s", l)
	}
}

// TestThrottledPipeliner: a rate-limited response is the slowest output
// of all; a client that pipelines behind it, reading as fast as it is
// sent, is stopped the same way.
func TestThrottledPipeliner(t *testing.T) {
	t.Parallel()
	const size = 128 << 10
	ts := startServer(t, serverOpts{
		conf:  "connection.kbytes-per-second = 64\n" + keepAliveConf,
		files: map[string]string{"f.bin": string(pattern(1, size)), "small.txt": "small"},
	})
	c := ts.dial()
	send(t, c, "GET /f.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	p := (&pipeliner{c: c}).start(padded("/small.txt"), 64)
	got := make(chan []byte, 1)
	go func() {
		// Not readResponse: t.Fatal belongs to the test's goroutine.
		b := make([]byte, 0, size+1024)
		buf := make([]byte, 16<<10)
		for len(b) < size {
			n, err := c.Read(buf)
			b = append(b, buf[:n]...)
			if err != nil {
				break
			}
		}
		got <- b
	}()
	p.stalled(t, 300*time.Millisecond, 10*time.Second, 32<<20)
	if b := <-got; !bytes.Contains(b, pattern(1, size)[size-4096:]) {
		t.Fatalf("throttled response incomplete: %d bytes", len(b))
	}
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	<-p.done
	ts.waitConnections(0)
}

// TestNonReadingUploaderShares: a connection that stopped being read goes
// on to a request body that its client sends faster than it can be
// stored (chunks of one byte, each a write to the temp file). Reading it
// must not keep the event loop from the loop's other connections, as
// gnet, which reads a socket once a turn, would not: they are answered
// at once while the body keeps coming.
func TestNonReadingUploaderShares(t *testing.T) {
	t.Parallel()
	const big = 16 << 20
	ts := startServer(t, serverOpts{files: map[string]string{"small.txt": "small"},
		setup: func(t testing.TB, root string) { sparse(t, filepath.Join(root, "big.bin"), big) }})
	c := ts.dialSmallWindow(64 << 10)
	c.SetDeadline(time.Now().Add(60 * time.Second))
	send(t, c, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nPOST /small.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	p := (&pipeliner{c: c}).start("1\r\nx\r\n", 64<<10)
	p.stalled(t, 300*time.Millisecond, 10*time.Second, 32<<20)
	// The client reads the large response at last: the server goes on to
	// the body.
	read := make(chan error, 1)
	go func() {
		// Not readResponse: t.Fatal belongs to the test's goroutine.
		br := bufio.NewReaderSize(c, 64<<10)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				read <- err
				return
			}
			if line == "\r\n" {
				break
			}
		}
		_, err := io.CopyN(io.Discard, br, big)
		read <- err
	}()
	if err := <-read; err != nil {
		t.Fatalf("reading the large response: %v", err)
	}
	sent := p.sent.Load()
	waitFor(t, 10*time.Second, "the server to read the body", func() bool { return p.sent.Load() > sent+1<<20 })
	// The server's loops take turns at new connections: some of these
	// are on the uploader's loop.
	for i := range 4 {
		d := ts.dial()
		send(t, d, "GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		d.SetReadDeadline(time.Now().Add(3 * time.Second))
		if r := readResponse(t, bufio.NewReader(d), false); r.status != 200 || string(r.body) != "small" {
			t.Fatalf("request %d while the body arrives: %d %q", i, r.status, trunc(r.body))
		}
		d.Close()
	}
	p.stop.Store(true)
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	<-p.done
	ts.waitConnections(0)
}

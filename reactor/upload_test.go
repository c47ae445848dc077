package reactor_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// uploadFds returns the descriptors of this process that point into the
// server's upload directory: temp files are unlinked as soon as they are
// created, so a leaked one shows only here, as "… (deleted)".
func (ts *testServer) uploadFds(t testing.TB) []string {
	var out []string
	for _, target := range fdEntries(t) {
		if strings.HasPrefix(target, ts.uploads+"/") {
			out = append(out, target)
		}
	}
	return out
}

// expectUploadsClean waits until the upload directory is empty and no
// descriptor points into it.
func (ts *testServer) expectUploadsClean(t testing.TB) {
	t.Helper()
	waitFor(t, 5*time.Second, "temp files to be released", func() bool {
		des, err := os.ReadDir(ts.uploads)
		if err != nil {
			t.Fatal(err)
		}
		return len(des) == 0 && len(ts.uploadFds(t)) == 0
	})
}

// TestUpload: request bodies of 1 MiB, with Content-Length and chunked,
// are read in full (spooled to server.upload-dirs past 64 KiB, §1.7) and
// a static file answers the POST like a GET (§8.2).
func TestUpload(t *testing.T) {
	const size = 1 << 20
	payload := string(pattern(9, size))
	ts := startServer(t, serverOpts{files: map[string]string{"f.txt": "hello"}})

	chunked := func(sizes ...int) string {
		var b strings.Builder
		off := 0
		for i := 0; off < size; i++ {
			n := min(sizes[i%len(sizes)], size-off)
			fmt.Fprintf(&b, "%x\r\n%s\r\n", n, payload[off:off+n])
			off += n
		}
		b.WriteString("0\r\n\r\n")
		return b.String()
	}
	cases := []struct {
		name, head, body string
	}{
		{"Content-Length", fmt.Sprintf("POST /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size), payload},
		{"chunked", "POST /f.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", chunked(65536, 1, 4095, 100000)},
		{"chunked with extension and trailer", "POST /f.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
			chunkedWithTrailer(payload)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial()
			br := bufio.NewReader(c)
			errc := make(chan error, 1)
			go func() { // the server may answer while we are still writing
				_, err := io.WriteString(c, tc.head+tc.body)
				errc <- err
			}()
			r := readResponse(t, br, false)
			if err := <-errc; err != nil {
				t.Fatalf("upload: %v", err)
			}
			if r.status != 200 || string(r.body) != "hello" {
				t.Fatalf("%d %q", r.status, trunc(r.body))
			}
			if r.header("Connection") != "close" {
				// The whole body was read, so the connection goes on.
				send(t, c, "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n")
				if r := readResponse(t, br, false); r.status != 200 {
					t.Fatalf("after the upload: %d", r.status)
				}
			}
			ts.expectUploadsClean(t)
		})
	}
}

// chunkedWithTrailer encodes p in 256 KiB chunks with a chunk extension
// and a trailer field.
func chunkedWithTrailer(p string) string {
	var b strings.Builder
	for off := 0; off < len(p); off += 256 << 10 {
		n := min(256<<10, len(p)-off)
		fmt.Fprintf(&b, "%x;name=value\r\n%s\r\n", n, p[off:off+n])
	}
	b.WriteString("0\r\nX-Trailer: yes\r\n\r\n")
	return b.String()
}

// TestExpectContinue: an HTTP/1.1 client that waits for "100 Continue"
// gets it before it sends its body; an HTTP/1.0 one does not (§1.7).
func TestExpectContinue(t *testing.T) {
	const size = 1 << 20
	payload := pattern(4, size)
	ts := startServer(t, serverOpts{files: map[string]string{"f.txt": "hello"}})

	t.Run("HTTP/1.1", func(t *testing.T) {
		c := ts.dial()
		br := bufio.NewReader(c)
		send(t, c, fmt.Sprintf("POST /f.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", size))
		want := "HTTP/1.1 100 Continue\r\n\r\n"
		if got := readExactly(t, br, len(want)); string(got) != want {
			t.Fatalf("interim response %q, want %q", got, want)
		}
		go c.Write(payload)
		if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "hello" {
			t.Fatalf("final response: %d %q", r.status, r.body)
		}
		ts.expectUploadsClean(t)
	})
	t.Run("HTTP/1.1 body already sent", func(t *testing.T) {
		// No 100 once body bytes have arrived: the final response is the
		// first thing on the wire.
		c := ts.dial()
		br := bufio.NewReader(c)
		send(t, c, "POST /f.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello")
		r := readResponse(t, br, false)
		if r.status != 200 {
			t.Fatalf("first response %d, want 200 without an interim 100", r.status)
		}
	})
	t.Run("HTTP/1.0", func(t *testing.T) {
		c := ts.dial()
		br := bufio.NewReader(c)
		send(t, c, "POST /f.txt HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
		// The server waits for the body and must not have sent a 100.
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if b, err := br.Peek(1); err == nil {
			t.Fatalf("HTTP/1.0 client got %q before sending its body", b)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		send(t, c, "hello")
		if r := readResponse(t, br, false); r.status != 200 || r.proto != "HTTP/1.0" {
			t.Fatalf("%s %d", r.proto, r.status)
		}
	})
}

// TestMaxRequestSize: server.max-request-size is checked after the
// config conditions apply (http_response_config, §1.6), so a block can
// set it per URL; a refused body gets no "100 Continue" and is never
// read.
func TestMaxRequestSize(t *testing.T) {
	ts := startServer(t, serverOpts{
		conf:  `$HTTP["url"] =~ "^/small/" { server.max-request-size = 1 }`,
		files: map[string]string{"f.txt": "hello", "small/f.txt": "small"},
	})
	cases := []struct {
		name, req string
		status    int
	}{
		{"outside the block", "POST /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n" + strings.Repeat("x", 2048), 200},
		{"inside the block", "POST /small/f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n", 413},
		{"inside the block, Expect", "POST /small/f.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2048\r\n\r\n", 413},
		{"inside the block, at the limit", "POST /small/f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + strings.Repeat("x", 1024), 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.roundTrip(tc.req)
			if r.status != tc.status {
				t.Fatalf("%d, want %d (a 100 Continue here would be read as the status)", r.status, tc.status)
			}
			if tc.status == 413 && r.header("Connection") != "close" {
				t.Errorf("413 without Connection: close")
			}
		})
	}
}

// TestUploadAborted: a client that disconnects halfway through a 1 MiB
// upload leaves no temp file in server.upload-dirs and no descriptor
// open.
func TestUploadAborted(t *testing.T) {
	const size = 1 << 20
	payload := pattern(5, size/2)
	ts := startServer(t, serverOpts{files: map[string]string{"f.txt": "hello"}})
	// Warm up: both event loops exist (each has an epoll and an eventfd
	// of its own) and f.txt is in their stat caches, so the baseline
	// holds every long-lived descriptor.
	for i := 0; i < 4; i++ {
		c := ts.dial()
		send(t, c, "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n")
		readResponse(t, bufio.NewReader(c), false)
		c.Close()
	}
	ts.waitConnections(0)
	before := fdEntries(t)

	for _, chunked := range []bool{false, true} {
		c := ts.dial()
		if chunked {
			send(t, c, "POST /f.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
			send(t, c, fmt.Sprintf("%x\r\n", size))
		} else {
			send(t, c, fmt.Sprintf("POST /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size))
		}
		if _, err := c.Write(payload); err != nil {
			t.Fatal(err)
		}
		// Wait until the server has spooled part of it to disk, so the
		// abort has a temp file to clean up.
		waitFor(t, 5*time.Second, "the body to reach a temp file", func() bool { return len(ts.uploadFds(t)) > 0 })
		c.Close()
		ts.waitConnections(0)
		ts.expectUploadsClean(t)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(fdEntries(t)) > len(before) {
		if time.Now().After(deadline) {
			for fd, target := range fdEntries(t) {
				if before[fd] != target {
					t.Errorf("fd %d → %s was not open before the aborted uploads", fd, target)
				}
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestUploadOneTempFile: a body of 8 MiB goes to one temp file, however
// small server.upload-temp-file-size is (featherd used to start a file,
// and hold its descriptor, every 64 KiB here: 128 of them), and the file
// holds the body's bytes after the part kept in memory.
func TestUploadOneTempFile(t *testing.T) {
	const size = 8 << 20
	payload := make([]byte, size)
	rand.NewChaCha8([32]byte{7}).Read(payload) // no period: a shifted body does not compare equal
	ts := startServer(t, serverOpts{conf: "server.upload-temp-file-size = 65536", files: map[string]string{"f.txt": "hello"}})
	c := ts.dial()
	br := bufio.NewReader(c)
	send(t, c, fmt.Sprintf("POST /f.txt HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size))
	// All but the last byte: the server holds the body until it comes.
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(payload[:size-1])
		errc <- err
	}()
	waitFor(t, 20*time.Second, "the body in one temp file", func() bool {
		var files []int
		for fd, target := range fdEntries(t) {
			if strings.HasPrefix(target, ts.uploads+"/") {
				files = append(files, fd)
			}
		}
		switch {
		case len(files) > 1:
			t.Fatalf("%d temp files open for one body; want one", len(files))
		case len(files) == 0:
			return false
		}
		// The file is complete when it and at most 64 KiB in memory make
		// up what was sent, and then it holds the end of it.
		got, err := os.ReadFile("/proc/self/fd/" + strconv.Itoa(files[0]))
		if err != nil {
			return false // closed meanwhile; the next look says why
		}
		inMemory := size - 1 - len(got)
		return inMemory >= 0 && inMemory <= 64<<10 && bytes.Equal(got, payload[inMemory:size-1])
	})
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	send(t, c, string(payload[size-1:]))
	if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "hello" {
		t.Fatalf("%d %q", r.status, trunc(r.body))
	}
	ts.expectUploadsClean(t)
}

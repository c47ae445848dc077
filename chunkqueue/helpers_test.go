package chunkqueue

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 10 * time.Second

// pattern returns n bytes that differ from position to position and from
// seed to seed, so a lost, doubled or reordered byte shows.
func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7+i>>8+i>>16) ^ seed
	}
	return p
}

// sockPair is a connected pair of sockets: w is non-blocking, for the
// Writer; r is blocking with a receive timeout, for a reader goroutine.
type sockPair struct {
	name string
	w, r int
}

// pairOpts tunes a pair: a small send buffer forces partial writes.
type pairOpts struct {
	sndbuf int
}

func unixPair(t testing.TB, o pairOpts) *sockPair {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	return setupPair(t, &sockPair{"unix", fds[0], fds[1]}, o)
}

func tcpPair(t testing.TB, o pairOpts) *sockPair {
	t.Helper()
	ln, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	defer unix.Close(ln)
	if err := unix.Bind(ln, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	if err := unix.Listen(ln, 1); err != nil {
		t.Fatalf("listen: %v", err)
	}
	sa, err := unix.Getsockname(ln)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	cli, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	if err := unix.Connect(cli, sa); err != nil {
		t.Fatalf("connect: %v", err)
	}
	srv, _, err := unix.Accept4(ln, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	unix.SetsockoptInt(srv, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1) // as lighttpd sets it
	return setupPair(t, &sockPair{"tcp", srv, cli}, o)
}

func setupPair(t testing.TB, p *sockPair, o pairOpts) *sockPair {
	t.Helper()
	if o.sndbuf > 0 {
		if err := unix.SetsockoptInt(p.w, unix.SOL_SOCKET, unix.SO_SNDBUF, o.sndbuf); err != nil {
			t.Fatalf("SO_SNDBUF: %v", err)
		}
	}
	if err := unix.SetNonblock(p.r, false); err != nil {
		t.Fatal(err)
	}
	tv := unix.NsecToTimeval(testTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(p.r, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	// The writer's end first, so a reader still blocked sees EOF.
	t.Cleanup(func() {
		p.closeWriter()
		p.closeReader()
	})
	return p
}

// closeWriter closes the writing end once, so the reader sees EOF.
func (p *sockPair) closeWriter() {
	if p.w >= 0 {
		unix.Close(p.w)
		p.w = -1
	}
}

// closeReader closes the reading end once; a test that closes it early
// must not have cleanup close a descriptor number reused since.
func (p *sockPair) closeReader() {
	if p.r >= 0 {
		unix.Close(p.r)
		p.r = -1
	}
}

// readerOpts makes a reader slow: small reads with a pause after each.
type readerOpts struct {
	bufSize int
	pause   time.Duration
	discard bool // count the bytes, keep none
}

type readResult struct {
	data []byte
	n    int64
	err  error
}

// startReader reads fd until want bytes arrived (or EOF, or an error) and
// delivers them on the returned channel.
func startReader(fd int, want int64, o readerOpts) <-chan readResult {
	if o.bufSize == 0 {
		o.bufSize = 64 << 10
	}
	ch := make(chan readResult, 1)
	go func() {
		var res readResult
		buf := make([]byte, o.bufSize)
		for res.n < want {
			n, err := unix.Read(fd, buf)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				res.err = err
				break
			}
			if n == 0 {
				break
			}
			res.n += int64(n)
			if !o.discard {
				res.data = append(res.data, buf[:n]...)
			}
			if o.pause > 0 {
				time.Sleep(o.pause)
			}
		}
		ch <- res
	}()
	return ch
}

func waitReader(t testing.TB, ch <-chan readResult) readResult {
	t.Helper()
	select {
	case res := <-ch:
		if res.err != nil {
			t.Fatalf("reader: %v", res.err)
		}
		return res
	case <-time.After(testTimeout):
		t.Fatal("reader did not finish in time")
	}
	panic("unreachable")
}

// writeAll writes q to fd until it is empty, at most max bytes per call,
// waiting for writability as a reactor would. It returns how often the
// socket would have blocked.
func writeAll(t testing.TB, w *Writer, fd int, q *Queue, max int64) (agains int) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for q.Len() > 0 {
		before := q.Len()
		n, err := w.WriteTo(fd, q, max)
		if got := before - q.Len(); got != n {
			t.Fatalf("WriteTo returned %d, queue shrank by %d", n, got)
		}
		if n > max {
			t.Fatalf("WriteTo wrote %d > max %d", n, max)
		}
		switch err {
		case nil:
		case ErrAgain:
			agains++
			waitWritable(t, fd, deadline)
		default:
			t.Fatalf("WriteTo: %v", err)
		}
	}
	return agains
}

func waitWritable(t testing.TB, fd int, deadline time.Time) {
	t.Helper()
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		n, err := unix.Poll(pfd, 100)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("socket did not become writable in time")
		}
	}
}

// tempFile makes a file holding data and returns it open as a File (one
// reference, released at cleanup unless the test releases it).
func tempFile(t testing.TB, data []byte) *File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return openFile(t, name)
}

func openFile(t testing.TB, name string) *File {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	return NewFile(f)
}

// openFds lists the process's open descriptors and what they point at.
func openFds(t testing.TB) map[int]string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	fds := make(map[int]string, len(ents))
	for _, e := range ents {
		fd, _ := strconv.Atoi(e.Name())
		link, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue // the directory's own descriptor, closed by now
		}
		fds[fd] = link
	}
	return fds
}

// fdsUnder counts open descriptors on files in dir (deleted or not).
func fdsUnder(t testing.TB, dir string) int {
	n := 0
	for _, link := range openFds(t) {
		if strings.HasPrefix(link, dir+"/") {
			n++
		}
	}
	return n
}

// checkNoLeak fails if descriptors opened since before are still open.
func checkNoLeak(t testing.TB, before map[int]string) {
	t.Helper()
	var leaked []string
	for fd, link := range openFds(t) {
		if _, ok := before[fd]; !ok {
			leaked = append(leaked, fmt.Sprintf("%d -> %s", fd, link))
		}
	}
	if len(leaked) > 0 {
		t.Errorf("descriptors leaked: %v", leaked)
	}
}

func dirEmpty(t testing.TB, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) > 0 {
		t.Fatalf("%s holds %d entries, first %q; temp files must never have a name", dir, len(ents), ents[0].Name())
	}
}

func sameBytes(t testing.TB, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Fatalf("got %d bytes, want %d; first difference at byte %d", len(got), len(want), i)
}

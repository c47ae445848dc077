package reactor_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pattern returns n bytes that differ per seed and per position, so a
// body that is shifted, truncated or taken from the wrong file does not
// compare equal.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte((i/7+int(seed))%26)
	}
	return b
}

// rangeBody is the 1000-byte file the range tests slice: position i holds
// a digit of i, so every slice is recognisable.
func rangeBody() string {
	var sb strings.Builder
	for i := 0; sb.Len() < 1000; i++ {
		sb.WriteString(strconv.Itoa(i % 10))
	}
	return sb.String()
}

// sparse creates a file of size bytes that occupies no disk blocks.
func sparse(t testing.TB, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

// dialSmallWindow dials with a receive buffer set before connect, so the
// kernel advertises a small window and a client that does not read stalls
// the server's writes quickly (SO_RCVBUF also turns off autotuning).
func (ts *testServer) dialSmallWindow(rcvbuf int) net.Conn {
	ts.t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, rcvbuf)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.DialContext(context.Background(), ts.network, ts.addr)
	if err != nil {
		ts.t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	ts.t.Cleanup(func() { c.Close() })
	return c
}

// send writes raw to c, failing the test on error.
func send(t testing.TB, c net.Conn, raw string) {
	t.Helper()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// waitFor polls cond every 5 ms until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// closedWithin reports how long the server took to close c, reading and
// counting whatever arrives first; it fails the test if c is still open
// after d.
func closedWithin(t testing.TB, c net.Conn, d time.Duration) (time.Duration, int) {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(d))
	buf := make([]byte, 32<<10)
	got := 0
	for {
		n, err := c.Read(buf)
		got += n
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("connection still open after %v (%d bytes read)", d, got)
		}
		return time.Since(start), got // EOF or reset: closed
	}
}

// fdEntries lists this process's open descriptors with their link
// targets. The server runs in this process, so its sockets, temp files
// and cached file descriptors are all here.
func fdEntries(t testing.TB) map[int]string {
	t.Helper()
	des, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	m := make(map[int]string, len(des))
	for _, de := range des {
		fd, err := strconv.Atoi(de.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink(filepath.Join("/proc/self/fd", de.Name()))
		if err != nil {
			continue // closed while listing (ReadDir's own fd)
		}
		m[fd] = target
	}
	return m
}

// rssKiB returns this process's resident set size (VmRSS) in KiB.
func rssKiB(t testing.TB) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", v, err)
			}
			return n
		}
	}
	t.Skip("no VmRSS in /proc/self/status")
	return 0
}

// serverSideFd finds the server's end of client connection c among this
// process's descriptors: the TCP socket whose local address is c's remote
// and whose peer is c's local address. It is only read (getsockopt), to
// observe socket options the server sets; -1 if not found.
func serverSideFd(t testing.TB, c net.Conn) int {
	t.Helper()
	local := c.LocalAddr().(*net.TCPAddr)
	remote := c.RemoteAddr().(*net.TCPAddr)
	for fd, target := range fdEntries(t) {
		if !strings.HasPrefix(target, "socket:") {
			continue
		}
		sa, err := unix.Getsockname(fd)
		if err != nil {
			continue
		}
		pa, err := unix.Getpeername(fd)
		if err != nil {
			continue
		}
		if sameAddr(sa, remote) && sameAddr(pa, local) {
			return fd
		}
	}
	return -1
}

func sameAddr(sa unix.Sockaddr, a *net.TCPAddr) bool {
	switch s := sa.(type) {
	case *unix.SockaddrInet4:
		return s.Port == a.Port && net.IP(s.Addr[:]).Equal(a.IP)
	case *unix.SockaddrInet6:
		return s.Port == a.Port && net.IP(s.Addr[:]).Equal(a.IP)
	}
	return false
}

// readExactly reads n bytes or fails.
func readExactly(t testing.TB, r io.Reader, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatalf("reading %d bytes: %v", n, err)
	}
	return b
}

// expectEOF checks that nothing but EOF (or a reset) follows on br.
func expectEOF(t testing.TB, c net.Conn, br *bufio.Reader, d time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	rest, err := io.ReadAll(br)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection still open after %v", d)
	}
	if len(rest) > 0 {
		t.Fatalf("%d unexpected bytes before EOF: %q", len(rest), trunc(rest))
	}
}

func trunc(b []byte) []byte {
	if len(b) > 200 {
		return append(bytes.Clone(b[:200]), "…"...)
	}
	return b
}

package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNonReadingClientMemory: a client asks for a large file, never reads,
// and pipelines up to 1 GiB of requests behind it. The generation serving
// it stops reading once the connection holds a little input, so the
// client's writes stall at the kernel's buffers and the generation's
// resident memory stays within a few MiB of what it was idle, and no more
// after the client has gone.
func TestNonReadingClientMemory(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "www")
	os.Mkdir(root, 0o755)
	writeFile(t, root, "index.html", "idle")
	if err := os.Truncate(writeFile(t, root, "big.bin", ""), 256<<20); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	conf := writeFile(t, dir, "featherd.conf", fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.max-worker = 1
`, root, port))
	p := featherdProcess(t, "-D", "-f", conf)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	expectBody(t, p, port, "idle")
	gen := servingPidOf(t, p, 1)
	idle := vmRSS(t, gen)

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(64 << 10)
	reqs := []byte(strings.Repeat("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n", 1024))
	var sent int64
	// Without back-pressure the client sends its 1 GiB; with it, its
	// writes stall for good after a few MiB.
	deadline := time.Now().Add(20 * time.Second)
	for sent < 1<<30 && time.Now().Before(deadline) {
		c.SetWriteDeadline(time.Now().Add(time.Second))
		n, err := c.Write(reqs)
		sent += int64(n)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				break // stalled: nothing went for a second
			}
			t.Fatalf("writing requests: %v", err)
		}
	}
	busy := vmRSS(t, gen)
	c.Close()
	t.Logf("sent %d MiB; generation resident: idle %d KiB, under the client %d KiB", sent>>20, idle, busy)
	if sent >= 64<<20 {
		t.Errorf("the generation took %d MiB of requests from a client that does not read", sent>>20)
	}
	if busy-idle > 8<<10 {
		t.Errorf("the generation's resident memory grew by %d KiB under a client that does not read", busy-idle)
	}
	// The connection's memory goes back when it closes: the generation
	// is no larger than it was.
	time.Sleep(200 * time.Millisecond)
	if after := vmRSS(t, gen); after-idle > 8<<10 {
		t.Errorf("the generation's resident memory is %d KiB above idle after the client closed", after-idle)
	}
}

// vmRSS reads a process's resident set size in KiB.
func vmRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

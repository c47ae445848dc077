package staticfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/chunkqueue"
	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline/pipelinetest"
)

// docRoot writes n files f0.bin … of size bytes each, distinct, and
// returns the directory and the configuration serving it.
func docRoot(t *testing.T, n, size int) (string, string) {
	t.Helper()
	root := t.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("f%d.bin", i)), body(i, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, fmt.Sprintf("server.document-root = %q\n", root)
}

func body(i, size int) []byte {
	return bytes.Repeat([]byte{byte('a' + i%26)}, size)
}

// get answers GET path through the loop's pipeline and returns the
// response; its body holds a reference to the file until w.Reset.
func get(t *testing.T, l *pipelinetest.Loop, path string) *http.Response {
	t.Helper()
	return &l.Get(path).Resp
}

// bodyOf drains w's body through a socket pair and returns it.
func bodyOf(t *testing.T, w *http.Response) []byte {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_SNDBUF, 1<<20)
	wr := chunkqueue.NewWriter("writev")
	var out []byte
	buf := make([]byte, 64<<10)
	for w.Body.Len() > 0 {
		if _, err := wr.WriteTurn(fds[0], false, &w.Body, nil, 1<<20); err != nil && err != chunkqueue.ErrAgain {
			t.Fatal(err)
		}
		n, err := unix.Read(fds[1], buf)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, buf[:n]...)
	}
	return out
}

// openUnder lists the files under dir this process has open, by name.
func openUnder(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	var names []string
	for _, de := range des {
		target, err := os.Readlink("/proc/self/fd/" + de.Name())
		if err == nil && strings.HasPrefix(target, dir+"/") {
			names = append(names, strings.TrimPrefix(target, dir+"/"))
		}
	}
	slices.Sort(names)
	return names
}

// TestOpenFilesBounded: the stat cache keeps at most LimitOpenFiles
// files open, closing the least recently used; a response still sending
// a file keeps it open until it is done; a small file served from memory
// holds no descriptor.
func TestOpenFilesBounded(t *testing.T) {
	const size = 20 << 10 // above smallFile: sent from the file
	root, conf := docRoot(t, 8, size)
	h := pipelinetest.New(t, conf)
	h.Pipe.LimitOpenFiles(3)
	serve := func(i int) {
		t.Helper()
		w := get(t, h, fmt.Sprintf("/f%d.bin", i))
		if w.Status != 200 || !bytes.Equal(bodyOf(t, w), body(i, size)) {
			t.Fatalf("f%d.bin: %d", i, w.Status)
		}
		w.Reset()
	}
	expectOpen := func(want ...string) {
		t.Helper()
		if got := openUnder(t, root); !slices.Equal(got, want) {
			t.Fatalf("open files %q, want %q", got, want)
		}
	}

	serve(0)
	serve(1)
	serve(2)
	expectOpen("f0.bin", "f1.bin", "f2.bin")
	serve(0) // now f1 is the least recently used
	serve(3)
	expectOpen("f0.bin", "f2.bin", "f3.bin")
	for i := range 8 {
		serve(i)
		if n := len(openUnder(t, root)); n > 3 {
			t.Fatalf("%d files open, more than the limit of 3", n)
		}
	}

	// A response in flight (its body on a connection's output queue)
	// keeps its file when the cache lets it go.
	inFlight := &http.Response{}
	inFlight.Body.Take(&get(t, h, "/f0.bin").Body)
	serve(5)
	serve(6)
	serve(7)
	expectOpen("f0.bin", "f5.bin", "f6.bin", "f7.bin")
	if !bytes.Equal(bodyOf(t, inFlight), body(0, size)) {
		t.Fatal("f0.bin sent wrong after the cache closed it")
	}
	inFlight.Body.Reset()
	expectOpen("f5.bin", "f6.bin", "f7.bin")

	// A small file's bytes are kept, not its descriptor: served again,
	// it is not opened again either.
	if err := os.WriteFile(filepath.Join(root, "small.txt"), []byte("small"), 0o644); err != nil {
		t.Fatal(err)
	}
	var after []string
	for range 2 {
		w := get(t, h, "/small.txt")
		if w.Status != 200 || string(bodyOf(t, w)) != "small" {
			t.Fatalf("small.txt: %d", w.Status)
		}
		w.Reset()
		if after == nil {
			after = openUnder(t, root) // opening it let go of f5.bin
		}
		expectOpen(after...)
	}
	if slices.Contains(after, "small.txt") {
		t.Fatalf("small.txt still open: %q", after)
	}
	// Asked for where symbolic links are not followed, it is opened with
	// O_NOFOLLOW to check that it is not one, and not kept open either.
	h.Override = func(o *config.Options) { o.FollowSymlink = false }
	w := get(t, h, "/small.txt")
	if w.Status != 200 || string(bodyOf(t, w)) != "small" {
		t.Fatalf("small.txt without following links: %d", w.Status)
	}
	w.Reset()
	if got := openUnder(t, root); slices.Contains(got, "small.txt") {
		t.Fatalf("small.txt kept open once checked with O_NOFOLLOW: %q", got)
	}
}

// fillFDs lowers this process's soft RLIMIT_NOFILE to a little above
// what it has open and takes every descriptor left, so the next open
// fails with EMFILE until the cache gives some back. release gives them
// back; the limit is restored when the test ends.
func fillFDs(t *testing.T) (release func()) {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	des, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	low := old
	low.Cur = uint64(len(des) + 16)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	var fillers []int
	release = func() {
		for _, fd := range fillers {
			unix.Close(fd)
		}
		fillers = nil
	}
	t.Cleanup(func() {
		release()
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
			t.Errorf("restoring RLIMIT_NOFILE: %v", err)
		}
	})
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == unix.EMFILE {
			return release
		}
		if err != nil {
			t.Fatal(err)
		}
		fillers = append(fillers, fd)
	}
}

// TestOpenOutOfDescriptors: when an open fails with EMFILE the cache
// closes the files it keeps and tries once more; when that does not help
// either, the answer is 500, not 403 (the file is not forbidden).
func TestOpenOutOfDescriptors(t *testing.T) {
	const size = 20 << 10
	root, conf := docRoot(t, 3, size)
	h := pipelinetest.New(t, conf)
	for i := range 2 {
		get(t, h, fmt.Sprintf("/f%d.bin", i)).Reset()
	}
	if n := len(openUnder(t, root)); n != 2 {
		t.Fatalf("%d files open, want the 2 served", n)
	}
	release := fillFDs(t)
	w := get(t, h, "/f2.bin")
	release()
	if w.Status != 200 || !bytes.Equal(bodyOf(t, w), body(2, size)) {
		t.Fatalf("f2.bin with every descriptor taken but the cache's: %d", w.Status)
	}
	w.Reset()

	// Nothing left to give back: the open fails for good.
	h2 := pipelinetest.New(t, conf)
	release = fillFDs(t)
	w = get(t, h2, "/f0.bin")
	release()
	if w.Status != 500 {
		t.Fatalf("f0.bin with no descriptor left: %d, want 500", w.Status)
	}
}

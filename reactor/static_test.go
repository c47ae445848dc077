package reactor_test

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestChangedFile: the stat cache re-checks a path at most once a second
// (§8.7), so a file replaced on disk (rename, new inode) or removed is
// seen within about two seconds; meanwhile every answer is one coherent
// version.
func TestChangedFile(t *testing.T) {
	ts := startServer(t, serverOpts{files: map[string]string{"f.txt": "old", "gone.txt": "here"}})
	if r := ts.get("/f.txt"); string(r.body) != "old" {
		t.Fatalf("%q", r.body)
	}
	if r := ts.get("/gone.txt"); r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	tmp := filepath.Join(ts.root, ".f.txt.new")
	if err := os.WriteFile(tmp, []byte("brand new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(ts.root, "f.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(ts.root, "gone.txt")); err != nil {
		t.Fatal(err)
	}
	c := ts.dial()
	br := bufio.NewReader(c)
	get := func(path string) *response {
		send(t, c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		return readResponse(t, br, false)
	}
	var etag string
	waitFor(t, 3*time.Second, "the new file to be served", func() bool {
		r := get("/f.txt")
		if string(r.body) != "old" && string(r.body) != "brand new" {
			t.Fatalf("incoherent answer: %q", r.body)
		}
		etag = r.header("ETag")
		return string(r.body) == "brand new"
	})
	if etag != lighttpdETag(t, filepath.Join(ts.root, "f.txt"), true, true, true) {
		t.Errorf("ETag %s does not describe the new file", etag)
	}
	waitFor(t, 3*time.Second, "the removed file to be 404", func() bool { return get("/gone.txt").status == 404 })
}

// TestRanges covers lighttpd's Range handling (§8.5) besides the 206,
// multipart and 416 statuses of TestStatuses.
func TestRanges(t *testing.T) {
	rng := rangeBody()
	ts := startServer(t, serverOpts{
		conf: `$HTTP["url"] =~ "^/norange/" { server.range-requests = "disable" }`,
		files: map[string]string{
			"range.txt": rng, "norange/range.txt": rng, "empty.txt": "",
		},
	})
	etag, lastMod := func() (string, string) {
		r := ts.get("/range.txt")
		return r.header("ETag"), r.header("Last-Modified")
	}()

	type want struct {
		status       int
		contentRange string // "" means none
		body         string
		acceptRanges bool
	}
	full := want{status: 200, body: rng, acceptRanges: true}
	part := func(from, to int) want {
		return want{206, "bytes " + strconv.Itoa(from) + "-" + strconv.Itoa(to) + "/1000", rng[from : to+1], true}
	}
	cases := []struct {
		name string
		req  string
		want want
	}{
		{"suffix", "GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=-5\r\n\r\n", part(995, 999)},
		{"suffix longer than file", "GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=-5000\r\n\r\n", part(0, 999)},
		{"open", "GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=990-\r\n\r\n", part(990, 999)},
		{"end beyond EOF clamped", "GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=995-5000\r\n\r\n", part(995, 999)},
		{"first byte", "GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0\r\n\r\n", part(0, 0)},
		{"unit case-insensitive and spaces", "GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: Bytes= 10 - 19\r\n\r\n", part(10, 19)},
		{"invalid spec skipped", "GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=abc,10-19\r\n\r\n", part(10, 19)},
		{"near ranges merged", "GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9,20-29\r\n\r\n", part(0, 29)},
		{"not bytes unit", "GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: items=0-9\r\n\r\n", full},
		{"duplicate Range headers, invalid first", "GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: 0\r\nRange: bytes=0-3\r\n\r\n", full},
		{"duplicate Range headers, valid first", "GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3\r\nRange: 0\r\n\r\n", part(0, 3)},
		{"HTTP/1.0 ignores Range", "GET /range.txt HTTP/1.0\r\nRange: bytes=0-9\r\n\r\n", want{status: 200, body: rng}},
		{"HEAD ignores Range", "HEAD /range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n", want{status: 200, acceptRanges: true}},
		{"POST ignores Range", "POST /range.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nRange: bytes=0-9\r\n\r\n", want{status: 200, body: rng}},
		{"range-requests disabled", "GET /norange/range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n", want{status: 200, body: rng}},
		{"empty file", "GET /empty.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n", want{status: 200, acceptRanges: true}},

		{"If-Range ETag match", "GET /range.txt HTTP/1.1\r\nHost: x\r\nIf-Range: " + etag + "\r\nRange: bytes=0-9\r\n\r\n", part(0, 9)},
		{"If-Range ETag mismatch", "GET /range.txt HTTP/1.1\r\nHost: x\r\nIf-Range: \"x\"\r\nRange: bytes=0-9\r\n\r\n", full},
		{"If-Range weak ETag", "GET /range.txt HTTP/1.1\r\nHost: x\r\nIf-Range: W/" + etag + "\r\nRange: bytes=0-9\r\n\r\n", full},
		{"If-Range date match", "GET /range.txt HTTP/1.1\r\nHost: x\r\nIf-Range: " + lastMod + "\r\nRange: bytes=0-9\r\n\r\n", part(0, 9)},
		{"If-Range other date", "GET /range.txt HTTP/1.1\r\nHost: x\r\nIf-Range: Thu, 01 Jan 1970 00:00:00 GMT\r\nRange: bytes=0-9\r\n\r\n", full},
		{"If-None-Match match wins over Range", "GET /range.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag + "\r\nRange: bytes=0-9\r\n\r\n",
			want{status: 304}},
		// With Range, If-None-Match compares strongly: a weak tag does
		// not match, so the range is served (§8.4).
		{"weak If-None-Match with Range", "GET /range.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: W/" + etag + "\r\nRange: bytes=0-9\r\n\r\n",
			part(0, 9)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial()
			send(t, c, tc.req)
			br := bufio.NewReader(c)
			r := readResponse(t, br, strings.HasPrefix(tc.req, "HEAD "))
			if r.status != tc.want.status {
				t.Fatalf("status %d, want %d (%v)", r.status, tc.want.status, r.headers)
			}
			if got := r.header("Content-Range"); got != tc.want.contentRange {
				t.Errorf("Content-Range %q, want %q", got, tc.want.contentRange)
			}
			if string(r.body) != tc.want.body {
				t.Errorf("body %q, want %q", trunc(r.body), trunc([]byte(tc.want.body)))
			}
			if got := r.header("Accept-Ranges") == "bytes"; got != tc.want.acceptRanges {
				t.Errorf("Accept-Ranges %q, want it: %v", r.header("Accept-Ranges"), tc.want.acceptRanges)
			}
			if tc.want.status == 200 && !strings.HasPrefix(tc.req, "HEAD ") {
				if cl := r.header("Content-Length"); cl != strconv.Itoa(len(tc.want.body)) {
					t.Errorf("Content-Length %s, want %d", cl, len(tc.want.body))
				}
			}
		})
	}
}

// TestHEADLargeFile: HEAD of a file sent by sendfile announces its length
// and sends no byte of it; the next request on the connection proves it.
func TestHEADLargeFile(t *testing.T) {
	big := string(pattern(3, 300<<10))
	ts := startServer(t, serverOpts{files: map[string]string{"big.bin": big, "f.txt": "hello"}})
	c := ts.dial()
	br := bufio.NewReader(c)
	send(t, c, "HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := readResponse(t, br, true); r.status != 200 || r.header("Content-Length") != strconv.Itoa(len(big)) {
		t.Fatalf("HEAD: %d %v", r.status, r.headers)
	}
	if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "hello" {
		t.Fatalf("GET after HEAD: %d %q", r.status, trunc(r.body))
	}
}

// TestLargeFileOffsets: a 5 GiB sparse file with a marker near its end:
// lengths and range offsets beyond 32 bits reach sendfile intact.
func TestLargeFileOffsets(t *testing.T) {
	const size = 5 << 30
	const marker = "END-OF-A-FIVE-GIB-FILE"
	markerAt := int64(size - 100)
	ts := startServer(t, serverOpts{setup: func(t testing.TB, root string) {
		p := filepath.Join(root, "huge.bin")
		sparse(t, p, size)
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt([]byte(marker), markerAt); err != nil {
			t.Fatal(err)
		}
	}})
	if r := ts.roundTrip("HEAD /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n"); r.status != 200 || r.header("Content-Length") != strconv.Itoa(size) {
		t.Fatalf("HEAD: %d %v", r.status, r.headers)
	}
	from, to := markerAt, markerAt+int64(len(marker))-1
	r := ts.get("/huge.bin", "Range: bytes="+strconv.FormatInt(from, 10)+"-"+strconv.FormatInt(to, 10)+"\r\n")
	wantRange := "bytes " + strconv.FormatInt(from, 10) + "-" + strconv.FormatInt(to, 10) + "/" + strconv.Itoa(size)
	if r.status != 206 || r.header("Content-Range") != wantRange || string(r.body) != marker {
		t.Fatalf("range at %d: %d %q %q", from, r.status, r.header("Content-Range"), r.body)
	}
	r = ts.get("/huge.bin", "Range: bytes=-100\r\n")
	if r.status != 206 || !strings.HasPrefix(string(r.body), marker) || len(r.body) != 100 {
		t.Fatalf("suffix range: %d %q", r.status, trunc(r.body))
	}
}

// lighttpdETag computes the ETag lighttpd sends for a file (http_etag.c,
// §8.4): a DEK hash, seeded with the input length, over the native-endian
// bytes of st_ino, st_size, st_mtime and st_mtim.tv_nsec as the flags
// select, in that order.
func lighttpdETag(t testing.TB, path string, inode, mtime, size bool) string {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	var x []uint64
	if inode {
		x = append(x, st.Ino)
	}
	if size {
		x = append(x, uint64(st.Size))
	}
	if mtime {
		x = append(x, uint64(st.Mtim.Sec), uint64(st.Mtim.Nsec))
	}
	if len(x) == 0 {
		return ""
	}
	h := uint32(len(x) * 8)
	for _, v := range x {
		for i := 0; i < 8; i++ {
			h = h<<5 ^ h>>27 ^ uint32(byte(v>>(8*i))) // little-endian: the only Linux Go runs tests on here
		}
	}
	return `"` + strconv.FormatUint(uint64(h), 10) + `"`
}

// TestETagOptions: etag.use-inode/-mtime/-size choose what the ETag
// hashes; static-file.etags = "disable" sends none; a file of unknown
// type gets neither ETag nor Last-Modified (§8.3, trap 5).
func TestETagOptions(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" && runtime.GOARCH != "386" {
		t.Skip("the expected ETag assumes a little-endian machine")
	}
	files := map[string]string{"blob.unknownext": "data"}
	for _, d := range []string{"all", "noinode", "nomtime", "nosize", "none", "noetags"} {
		files[d+"/f.txt"] = "etag test " + d
	}
	ts := startServer(t, serverOpts{
		conf: `
$HTTP["url"] =~ "^/noinode/" { etag.use-inode = "disable" }
$HTTP["url"] =~ "^/nomtime/" { etag.use-mtime = "disable" }
$HTTP["url"] =~ "^/nosize/" { etag.use-size = "disable" }
$HTTP["url"] =~ "^/none/" { etag.use-inode = "disable" etag.use-mtime = "disable" etag.use-size = "disable" }
$HTTP["url"] =~ "^/noetags/" { static-file.etags = "disable" }
`,
		files: files,
	})
	cases := []struct {
		dir                string
		inode, mtime, size bool
		etag, lastModified bool
		unknownType        bool
	}{
		{dir: "all", inode: true, mtime: true, size: true, etag: true, lastModified: true},
		{dir: "noinode", mtime: true, size: true, etag: true, lastModified: true},
		{dir: "nomtime", inode: true, size: true, etag: true, lastModified: true},
		{dir: "nosize", inode: true, mtime: true, etag: true, lastModified: true},
		{dir: "none", lastModified: true},
		{dir: "noetags", lastModified: true},
	}
	seen := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			r := ts.get("/" + tc.dir + "/f.txt")
			if r.status != 200 {
				t.Fatalf("status %d", r.status)
			}
			got := r.header("ETag")
			if !tc.etag {
				if got != "" {
					t.Fatalf("ETag %s, want none", got)
				}
			} else {
				want := lighttpdETag(t, filepath.Join(ts.root, tc.dir, "f.txt"), tc.inode, tc.mtime, tc.size)
				if got != want {
					t.Fatalf("ETag %s, want lighttpd's %s", got, want)
				}
				if prev, dup := seen[got]; dup {
					t.Errorf("same ETag as %s", prev)
				}
				seen[got] = tc.dir
				// The ETag the server sends is the one it matches.
				if r := ts.get("/"+tc.dir+"/f.txt", "If-None-Match: "+got+"\r\n"); r.status != 304 {
					t.Errorf("If-None-Match with its own ETag: %d", r.status)
				}
			}
			if (r.header("Last-Modified") != "") != tc.lastModified {
				t.Errorf("Last-Modified %q", r.header("Last-Modified"))
			}
		})
	}
	// lighttpd drops the validators only when the mime lookup finds no
	// type at all (§8.3, trap 5). Its built-in table ends with a ""
	// entry, application/octet-stream, which is a type: with the
	// default table an unknown extension keeps ETag and Last-Modified.
	t.Run("unknown type, default table", func(t *testing.T) {
		r := ts.get("/blob.unknownext")
		if r.status != 200 || string(r.body) != "data" || r.header("Content-Type") != "application/octet-stream" {
			t.Fatalf("%d %q %v", r.status, r.body, r.headers)
		}
		if r.header("ETag") == "" || r.header("Last-Modified") == "" {
			t.Errorf("the default table's \"\" type lost the validators: %v", r.headers)
		}
	})
	t.Run("unknown type, table without fallback", func(t *testing.T) {
		ts := startServer(t, serverOpts{
			conf:  `mimetype.assign = ( ".txt" => "text/plain" )`,
			files: map[string]string{"blob.unknownext": "data", "f.txt": "text"},
		})
		r := ts.get("/blob.unknownext")
		if r.status != 200 || string(r.body) != "data" || r.header("Content-Type") != "application/octet-stream" {
			t.Fatalf("%d %q %v", r.status, r.body, r.headers)
		}
		if r.header("ETag") != "" || r.header("Last-Modified") != "" {
			t.Errorf("validators on the implicit type: %v", r.headers)
		}
		if r := ts.get("/f.txt"); r.header("Content-Type") != "text/plain" || r.header("ETag") == "" {
			t.Errorf("configured type: %v", r.headers)
		}
	})
}

// TestPathTraversal: whatever the encoding, a request never reads
// outside the document root (§8.6). A secret file sits next to the root;
// its contents must never appear.
func TestPathTraversal(t *testing.T) {
	const secret = "TOP-SECRET-CONTENTS"
	ts := startServer(t, serverOpts{
		files: map[string]string{"f.txt": "hello", "sub/g.txt": "in sub", "..\\secret.txt": "decoy in root"},
		setup: func(t testing.TB, root string) {
			parent := filepath.Dir(root)
			if err := os.WriteFile(filepath.Join(parent, "secret.txt"), []byte(secret), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(parent, "sibling"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(parent, "sibling", "secret.txt"), []byte(secret), 0o644); err != nil {
				t.Fatal(err)
			}
		},
	})
	sibling := filepath.Base(ts.root) // the root's own name, to step out and back in
	targets := []string{
		"/../secret.txt",
		"/../../secret.txt",
		"/sub/../../secret.txt",
		"/./../secret.txt",
		"//../secret.txt",
		"/%2e%2e/secret.txt",
		"/%2E%2E/secret.txt",
		"/.%2e/secret.txt",
		"/%2e./secret.txt",
		"/..%2fsecret.txt",
		"/%2e%2e%2fsecret.txt",
		"/sub/..%2f..%2fsecret.txt",
		"/sub%2f..%2f..%2fsecret.txt",
		"/%252e%252e/secret.txt",
		"/..\\secret.txt",
		"/..%5csecret.txt",
		"/sub\\..\\..\\secret.txt",
		"/%c0%ae%c0%ae/secret.txt",
		"/%c0%ae%c0%ae%c0%afsecret.txt",
		"/%e0%80%ae%e0%80%ae/secret.txt",
		"/..%c0%afsecret.txt",
		"/..;/secret.txt",
		"/../sibling/secret.txt",
		"/../" + sibling + "/../secret.txt",
		"/sub/../../sibling/secret.txt",
		"/..",
		"/../",
		"http://x/../secret.txt",
		"/f.txt/../../secret.txt",
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			for _, method := range []string{"GET", "HEAD"} {
				c := ts.dial()
				send(t, c, method+" "+target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				raw, err := io.ReadAll(c)
				if err != nil {
					t.Fatalf("%s: %v", method, err)
				}
				if strings.Contains(string(raw), secret) {
					t.Fatalf("%s %s read the secret outside the root:\n%s", method, target, raw)
				}
				if !strings.HasPrefix(string(raw), "HTTP/1.") {
					t.Fatalf("%s: no response: %q", method, trunc(raw))
				}
				// Only files inside the root may be answered 200 (e.g. the
				// decoy named "..\secret.txt", or "/" for "/..").
				if strings.HasPrefix(string(raw), "HTTP/1.1 200") && method == "GET" {
					if !strings.Contains(string(raw), "decoy in root") && !strings.HasSuffix(target, "/..") &&
						!strings.HasSuffix(target, "/../") {
						t.Errorf("%s answered 200 with %q", target, trunc(raw))
					}
				}
			}
		})
	}
}

// TestSparseFileMemory downloads a 1 GiB sparse file: sendfile moves it
// without user-space copies, so the process's resident memory (server
// and client share this process) must not grow with the file.
func TestSparseFileMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("1 GiB transfer skipped with -short")
	}
	const size = 1 << 30
	ts := startServer(t, serverOpts{setup: func(t testing.TB, root string) {
		sparse(t, filepath.Join(root, "sparse.bin"), size)
	}})
	c := ts.dial()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	ts.waitConnections(1)
	runtime.GC()
	debug.FreeOSMemory()
	base := rssKiB(t)
	var peak atomic.Int64
	peak.Store(base)
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if v := rssKiB(t); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	send(t, c, "GET /sparse.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	br := bufio.NewReaderSize(c, 64<<10)
	r := readResponse(t, br, true) // head only; the body is counted below
	if r.status != 200 || r.header("Content-Length") != strconv.Itoa(size) {
		t.Fatalf("%d %v", r.status, r.headers)
	}
	start := time.Now()
	n, err := io.CopyBuffer(io.Discard, br, make([]byte, 256<<10))
	close(stop)
	<-sampled
	if err != nil || n != size {
		t.Fatalf("received %d of %d bytes: %v", n, size, err)
	}
	growth := peak.Load() - base
	t.Logf("1 GiB in %v; RSS %d KiB before, peak %d KiB (+%d KiB)", time.Since(start), base, peak.Load(), growth)
	if growth >= 20<<10 {
		t.Errorf("RSS grew by %d KiB during the transfer, want < 20 MiB", growth)
	}
}

// segmentsFor sends head bytes then size bytes of file by sendfile on a
// fresh loopback TCP connection, corked or not, the way a server would,
// and returns how many data segments the kernel sent. It calibrates what
// corking changes on this kernel.
func segmentsFor(t *testing.T, headLen int, file string, size int, cork bool) uint32 {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	received := make(chan int64, 1)
	go func() {
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			received <- -1
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _ := io.CopyN(io.Discard, c, int64(headLen+size))
		received <- n
	}()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rc, err := sc.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var segs uint32
	rc.Control(func(fd uintptr) {
		s := int(fd)
		if cork {
			unix.SetsockoptInt(s, unix.IPPROTO_TCP, unix.TCP_CORK, 1)
		}
		unix.Write(s, make([]byte, headLen))
		var off int64
		unix.Sendfile(s, int(f.Fd()), &off, size)
		if cork {
			unix.SetsockoptInt(s, unix.IPPROTO_TCP, unix.TCP_CORK, 0)
		}
	})
	if n := <-received; n != int64(headLen+size) {
		t.Fatalf("calibration received %d bytes", n)
	}
	rc.Control(func(fd uintptr) {
		ti, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			t.Fatal(err)
		}
		segs = ti.Data_segs_out
	})
	return segs
}

// TestCork: a file response (head in memory + a file chunk) is the case
// lighttpd corks, on TCP only (§2.6). On a unix socket the response must
// be right and nothing logged (TCP_CORK there would fail with
// EOPNOTSUPP); on TCP the response must be right, the accepted socket
// has TCP_NODELAY (§1.2), and the socket is not left corked while the
// server waits for the client (cork is set and cleared around one write).
func TestCork(t *testing.T) {
	body := string(pattern(7, 4<<20)) // well above the 16 KiB inline size: stays a file chunk
	files := map[string]string{"big.bin": body, "small.txt": "small"}
	for _, unixSocket := range []bool{true, false} {
		name := "tcp"
		if unixSocket {
			name = "unix"
		}
		t.Run(name, func(t *testing.T) {
			ts := startServer(t, serverOpts{files: files, unix: unixSocket})
			for i := 0; i < 2; i++ { // the second request reuses the cached file
				if r := ts.get("/big.bin"); r.status != 200 || r.body == nil || string(r.body) != body {
					t.Fatalf("GET /big.bin: %d, %d bytes", r.status, len(r.body))
				}
				if r := ts.get("/small.txt"); r.status != 200 || string(r.body) != "small" {
					t.Fatalf("GET /small.txt: %d %q", r.status, r.body)
				}
			}
			if unixSocket {
				if l := ts.logText(); l != "" {
					t.Fatalf("server logged on a unix socket: %s", l)
				}
				return
			}
			c := ts.dialSmallWindow(8 << 10)
			send(t, c, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
			// Wait for the response to start: the server is writing.
			br := bufio.NewReader(c)
			if _, err := br.Peek(1); err != nil {
				t.Fatal(err)
			}
			// The client reads nothing more, so the server soon waits for
			// EPOLLOUT: its send queue stops changing. The descriptor is
			// looked up on every poll: right after the accept, the
			// listener's socket and gnet's dup of it both match for a
			// moment, and the first is closed under our feet.
			var fd, last, stable int
			waitFor(t, 5*time.Second, "the server's send queue to settle", func() bool {
				time.Sleep(20 * time.Millisecond)
				fd = serverSideFd(t, c)
				q, err := unix.IoctlGetInt(fd, unix.SIOCOUTQ)
				if fd < 0 || err != nil || q == 0 || q != last {
					stable, last = 0, q
					return false
				}
				stable++
				return stable >= 5
			})
			if v, err := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY); err != nil || v == 0 {
				t.Errorf("TCP_NODELAY on the accepted socket: %d %v", v, err)
			}
			if v, err := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_CORK); err != nil || v != 0 {
				t.Errorf("TCP_CORK is %d (%v) while the server waits for the client; lighttpd never leaves it set", v, err)
			}
			if r := readResponse(t, br, false); r.status != 200 || string(r.body) != body {
				t.Fatalf("stalled GET: %d, %d bytes", r.status, len(r.body))
			}
			if l := ts.logText(); l != "" {
				t.Errorf("server logged: %s", l)
			}
		})
	}
	// Whether the head and the file left together shows in the number
	// of segments the server's socket sent (TCP_INFO, read from the
	// server's descriptor in this process): corked, the head rides in the
	// first segment of the file; uncorked with TCP_NODELAY, it is a
	// segment of its own. The kernel's own counts for both ways, measured
	// on a plain socket, say what to expect.
	t.Run("tcp segments", func(t *testing.T) {
		const size = 40 << 10 // above the 16 KiB inline size, below one loopback MSS
		ts := startServer(t, serverOpts{files: map[string]string{"f.bin": string(pattern(8, size))}})
		c := ts.dial()
		send(t, c, "GET /f.bin HTTP/1.1\r\nHost: x\r\n\r\n")
		if r := readResponse(t, bufio.NewReader(c), false); r.status != 200 || len(r.body) != size {
			t.Fatalf("%d, %d bytes", r.status, len(r.body))
		}
		fd := serverSideFd(t, c)
		ti, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if fd < 0 || err != nil {
			t.Fatalf("TCP_INFO of the server's socket (fd %d): %v", fd, err)
		}
		headLen := int(ti.Bytes_sent) - size
		file := filepath.Join(ts.root, "f.bin")
		corked, uncorked := segmentsFor(t, headLen, file, size, true), segmentsFor(t, headLen, file, size, false)
		t.Logf("featherd: %d segments; this kernel: %d corked, %d uncorked", ti.Data_segs_out, corked, uncorked)
		if corked == uncorked {
			t.Skip("corking makes no difference to segmentation on this kernel")
		}
		if ti.Data_segs_out != corked {
			t.Errorf("the response took %d segments, %d as corked, %d as uncorked: head and file were not corked together",
				ti.Data_segs_out, corked, uncorked)
		}
	})
}

// TestHTTPPathinfoFlag: with the feature flag server.http-pathinfo
// disabled, a path that continues past a file is 404, as in lighttpd,
// rather than the file served with PATH_INFO.
func TestHTTPPathinfoFlag(t *testing.T) {
	files := map[string]string{"f.txt": "hello\n"}
	for _, tc := range []struct {
		name, conf string
		status     int
	}{
		{"default", "", 200},
		{"disabled", `server.feature-flags = ( "server.http-pathinfo" => "disable" )`, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{conf: tc.conf, files: files})
			if r := ts.get("/f.txt/more"); r.status != tc.status {
				t.Errorf("GET /f.txt/more: %d, want %d", r.status, tc.status)
			}
			if r := ts.get("/f.txt"); r.status != 200 || string(r.body) != "hello\n" {
				t.Errorf("GET /f.txt: %d %q", r.status, r.body)
			}
		})
	}
}

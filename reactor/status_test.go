package reactor_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// statusFiles is the document root the status tests share.
var statusFiles = map[string]string{
	"f.txt":              "hello world\n",
	"range.txt":          rangeBody(),
	"index.html":         "<p>index</p>\n",
	"dir/index.html":     "dir index\n",
	"a dir/index.html":   "spaced\n",
	"ä/index.html":       "umlaut\n",
	"noindex/x.txt":      "x\n",
	"secret.inc":         "included\n",
	"upper.INC":          "included\n",
	"nofollow/plain.txt": "plain\n",
}

// statusConf is the configuration the status tests share: one option per
// status they provoke.
const statusConf = `
index-file.names = ( "index.html" )
static-file.exclude-extensions = ( ".inc" )
server.max-request-size = 1
server.max-request-field-size = 2048
$HTTP["url"] =~ "^/nofollow/" {
  server.follow-symlink = "disable"
}
# What the conditions see of an absolute-form target: its host and query.
$HTTP["host"] == "other" {
  static-file.exclude-extensions = ( ".txt" )
}
$HTTP["querystring"] == "noindex" {
  index-file.names = ( "none.html" )
}
`

// statusSetup adds what a string map cannot: a symlink under a
// follow-symlink = "disable" URL, a FIFO, and (when not root) a file
// nobody may read.
func statusSetup(t testing.TB, root string) {
	if err := os.Symlink("../f.txt", filepath.Join(root, "nofollow/link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("f.txt", filepath.Join(root, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(filepath.Join(root, "fifo.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "unreadable.txt")
	if err := os.WriteFile(p, []byte("no\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
}

// statusCase is one raw request and what must come back.
type statusCase struct {
	name   string
	req    string
	status int
	// proto is the status line's protocol; "" accepts either version.
	proto string
	// close: an error the request parser raises; lighttpd answers with
	// Connection: close and closes. Otherwise the connection must stay
	// usable, which a follow-up request proves (and with it the framing
	// of the response: a stray body byte would break the next one).
	close bool
	// eitherConn: a request whose body the handler ignores. lighttpd's
	// mod_staticfile never reads it, so lighttpd ends keep-alive (§8.2,
	// trap 4); featherd reads every body before the handler (§1.7,
	// stream-request-body 0) and may keep the connection. Either is
	// accepted here.
	eitherConn bool
	check      func(t *testing.T, r *response)
}

func TestStatuses(t *testing.T) {
	ts := startServer(t, serverOpts{conf: statusConf, files: statusFiles, setup: statusSetup})
	ok := ts.get("/f.txt")
	etag, lastMod := ok.header("ETag"), ok.header("Last-Modified")
	if ok.status != 200 || etag == "" || lastMod == "" {
		t.Fatalf("GET /f.txt: %d %v", ok.status, ok.headers)
	}
	rng := rangeBody()
	const host = "Host: x\r\n"

	cases := []statusCase{
		{name: "200", req: "GET /f.txt HTTP/1.1\r\n" + host + "\r\n", status: 200, proto: "HTTP/1.1",
			check: body("hello world\n", "text/plain;charset=utf-8")},
		{name: "200 index", req: "GET / HTTP/1.1\r\n" + host + "\r\n", status: 200, check: body("<p>index</p>\n", "text/html")},
		{name: "200 HTTP/1.0", req: "GET /f.txt HTTP/1.0\r\n\r\n", status: 200, proto: "HTTP/1.0", close: true,
			check: body("hello world\n", "")},
		{name: "200 symlink followed", req: "GET /link.txt HTTP/1.1\r\n" + host + "\r\n", status: 200, check: body("hello world\n", "")},
		{name: "200 HEAD", req: "HEAD /f.txt HTTP/1.1\r\n" + host + "\r\n", status: 200, check: func(t *testing.T, r *response) {
			if r.header("Content-Length") != "12" {
				t.Errorf("HEAD Content-Length %q, want 12", r.header("Content-Length"))
			}
		}},
		{name: "200 OPTIONS *", req: "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", status: 200, check: hdr("Allow", "OPTIONS, GET, HEAD, POST")},

		{name: "206 one range", req: "GET /range.txt HTTP/1.1\r\n" + host + "Range: bytes=10-19\r\n\r\n", status: 206,
			check: func(t *testing.T, r *response) {
				hdr("Content-Range", "bytes 10-19/1000")(t, r)
				body(rng[10:20], "text/plain;charset=utf-8")(t, r)
			}},
		{name: "206 multipart", req: "GET /range.txt HTTP/1.1\r\n" + host + "Range: bytes=0-9,500-509,-5\r\n\r\n", status: 206,
			check: func(t *testing.T, r *response) {
				const b = "fkj49sn38dcn3"
				part := func(first bool, from, to int) string {
					s := "--" + b + "\r\nContent-Type: text/plain;charset=utf-8\r\nContent-Range: bytes " +
						itoa(from) + "-" + itoa(to) + "/1000\r\n\r\n" + rng[from:to+1]
					if !first {
						s = "\r\n" + s // the CRLF before the first boundary is omitted
					}
					return s
				}
				want := part(true, 0, 9) + part(false, 500, 509) + part(false, 995, 999) + "\r\n--" + b + "--\r\n"
				body(want, "multipart/byteranges; boundary="+b)(t, r)
			}},

		{name: "301 directory", req: "GET /dir HTTP/1.1\r\n" + host + "\r\n", status: 301, check: redirect("/dir/")},
		{name: "301 space and query", req: "GET /a%20dir?x=1&y=a%20b HTTP/1.1\r\n" + host + "\r\n", status: 301,
			check: redirect("/a%20dir/?x=1&y=a%20b")},
		{name: "301 UTF-8 escaped", req: "GET /%c3%a4 HTTP/1.1\r\n" + host + "\r\n", status: 301, check: redirect("/%C3%A4/")},
		{name: "200 UTF-8 directory index", req: "GET /%C3%A4/ HTTP/1.1\r\n" + host + "\r\n", status: 200, check: body("umlaut\n", "")},
		{name: "301 UTF-8 raw", req: "GET /ä?q HTTP/1.1\r\n" + host + "\r\n", status: 301, check: redirect("/%C3%A4/?q")},

		{name: "304 If-None-Match", req: "GET /f.txt HTTP/1.1\r\n" + host + "If-None-Match: " + etag + "\r\n\r\n", status: 304,
			check: notModified(etag)},
		{name: "304 If-None-Match list and weak", req: "GET /f.txt HTTP/1.1\r\n" + host + "If-None-Match: \"1\", W/" + etag + "\r\n\r\n",
			status: 304, check: notModified(etag)},
		{name: "304 If-None-Match star HEAD", req: "HEAD /f.txt HTTP/1.1\r\n" + host + "If-None-Match: *\r\n\r\n", status: 304,
			check: notModified(etag)},
		{name: "304 If-Modified-Since equal", req: "GET /f.txt HTTP/1.1\r\n" + host + "If-Modified-Since: " + lastMod + "\r\n\r\n",
			status: 304, check: notModified(etag)},
		{name: "304 If-Modified-Since later", req: "GET /f.txt HTTP/1.1\r\n" + host + "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n\r\n",
			status: 304, check: notModified(etag)},
		{name: "200 If-Modified-Since earlier", req: "GET /f.txt HTTP/1.1\r\n" + host + "If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n\r\n",
			status: 200, check: body("hello world\n", "")},
		{name: "200 If-None-Match mismatch beats If-Modified-Since", req: "GET /f.txt HTTP/1.1\r\n" + host +
			"If-None-Match: \"nope\"\r\nIf-Modified-Since: " + lastMod + "\r\n\r\n", status: 200, check: body("hello world\n", "")},

		{name: "200 query ignored", req: "GET /f.txt?a=1&b HTTP/1.1\r\n" + host + "\r\n", status: 200, check: body("hello world\n", "")},
		{name: "200 fragment dropped", req: "GET /f.txt#frag HTTP/1.1\r\n" + host + "\r\n", status: 200, check: body("hello world\n", "")},
		{name: "200 dot segments", req: "GET /dir/./sub/../index.html HTTP/1.1\r\n" + host + "\r\n", status: 200, check: body("dir index\n", "")},
		{name: "200 encoded unreserved", req: "GET /%66%2E%74xt HTTP/1.1\r\n" + host + "\r\n", status: 200, check: body("hello world\n", "")},
		{name: "200 absolute-form target", req: "GET http://x/f.txt HTTP/1.1\r\n" + host + "\r\n", status: 200,
			check: body("hello world\n", "")},
		{name: "200 absolute-form target without Host", req: "GET http://x/f.txt HTTP/1.1\r\n\r\n", status: 200,
			check: body("hello world\n", "")},
		// RFC 9112 §3.2.2: an empty path is "/" (lighttpd: 400).
		{name: "200 absolute-form target without path", req: "GET http://x HTTP/1.1\r\n\r\n", status: 200,
			check: body("<p>index</p>\n", "text/html")},
		{name: "200 absolute-form target without path, with a query", req: "GET http://x?a=1 HTTP/1.1\r\n\r\n", status: 200,
			check: body("<p>index</p>\n", "text/html")},
		{name: "403 absolute-form target without path, query seen by conditions", req: "GET http://x?noindex HTTP/1.1\r\n\r\n", status: 403},
		// RFC 9112 §3.2.2: the target's authority is the Host, the Host
		// line is ignored (lighttpd: 400 when they differ).
		{name: "403 absolute-form target's host seen by conditions", req: "GET http://other/f.txt HTTP/1.1\r\n" + host + "\r\n", status: 403},
		{name: "200 absolute-form target, another Host line ignored", req: "GET http://x/f.txt HTTP/1.1\r\nHost: other\r\n\r\n", status: 200,
			check: body("hello world\n", "")},
		{name: "200 obs-fold header", req: "GET /f.txt HTTP/1.1\r\n" + host + "X-A: b\r\n c\r\n\r\n", status: 200, check: body("hello world\n", "")},
		{name: "200 If-Modified-Since RFC 850 earlier", req: "GET /f.txt HTTP/1.1\r\n" + host + "If-Modified-Since: Friday, 01-Jan-99 00:00:00 GMT\r\n\r\n",
			status: 200, check: body("hello world\n", "")},
		{name: "304 If-Modified-Since asctime later", req: "GET /f.txt HTTP/1.1\r\n" + host + "If-Modified-Since: Fri Jan  1 00:00:00 2100\r\n\r\n",
			status: 304, check: notModified(etag)},
		{name: "200 If-Modified-Since unparseable", req: "GET /f.txt HTTP/1.1\r\n" + host + "If-Modified-Since: yesterday\r\n\r\n",
			status: 200, check: body("hello world\n", "")},
		{name: "304 HTTP/1.0", req: "GET /f.txt HTTP/1.0\r\nIf-None-Match: " + etag + "\r\n\r\n", status: 304, proto: "HTTP/1.0",
			close: true, check: notModified(etag)},

		// Limits at the limit: a head of exactly server.max-request-field-size
		// bytes and a body of exactly server.max-request-size are accepted.
		{name: "200 head of exactly max-request-field-size", req: paddedHead(2048), status: 200, check: body("hello world\n", "")},
		{name: "431 head one byte over", req: paddedHead(2049), status: 431, close: true},
		{name: "200 body of exactly max-request-size", req: "POST /f.txt HTTP/1.1\r\n" + host + "Content-Length: 1024\r\n\r\n" +
			strings.Repeat("x", 1024), status: 200, eitherConn: true, check: body("hello world\n", "")},
		{name: "413 body one byte over", req: "POST /f.txt HTTP/1.1\r\n" + host + "Content-Length: 1025\r\n\r\n", status: 413, close: true},

		// Request-parser errors: the status, Connection: close, a closed
		// connection.
		{name: "400 request line too short", req: "GARBAGE\r\n\r\n", status: 400, proto: "HTTP/1.0", close: true, check: errorPage(400)},
		{name: "400 unknown protocol", req: "GET / RTSP/1.1\r\n" + host + "\r\n", status: 400, proto: "HTTP/1.0", close: true},
		// RFC 9112 §2.6: HTTP/1.2 is served as HTTP/1.1 (lighttpd: 400).
		{name: "200 HTTP/1.2", req: "GET /f.txt HTTP/1.2\r\n" + host + "\r\n", status: 200, proto: "HTTP/1.1",
			check: body("hello world\n", "")},
		{name: "400 HTTP/1.2 without Host", req: "GET /f.txt HTTP/1.2\r\n\r\n", status: 400, proto: "HTTP/1.1", close: true},
		{name: "400 HTTP/1.10", req: "GET / HTTP/1.10\r\n" + host + "\r\n", status: 400, proto: "HTTP/1.0", close: true},
		{name: "400 HTTP/2.0", req: "GET / HTTP/2.0\r\n" + host + "\r\n", status: 400, proto: "HTTP/1.0", close: true},
		{name: "400 no version", req: "GET /f.txt/xxxxx\r\n" + host + "\r\n", status: 400, proto: "HTTP/1.0", close: true},
		{name: "400 two blank lines before request", req: "\r\n\r\nGET / HTTP/1.1\r\n" + host + "\r\n", status: 400, proto: "HTTP/1.0", close: true},
		{name: "400 double space before target", req: "GET  /f.txt HTTP/1.1\r\n" + host + "\r\n", status: 400, close: true},
		{name: "400 double space before version", req: "GET /f.txt  HTTP/1.1\r\n" + host + "\r\n", status: 400, close: true},
		{name: "400 LF without CR", req: "GET /f.txt HTTP/1.1\n" + host + "\r\n", status: 400, close: true},
		{name: "400 whitespace before colon", req: "GET /f.txt HTTP/1.1\r\n" + host + "X-A : b\r\n\r\n", status: 400, proto: "HTTP/1.1", close: true},
		{name: "400 header without colon", req: "GET /f.txt HTTP/1.1\r\n" + host + "NoColonHere\r\n\r\n", status: 400, close: true},
		{name: "400 empty header name", req: "GET /f.txt HTTP/1.1\r\n" + host + ": v\r\n\r\n", status: 400, close: true},
		{name: "400 invalid char in name", req: "GET /f.txt HTTP/1.1\r\n" + host + "X(A): b\r\n\r\n", status: 400, close: true},
		{name: "400 control char in value", req: "GET /f.txt HTTP/1.1\r\n" + host + "X-A: b\x01c\r\n\r\n", status: 400, close: true},
		{name: "400 NUL in value", req: "GET /f.txt HTTP/1.1\r\n" + host + "X-A: b\x00c\r\n\r\n", status: 400, close: true},
		{name: "400 missing Host", req: "GET /f.txt HTTP/1.1\r\n\r\n", status: 400, proto: "HTTP/1.1", close: true},
		{name: "400 duplicate Host", req: "GET /f.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400, close: true},
		// RFC 9112 §3.2: even with the same value (lighttpd ignores the
		// repeat).
		{name: "400 duplicate Host same value", req: "GET /f.txt HTTP/1.1\r\nHost: a\r\nHost: A\r\n\r\n", status: 400,
			proto: "HTTP/1.1", close: true, check: errorPage(400)},
		{name: "400 absolute-form target with two Host lines", req: "GET http://x/f.txt HTTP/1.1\r\n" + host + host + "\r\n", status: 400, close: true},
		{name: "400 absolute-form target with an invalid Host line", req: "GET http://x/f.txt HTTP/1.1\r\nHost: a/b\r\n\r\n", status: 400, close: true},
		{name: "400 invalid Host", req: "GET /f.txt HTTP/1.1\r\nHost: a/b\r\n\r\n", status: 400, close: true},
		{name: "400 Content-Length with Transfer-Encoding", req: "POST /f.txt HTTP/1.1\r\n" + host +
			"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, close: true},
		{name: "400 duplicate Content-Length", req: "POST /f.txt HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 1\r\n\r\nx",
			status: 400, close: true},
		{name: "400 invalid Content-Length", req: "POST /f.txt HTTP/1.1\r\n" + host + "Content-Length: 1x\r\n\r\nx", status: 400, close: true},
		{name: "400 negative Content-Length", req: "POST /f.txt HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", status: 400, close: true},
		{name: "400 bad chunk size", req: "POST /f.txt HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
			status: 400, close: true},
		{name: "400 chunk data without CRLF", req: "POST /f.txt HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
			status: 400, close: true},
		{name: "400 Transfer-Encoding in HTTP/1.0", req: "POST /f.txt HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			status: 400, proto: "HTTP/1.0", close: true},
		{name: "400 NUL in path", req: "GET /f\x00.txt HTTP/1.1\r\n" + host + "\r\n", status: 400, close: true},
		{name: "400 %00 in path", req: "GET /f%00.txt HTTP/1.1\r\n" + host + "\r\n", status: 400, close: true},
		{name: "400 control char in path", req: "GET /f\x7f.txt HTTP/1.1\r\n" + host + "\r\n", status: 400, close: true},
		{name: "400 target not starting with slash", req: "GET f.txt HTTP/1.1\r\n" + host + "\r\n", status: 400, close: true},
		{name: "400 GET with body", req: "GET /f.txt HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\nhello", status: 400, close: true},
		{name: "400 HEAD with chunked body", req: "HEAD /f.txt HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			status: 400, close: true},
		{name: "400 Upgrade in HTTP/1.0", req: "GET /f.txt HTTP/1.0\r\nUpgrade: websocket\r\n\r\n", status: 400, close: true},

		{name: "403 excluded extension", req: "GET /secret.inc HTTP/1.1\r\n" + host + "\r\n", status: 403, check: errorPage(403)},
		{name: "403 excluded extension any case", req: "GET /upper.INC HTTP/1.1\r\n" + host + "\r\n", status: 403},
		{name: "403 directory without index", req: "GET /noindex/ HTTP/1.1\r\n" + host + "\r\n", status: 403},
		{name: "403 not a regular file", req: "GET /fifo.txt HTTP/1.1\r\n" + host + "\r\n", status: 403},
		{name: "403 symlink with follow-symlink disabled", req: "GET /nofollow/link.txt HTTP/1.1\r\n" + host + "\r\n", status: 403},
		{name: "200 plain file with follow-symlink disabled", req: "GET /nofollow/plain.txt HTTP/1.1\r\n" + host + "\r\n", status: 200,
			check: body("plain\n", "")},

		{name: "404", req: "GET /missing.txt HTTP/1.1\r\n" + host + "\r\n", status: 404, check: errorPage(404)},
		// lighttpd treats what follows a regular file as PATH_INFO, which
		// mod_staticfile ignores (§8.1): the file is served.
		{name: "200 file with trailing slash is PATH_INFO", req: "GET /f.txt/ HTTP/1.1\r\n" + host + "\r\n", status: 200,
			check: body("hello world\n", "")},
		{name: "404 missing directory", req: "GET /nodir/f.txt HTTP/1.1\r\n" + host + "\r\n", status: 404},
		{name: "404 HEAD", req: "HEAD /missing.txt HTTP/1.1\r\n" + host + "\r\n", status: 404, check: func(t *testing.T, r *response) {
			if r.header("Content-Length") == "" || r.header("Content-Length") == "0" {
				t.Errorf("HEAD 404 Content-Length %q, want the error page's length", r.header("Content-Length"))
			}
		}},

		{name: "411 HTTP/1.0 POST without length", req: "POST /f.txt HTTP/1.0\r\n\r\n", status: 411, proto: "HTTP/1.0", close: true},
		{name: "411 POST without length", req: "POST /f.txt HTTP/1.1\r\n" + host + "\r\n", status: 411, close: true, check: errorPage(411)},

		// lighttpd's own 412: If-None-Match matching on a method other
		// than GET/HEAD (§8.4).
		{name: "412 If-None-Match on POST", req: "POST /f.txt HTTP/1.1\r\n" + host + "If-None-Match: " + etag + "\r\nContent-Length: 1\r\n\r\nx",
			status: 412},
		// If-Match and If-Unmodified-Since: lighttpd does not evaluate
		// them (§8.4); featherd follows RFC 9110 §13.1.1/§13.1.4 by design
		// (http.CheckPreconditions).
		{name: "412 If-Match mismatch", req: "GET /f.txt HTTP/1.1\r\n" + host + "If-Match: \"other\"\r\n\r\n", status: 412},
		{name: "200 If-Match match", req: "GET /f.txt HTTP/1.1\r\n" + host + "If-Match: " + etag + "\r\n\r\n", status: 200,
			check: body("hello world\n", "")},
		{name: "412 If-Unmodified-Since in the past", req: "GET /f.txt HTTP/1.1\r\n" + host +
			"If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n\r\n", status: 412},

		{name: "413 max-request-size", req: "POST /f.txt HTTP/1.1\r\n" + host + "Content-Length: 2048\r\n\r\n", status: 413, close: true,
			check: errorPage(413)},
		{name: "413 chunked over max-request-size", req: "POST /f.txt HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n800\r\n" +
			strings.Repeat("x", 0x800) + "\r\n0\r\n\r\n", status: 413, close: true},

		{name: "416 unsatisfiable range", req: "GET /range.txt HTTP/1.1\r\n" + host + "Range: bytes=1000-\r\n\r\n", status: 416,
			check: func(t *testing.T, r *response) {
				hdr("Content-Range", "bytes */1000")(t, r)
				errorPage(416)(t, r)
				for _, h := range []string{"ETag", "Last-Modified", "Accept-Ranges"} {
					if r.header(h) != "" {
						t.Errorf("416 error page carries the file's %s", h)
					}
				}
			}},

		{name: "431 header too large", req: "GET /f.txt HTTP/1.1\r\n" + host + "X-Big: " + strings.Repeat("b", 2100) + "\r\n\r\n",
			status: 431, close: true, check: errorPage(431)},
		{name: "431 unterminated head over the limit", req: "GET /f.txt HTTP/1.1\r\n" + host + "X-Big: " + strings.Repeat("b", 2100),
			status: 431, close: true},
		{name: "431 target too long", req: "GET /" + strings.Repeat("a", 2100) + " HTTP/1.1\r\n" + host + "\r\n",
			status: 431, close: true},

		{name: "501 unknown method", req: "FROB /f.txt HTTP/1.1\r\n" + host + "\r\n", status: 501, proto: "HTTP/1.1", close: true,
			check: errorPage(501)},
		{name: "501 lower-case method", req: "get /f.txt HTTP/1.1\r\n" + host + "\r\n", status: 501, close: true},
		{name: "501 Transfer-Encoding gzip", req: "POST /f.txt HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n", status: 501, close: true},
		{name: "200 GET with Content-Length 0", req: "GET /f.txt HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n", status: 200,
			check: body("hello world\n", "")},
		{name: "200 lower-case header names", req: "GET /f.txt HTTP/1.1\r\nhost: x\r\nrange: bytes=0-4\r\n\r\n", status: 206,
			check: body("hello", "")},
		{name: "400 asterisk target for GET", req: "GET * HTTP/1.1\r\n" + host + "\r\n", status: 400, close: true},
		// CONNECT without a handler: 405 and close
		// (http_status_set_error_close, §8.1). In strict mode lighttpd
		// accepts a CONNECT authority only if it starts with a digit or
		// ':' (http_request_parse_reqline_uri); a name is 400.
		{name: "405 CONNECT", req: "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n", status: 405, close: true},
		{name: "400 CONNECT to a name", req: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", status: 400, close: true},
		// The methods mod_staticfile does not serve: the physical path is
		// checked first (404, 301), then 501 for methods other than
		// GET/HEAD/QUERY/POST and 403 for QUERY (§8.1 step 4–5).
		{name: "404 DELETE of a missing file", req: "DELETE /missing.txt HTTP/1.1\r\n" + host + "\r\n", status: 404},
		{name: "301 DELETE of a directory without slash", req: "DELETE /dir HTTP/1.1\r\n" + host + "\r\n", status: 301},
		{name: "501 DELETE of a file", req: "DELETE /f.txt HTTP/1.1\r\n" + host + "\r\n", status: 501},
		{name: "403 QUERY of a file", req: "QUERY /f.txt HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n", status: 403},
		{name: "200 OPTIONS of a file", req: "OPTIONS /f.txt HTTP/1.1\r\n" + host + "\r\n", status: 200,
			check: hdr("Allow", "OPTIONS, GET, HEAD, POST")},
		{name: "404 OPTIONS of a missing file", req: "OPTIONS /missing.txt HTTP/1.1\r\n" + host + "\r\n", status: 404},
		{name: "501 method the static handler does not serve", req: "PUT /f.txt HTTP/1.1\r\n" + host + "Content-Length: 1\r\n\r\nx", status: 501,
			eitherConn: true},
	}
	if os.Geteuid() != 0 {
		// root reads any file, so only an ordinary user can provoke the
		// EACCES path; the FIFO and the index-less directory cover 403
		// for root.
		cases = append(cases, statusCase{name: "403 unreadable file", req: "GET /unreadable.txt HTTP/1.1\r\n" + host + "\r\n", status: 403})
	} else {
		t.Log("running as root: the chmod 000 case is replaced by the FIFO and index-less directory cases")
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.dial()
			send(t, c, tc.req)
			br := bufio.NewReader(c)
			r := readResponse(t, br, strings.HasPrefix(tc.req, "HEAD "))
			if r.status != tc.status {
				t.Fatalf("status %d, want %d (%s %v %q)", r.status, tc.status, r.proto, r.headers, trunc(r.body))
			}
			if tc.proto != "" && r.proto != tc.proto {
				t.Errorf("status line protocol %s, want %s", r.proto, tc.proto)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
			if tc.close {
				if r.header("Connection") != "close" {
					t.Fatalf("Connection %q, want close", r.header("Connection"))
				}
				expectEOF(t, c, br, 3*time.Second)
				return
			}
			if tc.eitherConn && r.header("Connection") == "close" {
				expectEOF(t, c, br, 3*time.Second)
				return
			}
			if r.header("Connection") == "close" {
				t.Fatalf("Connection: close on a response that should keep the connection")
			}
			send(t, c, "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n")
			if next := readResponse(t, br, false); next.status != 200 || string(next.body) != "hello world\n" {
				t.Fatalf("follow-up request: %d %q", next.status, trunc(next.body))
			}
		})
	}
	if l := ts.logText(); strings.Contains(l, "panic") {
		t.Errorf("server log: %s", l)
	}
}

// paddedHead returns a GET of /f.txt whose head (request line, headers,
// final CRLF) is exactly n bytes.
func paddedHead(n int) string {
	const pre, post = "GET /f.txt HTTP/1.1\r\nHost: x\r\nX-Pad: ", "\r\n\r\n"
	return pre + strings.Repeat("p", n-len(pre)-len(post)) + post
}

func itoa(n int) string { return strconv.Itoa(n) }

// body checks the response body and, if ct is set, its Content-Type.
func body(want, ct string) func(*testing.T, *response) {
	return func(t *testing.T, r *response) {
		t.Helper()
		if string(r.body) != want {
			t.Errorf("body %q, want %q", trunc(r.body), trunc([]byte(want)))
		}
		if ct != "" && r.header("Content-Type") != ct {
			t.Errorf("Content-Type %q, want %q", r.header("Content-Type"), ct)
		}
		if cl := r.header("Content-Length"); cl != itoa(len(want)) {
			t.Errorf("Content-Length %q, want %d", cl, len(want))
		}
	}
}

func hdr(name, want string) func(*testing.T, *response) {
	return func(t *testing.T, r *response) {
		t.Helper()
		if got := r.header(name); got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
}

// redirect checks lighttpd's directory redirect: Location, and
// Content-Length: 0 with no body (§8.1).
func redirect(location string) func(*testing.T, *response) {
	return func(t *testing.T, r *response) {
		t.Helper()
		hdr("Location", location)(t, r)
		hdr("Content-Length", "0")(t, r)
	}
}

// notModified checks a 304: validators kept, no Content-Length (§8.4).
func notModified(etag string) func(*testing.T, *response) {
	return func(t *testing.T, r *response) {
		t.Helper()
		if _, ok := r.headers["content-length"]; ok {
			t.Errorf("304 carries Content-Length %q", r.header("Content-Length"))
		}
		hdr("ETag", etag)(t, r)
		if r.header("Last-Modified") == "" {
			t.Errorf("304 without Last-Modified")
		}
	}
}

// errorPage checks lighttpd's built-in error page (§8.8).
func errorPage(status int) func(*testing.T, *response) {
	return func(t *testing.T, r *response) {
		t.Helper()
		title := itoa(status) + " " + statusText[status]
		want := "<!DOCTYPE html>\n<html lang=\"en\">\n <head>\n  <meta charset=\"UTF-8\" />\n  <title>" + title +
			"</title>\n </head>\n <body>\n  <h1>" + title + "</h1>\n </body>\n</html>\n"
		body(want, "text/html")(t, r)
	}
}

// statusText holds lighttpd's reason phrases for the statuses tested.
var statusText = map[int]string{
	400: "Bad Request", 403: "Forbidden", 404: "Not Found", 411: "Length Required",
	413: "Payload Too Large", 416: "Range Not Satisfiable", 431: "Request Header Fields Too Large",
	501: "Not Implemented",
}

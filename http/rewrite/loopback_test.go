package rewrite_test

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/featherd/featherd/reactor/reactortest"
)

// TestRewriteOverLoopback checks what a client receives when rules
// rewrite its requests to real files.
func TestRewriteOverLoopback(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: `
server.modules = ( "mod_rewrite", "mod_redirect" )
url.rewrite-once = (
  "^/article/(\d+)$" => "/articles/$1.html",
  "^/once/a$" => "/once/b",
  "^/once/b$" => "/once/c",
  "^/lang/(\w+)/(.*)$" => "/$2?lang=$1",
)
url.rewrite-repeat = ( "^/chain/a$" => "/chain/b", "^/chain/b$" => "/chain/c" )
$HTTP["querystring"] == "lang=de" {
  url.redirect = ( "" => "/de${url.path}" )
}
$HTTP["host"] == "shop.test" {
  url.rewrite-if-not-file = ( "" => "/shop.html?path=${escape:url.path}${qsa}" )
}
`,
		Files: map[string]string{
			"articles/42.html": "article 42",
			"once/b":           "b",
			"once/c":           "c",
			"chain/c":          "chain end",
			"shop.html":        "shop front",
			"static.css":       "body{}",
			"sub/index.html":   "sub index",
		},
	})
	cases := []struct {
		name, raw string
		status    int
		body      string
		location  string
	}{
		{"rewritten to a file", "GET /article/42 HTTP/1.1\r\nHost: t\r\n\r\n", 200, "article 42", ""},
		{"rewritten to a missing file", "GET /article/7 HTTP/1.1\r\nHost: t\r\n\r\n", 404, "", ""},
		{"not rewritten", "GET /articles/42.html HTTP/1.1\r\nHost: t\r\n\r\n", 200, "article 42", ""},
		{"once", "GET /once/a HTTP/1.1\r\nHost: t\r\n\r\n", 200, "b", ""},
		{"repeat", "GET /chain/a HTTP/1.1\r\nHost: t\r\n\r\n", 200, "chain end", ""},
		// The rewritten query is what conditions and mod_redirect see.
		{"the new query reaches conditions", "GET /lang/de/static.css HTTP/1.1\r\nHost: t\r\n\r\n", 301, "", "/de/static.css"},
		{"if-not-file: a file", "GET /static.css HTTP/1.1\r\nHost: shop.test\r\n\r\n", 200, "body{}", ""},
		{"if-not-file: missing", "GET /cart/1?x=y HTTP/1.1\r\nHost: shop.test\r\n\r\n", 200, "shop front", ""},
		{"if-not-file: a directory", "GET /sub/ HTTP/1.1\r\nHost: shop.test\r\n\r\n", 200, "shop front", ""},
		{"if-not-file: another host", "GET /cart/1 HTTP/1.1\r\nHost: t\r\n\r\n", 404, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.Do(tc.raw)
			body := string(resp.Body)
			if resp.Status >= 400 {
				body = "" // the error page
			}
			if resp.Status != tc.status || body != tc.body || resp.Header("Location") != tc.location {
				t.Fatalf("got %d %q Location %q, want %d %q %q", resp.Status, resp.Body, resp.Header("Location"),
					tc.status, tc.body, tc.location)
			}
		})
	}
}

// TestRewriteOnceAcrossKeepAlive checks that a once-rewrite ends
// rewriting for its request only: the next request on the connection is
// rewritten again.
func TestRewriteOnceAcrossKeepAlive(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf:  "server.modules = ( \"mod_rewrite\" )\nurl.rewrite-once = ( \"^/a$\" => \"/b\", \"^/b$\" => \"/c\" )\n",
		Files: map[string]string{"b": "b", "c": "c"},
	})
	c := s.Dial()
	if _, err := io.WriteString(c, "GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for _, want := range []string{"b", "c"} {
		resp := reactortest.ReadResponse(t, br, false)
		if resp.Status != 200 || string(resp.Body) != want {
			t.Fatalf("got %d %q, want 200 %q", resp.Status, resp.Body, want)
		}
	}
}

// TestRewriteErrorsOverLoopback checks the answers to a rewrite that
// loops, gives no path, or gives a target that does not parse, and what
// is logged.
func TestRewriteErrorsOverLoopback(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{Conf: `
server.modules = ( "mod_rewrite" )
url.rewrite-repeat = ( "^/loop/(\w*)$" => "/loop/$1x" )
url.rewrite-once = ( "^/relative$" => "relative.html", "^/bad$" => "/a%%00b" )
`})
	cases := []struct {
		name, target string
		status       int
		close        bool
		log          string
	}{
		{"a loop", "/loop/", 500, false, "/loop/: the request came back 100 times (rewrite or error handler loop?); answering 500"},
		{"no path", "/relative", 500, false, `mod_rewrite invalid result (not beginning with '/') while processing uri: /relative -> "relative.html"; answering 500`},
		{"a bad target", "/bad", 400, true, `mod_rewrite: /bad was rewritten to "/a%00b", which is not a valid target; answering 400`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.Get(tc.target)
			if resp.Status != tc.status || (resp.Header("Connection") == "close") != tc.close {
				t.Fatalf("got %d Connection %q, want %d close=%v", resp.Status, resp.Header("Connection"), tc.status, tc.close)
			}
			reactortest.WaitFor(t, 5*time.Second, "the log line", func() bool { return strings.Contains(s.Log(), tc.log) })
		})
	}
}

// TestRewriteIfNotFileSymlink checks that a link to a regular file counts
// as a file, as lighttpd's stat does.
func TestRewriteIfNotFileSymlink(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf:  "server.modules = ( \"mod_rewrite\" )\nurl.rewrite-if-not-file = ( \"\" => \"/front.html\" )\n",
		Files: map[string]string{"front.html": "front", "real.txt": "real"},
		Setup: func(t testing.TB, root string) {
			if err := os.Symlink(filepath.Join(root, "real.txt"), filepath.Join(root, "link.txt")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(root, "gone"), filepath.Join(root, "dangling.txt")); err != nil {
				t.Fatal(err)
			}
		},
	})
	for target, want := range map[string]string{"/link.txt": "real", "/dangling.txt": "front", "/missing": "front"} {
		if resp := s.Get(target); resp.Status != 200 || !bytes.Equal(resp.Body, []byte(want)) {
			t.Errorf("%s: got %d %q, want 200 %q", target, resp.Status, resp.Body, want)
		}
	}
}

// BenchmarkKeepAliveStaticHitWithRules is the reactor's keep-alive static
// hit with mod_rewrite and mod_redirect loaded and rules that do not
// match: allocs/op counts both sides and should stay what it is without
// them.
func BenchmarkKeepAliveStaticHitWithRules(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1024)
	s := reactortest.Start(b, reactortest.Options{
		Conf: `
server.modules = ( "mod_rewrite", "mod_redirect" )
server.max-keep-alive-requests = 65535
url.rewrite-once = ( "^/article/(\d+)$" => "/articles/$1.html" )
url.rewrite-if-not-file = ( "^/app/" => "/index.php${qsa}" )
url.redirect = ( "^/old/(.*)" => "/new/$1" )
$HTTP["host"] =~ "^www\.(.*)$" { url.redirect = ( "^/(.*)" => "http://%1/$1" ) }
`,
		Files: map[string]string{"index.html": string(body)},
	})
	reactortest.KeepAliveHit(b, s, body)
}

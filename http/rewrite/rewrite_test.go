package rewrite

import (
	"bytes"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/http/pipeline/pipelinetest"
	_ "github.com/featherd/featherd/http/staticfile" // what serves the files
)

// loop loads conf with mod_rewrite over a document root holding files
// (path → body), and collects the log in logs.
func loop(t testing.TB, conf string, files ...string) (*pipelinetest.Loop, *bytes.Buffer) {
	t.Helper()
	root := t.TempDir()
	for _, f := range files {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, "/") {
			continue
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l := pipelinetest.New(t, "server.document-root = \""+root+"\"\nserver.modules = ( \"mod_rewrite\" )\n"+conf)
	var logs bytes.Buffer
	l.Log = &logs
	return l, &logs
}

// served returns what the request was answered with: the status, and the
// path it was served for.
func served(l *pipelinetest.Loop, target string) (int, string) {
	r := l.Get(target)
	defer l.Done()
	return r.Resp.Status, r.Head.Path + "?" + r.Head.Query
}

func TestRewriteOnceAndRepeat(t *testing.T) {
	l, _ := loop(t, `
url.rewrite-once = ( "^/once/a$" => "/once/b", "^/once/b$" => "/once/c" )
url.rewrite-repeat = ( "^/rep/a$" => "/rep/b", "^/rep/b$" => "/rep/c", "^/mix/a$" => "/once/a" )
`, "once/b", "once/c", "rep/c")
	cases := []struct {
		target string
		status int
		path   string
	}{
		{"/once/a", 200, "/once/b?"},        // a once-rule is not applied again
		{"/once/b", 200, "/once/c?"},        //
		{"/rep/a", 200, "/rep/c?"},          // repeat-rules go on until none matches
		{"/mix/a", 200, "/once/b?"},         // a repeat-rule, then a once-rule that ends it
		{"/other", 404, "/other?"},          // no rule
		{"/once/a?x=1", 404, "/once/a?x=1"}, // rules match the query too
	}
	for _, tc := range cases {
		if st, path := served(l, tc.target); st != tc.status || path != tc.path {
			t.Errorf("%s: got %d %s, want %d %s", tc.target, st, path, tc.status, tc.path)
		}
	}
}

// TestRewriteOnceIsPerRequest checks that a once-rewrite does not keep
// the connection's next request from being rewritten, even when the
// first ended without the reset hooks.
func TestRewriteOnceIsPerRequest(t *testing.T) {
	l, _ := loop(t, `url.rewrite-once = ( "^/a$" => "/b", "^/b$" => "/c" )`+"\n", "b", "c")
	for _, tc := range []struct{ target, want string }{{"/a", "/b"}, {"/b", "/c"}} {
		if r := l.Get(tc.target); r.Resp.Status != 200 || r.Head.Path != tc.want {
			t.Errorf("%s: got %d %s, want 200 %s", tc.target, r.Resp.Status, r.Head.Path, tc.want)
		}
		// no l.Done(): the request ends without RequestReset
	}
}

// TestRewriteErrorHandler checks that server.error-handler's target is
// rewritten even after a once-rule rewrote the request (lighttpd resets
// the modules' request state before it), while server.error-handler-404
// keeps it.
func TestRewriteErrorHandler(t *testing.T) {
	const rules = `url.rewrite-once = ( "^/err$" => "/error-page", "^/a$" => "/missing" )` + "\n"
	cases := []struct{ handler, path string }{
		{`server.error-handler = "/err"`, "/error-page"},
		{`server.error-handler-404 = "/err"`, "/err"},
	}
	for _, tc := range cases {
		l, _ := loop(t, rules+tc.handler+"\n", "error-page")
		r := l.Get("/a")
		if r.Resp.Status != 404 || r.Head.Path != tc.path {
			t.Errorf("%s: got %d for %s, want 404 for %s", tc.handler, r.Resp.Status, r.Head.Path, tc.path)
		}
		l.Done()
	}
}

func TestRewriteKeysOrder(t *testing.T) {
	// Within a block the once-rules of url.rewrite-once, url.rewrite-final
	// and url.rewrite come first, in that order, then url.rewrite-repeat,
	// whatever the order they are written in.
	l, _ := loop(t, `
url.rewrite-repeat = ( "^/a$" => "/from-repeat" )
url.rewrite = ( "^/a$" => "/from-rewrite", "^/b$" => "/from-rewrite" )
url.rewrite-final = ( "^/a$" => "/from-final", "^/b$" => "/from-final", "^/c$" => "/from-final" )
url.rewrite-once = ( "^/a$" => "/from-once" )
`)
	for target, want := range map[string]string{"/a": "/from-once?", "/b": "/from-final?", "/c": "/from-final?"} {
		if _, path := served(l, target); path != want {
			t.Errorf("%s: served %s, want %s", target, path, want)
		}
	}
}

func TestRewriteConditional(t *testing.T) {
	l, _ := loop(t, `
url.rewrite-once = ( "^/(.*)" => "/global/$1" )
$HTTP["host"] =~ "^(\w+)\.example\.org$" {
  url.rewrite-repeat = ( "^/(\w+)$" => "/%1/$1" )
}
$HTTP["url"] =~ "^/global/" {
  url.rewrite-once = ( "^/global/x$" => "/y" )
}
`)
	cases := []struct{ raw, path string }{
		// The block's list replaces the global one: its repeat-rule
		// alone applies, and again on /shop/cart (no more match).
		{"GET /cart HTTP/1.1\r\nHost: shop.example.org\r\n\r\n", "/shop/cart?"},
		// The global once-rule; then the $HTTP["url"] block matches the
		// rewritten path (conditions are evaluated again) and its list
		// replaces the global one, but after a once-rule nothing is
		// rewritten again.
		{"GET /x HTTP/1.1\r\nHost: other.org\r\n\r\n", "/global/x?"},
	}
	for _, tc := range cases {
		r := l.Do(tc.raw)
		if got := r.Head.Path + "?" + r.Head.Query; got != tc.path {
			t.Errorf("%q: served %s, want %s", tc.raw, got, tc.path)
		}
		l.Done()
	}
}

func TestRewriteIfNotFile(t *testing.T) {
	l, _ := loop(t, `
url.rewrite-if-not-file = ( "^/(?:app|dir)" => "/index.txt?path=${url.path}${qsa}" )
url.rewrite-repeat-if-not-file = ( "^/rep/(\w\w\w?)$" => "/rep/$1x" )
`, "index.txt", "app.css", "dir/", "rep/abxx")
	cases := []struct {
		target string
		status int
		path   string
	}{
		{"/app.css", 200, "/app.css?"},                                // a file: left alone
		{"/app/missing?a=b", 200, "/index.txt?path=/app/missing&a=b"}, // missing: rewritten
		{"/app.css/info", 200, "/index.txt?path=/app.css/info"},       // path info is not a file
		{"/dir/", 200, "/index.txt?path=/dir/"},                       // a directory is not a file
		{"/rep/ab", 200, "/rep/abxx?"},                                // repeat until the file exists
		{"/rep/zz", 404, "/rep/zzxx?"},                                // once the rules no longer match
	}
	for _, tc := range cases {
		if st, path := served(l, tc.target); st != tc.status || path != tc.path {
			t.Errorf("%s: got %d %s, want %d %s", tc.target, st, path, tc.status, tc.path)
		}
	}
}

func TestRewriteOnceStopsIfNotFile(t *testing.T) {
	// A once-rewrite in either phase ends rewriting in both.
	l, _ := loop(t, `
url.rewrite-once = ( "^/a$" => "/missing" )
url.rewrite-if-not-file = ( "" => "/index.txt" )
`, "index.txt")
	if st, path := served(l, "/a"); st != 404 || path != "/missing?" {
		t.Errorf("/a: got %d %s, want 404 /missing?", st, path)
	}
	if st, path := served(l, "/b"); st != 200 || path != "/index.txt?" {
		t.Errorf("/b: got %d %s, want 200 /index.txt?", st, path)
	}
}

func TestRewriteLoop(t *testing.T) {
	l, logs := loop(t, `url.rewrite-repeat = ( "^/loop" => "/loop" )`+"\n")
	r := l.Get("/loop")
	if r.Resp.Status != 500 {
		t.Errorf("status %d, want 500", r.Resp.Status)
	}
	l.Done()
	if !strings.Contains(logs.String(), "came back 100 times") {
		t.Errorf("log %q does not tell of the loop", logs.String())
	}
}

func TestRewriteBadResult(t *testing.T) {
	l, logs := loop(t, `url.rewrite-once = ( "^/rel$" => "rel", "^/empty(.*)$" => "$1", "^/ctrl$" => "/a%%00b", "^/fine$" => "/index.txt" )`+"\n", "index.txt")
	cases := []struct {
		target string
		status int
		close  bool
		log    string
	}{
		{"/rel", 500, false, `mod_rewrite invalid result (not beginning with '/') while processing uri: /rel -> "rel"`},
		{"/empty", 500, false, `while processing uri: /empty -> ""`},
		{"/ctrl", 400, true, `mod_rewrite: /ctrl was rewritten to "/a%00b", which is not a valid target; answering 400`},
		{"/fine", 200, false, ""},
	}
	for _, tc := range cases {
		logs.Reset()
		r := l.Get(tc.target)
		if r.Resp.Status != tc.status || r.Resp.Close != tc.close {
			t.Errorf("%s: got %d close=%v, want %d close=%v", tc.target, r.Resp.Status, r.Resp.Close, tc.status, tc.close)
		}
		l.Done()
		if !strings.Contains(logs.String(), tc.log) || tc.log == "" && logs.Len() > 0 {
			t.Errorf("%s: log %q, want %q", tc.target, logs.String(), tc.log)
		}
	}
}

func TestRewriteConfigErrors(t *testing.T) {
	cases := []struct{ name, conf, want string }{
		{"bad regex", "url.rewrite-once = (\n \"^/(?<=a)\" => \"/b\" )", "test.conf:4:2: url.rewrite-once: invalid regex"},
		{"bad substitution", `url.rewrite-if-not-file = ( "" => "/index.php?${qsa" )`, "test.conf:3:29: url.rewrite-if-not-file: ${ without its closing '}'"},
		{"not a list", `url.rewrite-repeat = "/x"`, "test.conf:3:1: url.rewrite-repeat: expected a list of key => string values"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("test.conf", "server.document-root = \"/srv\"\nserver.modules = ( \"mod_rewrite\" )\n"+tc.conf+"\n",
				"", config.LoadOptions{Sandbox: true, Dir: "/", DefaultTag: "t"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant it to contain %s", err, tc.want)
			}
		})
	}
}

// missed returns a request for a static file no rule matches, and
// mod_rewrite's instance for the loop it was handled on.
func missed(t testing.TB) (*module, *pipeline.Request) {
	l, _ := loop(t, `
url.rewrite-once = ( "^/old/(.*)" => "/new/$1", "^/blog/?$" => "/blog/index.php" )
url.rewrite-if-not-file = ( "^/app/" => "/index.php" )
`, "static/site.css")
	r := l.Get("/static/site.css?v=3")
	if r.Resp.Status != 200 {
		t.Fatalf("status %d", r.Resp.Status)
	}
	return &module{scoped: options.Of(l.Cfg), logger: log.New(io.Discard, "", 0)}, r
}

func (m *module) unmatched(r *pipeline.Request) bool {
	return m.URIRaw(r) == pipeline.GoOn && m.Physical(r) == pipeline.GoOn
}

func TestNoMatchAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	m, r := missed(t)
	if n := testing.AllocsPerRun(100, func() {
		if !m.unmatched(r) {
			t.Fatal("a rule matched")
		}
	}); n != 0 {
		t.Errorf("URIRaw and Physical allocate %v times for a request no rule matches", n)
	}
}

func BenchmarkNoMatch(b *testing.B) {
	m, r := missed(b)
	b.ReportAllocs()
	for b.Loop() {
		m.unmatched(r)
	}
}

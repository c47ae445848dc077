package alias_test

import (
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/reactor/reactortest"
)

// The probe shows, in response headers, where a request was mapped: it
// is registered only in this test binary and loaded by the tests that
// list it in server.modules.
func init() {
	pipeline.Register(pipeline.Module{Name: "mod_alias_test_probe", New: func(*pipeline.Setup) any { return probe{} }})
}

type probe struct{}

func (probe) ResponseStart(r *pipeline.Request) pipeline.Result {
	r.Resp.AddHeader("X-Physical-Path", string(r.Physical.Path))
	r.Resp.AddHeader("X-Base-Dir", string(r.Physical.BaseDir))
	r.Resp.AddHeader("X-Path-Info", string(r.Physical.PathInfo))
	return pipeline.GoOn
}

// tree is the server's directory: the document root is htdocs, the alias
// targets sit beside it, and secret.txt above them all is what no URL
// may reach.
var tree = map[string]string{
	"secret.txt":             "TOP SECRET",
	"htdocs/index.html":      "docroot index",
	"htdocs/t/f.txt":         "docroot t",
	"target/index.html":      "target index",
	"target/file.txt":        "target file",
	"target/sub/f.txt":       "target sub",
	"deep/f.txt":             "deep",
	"shallow/f.txt":          "shallow",
	"shallow/b/f.txt":        "shallow b",
	"files/robots-real.txt":  "robots",
	"cgi/script.txt":         "script",
	"docs/file.txt":          "docs",
	"other/f.txt":            "other host",
	"target../secret.txt":    "sibling of target",
	"htdocs/unaliased/a.txt": "unaliased",
}

func start(t *testing.T, conf string) *reactortest.Server {
	t.Helper()
	return reactortest.Start(t, reactortest.Options{Files: tree, Conf: `
server.document-root := "$ROOT/htdocs"
server.modules = ( "mod_alias", "mod_alias_test_probe" )
index-file.names = ( "index.html" )
` + conf})
}

type check struct {
	target string
	status int
	body   string // checked when status is 200
}

func run(t *testing.T, s *reactortest.Server, checks []check) {
	t.Helper()
	for _, c := range checks {
		resp := s.Get(c.target)
		if strings.Contains(string(resp.Body), "TOP SECRET") {
			t.Errorf("GET %s: served the file outside every alias target", c.target)
		}
		if resp.Status != c.status {
			t.Errorf("GET %s: status %d, want %d (mapped to %q)", c.target, resp.Status, c.status, resp.Header("X-Physical-Path"))
			continue
		}
		if c.status == 200 && string(resp.Body) != c.body {
			t.Errorf("GET %s: body %q, want %q", c.target, resp.Body, c.body)
		}
	}
}

// TestAlias: a prefix maps into its target, the rest of the URL
// appended; other URLs stay in the document root.
func TestAlias(t *testing.T) {
	s := start(t, `alias.url = ( "/t/" => "$ROOT/target/", "/robots.txt" => "$ROOT/files/robots-real.txt" )`)
	run(t, s, []check{
		{"/t/file.txt", 200, "target file"},
		{"/t/sub/f.txt", 200, "target sub"},
		{"/t/", 200, "target index"},
		{"/t/f.txt", 404, ""}, // htdocs/t/f.txt is hidden by the alias
		{"/t", 301, ""},       // "/t" does not start with "/t/": htdocs/t, a directory
		{"/index.html", 200, "docroot index"},
		{"/unaliased/a.txt", 200, "unaliased"},
		// An alias to a file.
		{"/robots.txt", 200, "robots"},
		{"/robots.txtx", 404, ""},
	})
	resp := s.Get("/t/sub/f.txt")
	if got, want := resp.Header("X-Base-Dir"), s.Root+"/target/"; got != want {
		t.Errorf("base dir %q, want %q", got, want)
	}
}

// TestDocumentRootSlash: a document root written with a trailing slash
// maps the same.
func TestDocumentRootSlash(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{Files: tree, Conf: `
server.document-root := "$ROOT/htdocs/"
server.modules = ( "mod_alias" )
alias.url = ( "/t/" => "$ROOT/target/" )
`})
	run(t, s, []check{{"/t/file.txt", 200, "target file"}, {"/index.html", 200, "docroot index"}, {"/t/../secret.txt", 404, ""}})
}

// TestPathInfo: PATH_INFO is found past the alias target, whether the
// target is a directory or a file.
func TestPathInfo(t *testing.T) {
	s := start(t, `alias.url = ( "/cgi/" => "$ROOT/cgi/", "/robots.txt" => "$ROOT/files/robots-real.txt" )`)
	for _, c := range []struct{ target, path, info, body string }{
		{"/cgi/script.txt/extra/path", "/cgi/script.txt", "/extra/path", "script"},
		{"/robots.txt/x", "/files/robots-real.txt", "/x", "robots"},
	} {
		resp := s.Get(c.target)
		if resp.Status != 200 || string(resp.Body) != c.body {
			t.Errorf("GET %s: %d %q", c.target, resp.Status, resp.Body)
		}
		if got := resp.Header("X-Physical-Path"); got != s.Root+c.path {
			t.Errorf("GET %s: physical path %q, want %q", c.target, got, s.Root+c.path)
		}
		if got := resp.Header("X-Path-Info"); got != c.info {
			t.Errorf("GET %s: PATH_INFO %q, want %q", c.target, got, c.info)
		}
	}
}

// TestLongestPrefix: a longer prefix listed first wins over the shorter
// one that starts it.
func TestLongestPrefix(t *testing.T) {
	s := start(t, `alias.url = ( "/a/b/" => "$ROOT/deep/", "/a/" => "$ROOT/shallow/" )`)
	run(t, s, []check{
		{"/a/b/f.txt", 200, "deep"},
		{"/a/f.txt", 200, "shallow"},
		{"/a/c/f.txt", 404, ""},
	})
}

// TestEscapes: no URL reaches outside an alias target. The parser has
// already decoded the path and removed its dot segments, so "..", its
// encodings and encoded slashes only ever climb inside the URL, where
// they leave the alias; and the one climb lighttpd guards against in
// mod_alias itself, a prefix without a slash mapped to a target with one,
// is refused.
func TestEscapes(t *testing.T) {
	for _, opts := range []string{"", `server.http-parseopts = ( "url-normalize" => "disable" )`} {
		s := start(t, `
alias.url = ( "/t/" => "$ROOT/target/", "/a" => "$ROOT/target/", "/b" => "$ROOT/target" )
`+opts)
		t.Run("parseopts "+opts, func(t *testing.T) {
			run(t, s, []check{
				{"/t/../secret.txt", 404, ""},
				{"/t/../../secret.txt", 404, ""},
				{"/t/%2e%2e/secret.txt", 404, ""},
				{"/t/%2E%2E/%2e%2e/secret.txt", 404, ""},
				{"/t/.%2e/secret.txt", 404, ""},
				{"/t/..%2fsecret.txt", 404, ""},
				{"/t/..%2Fsecret.txt", 404, ""},
				{"/t/%2e%2e%2fsecret.txt", 404, ""},
				{"/t//../secret.txt", 404, ""},
				{"/t/sub/../../secret.txt", 404, ""},
				{"/t/sub/%2e%2e/%2e%2e/%2e%2e/secret.txt", 404, ""},
				{"//t/../secret.txt", 404, ""},
				{"/t/..%5csecret.txt", 404, ""},
				{"/t/sub/..", 200, "target index"}, // climbs back to /t/: inside
				// lighttpd's own guard: "/a" => ".../target/".
				{"/a../secret.txt", 403, ""},
				{"/a%2e%2e/secret.txt", 403, ""},
				{"/a..", 403, ""},
				{"/a./file.txt", 403, ""},
				{"/afile.txt", 200, "target file"}, // a prefix, not a segment, as in lighttpd
				{"/a/file.txt", 200, "target file"},
				{"/a.b", 404, ""}, // a name, not a dot segment
				// Neither ends in '/': /b.. names a sibling directory, never the parent.
				{"/b../secret.txt", 200, "sibling of target"},
				{"/b/file.txt", 200, "target file"},
			})
		})
	}
}

// TestForceLowercase: with server.force-lowercase-filenames prefixes
// match without regard to case; without it they are case-sensitive.
func TestForceLowercase(t *testing.T) {
	const conf = `alias.url = ( "/Docs/" => "$ROOT/docs/" )` + "\n"
	s := start(t, conf)
	run(t, s, []check{
		{"/Docs/file.txt", 200, "docs"},
		{"/DOCS/file.txt", 404, ""},
		{"/docs/file.txt", 404, ""},
	})
	s = start(t, conf+`server.force-lowercase-filenames = "enable"`)
	run(t, s, []check{
		{"/DOCS/FILE.TXT", 200, "docs"},
		{"/docs/file.txt", 200, "docs"},
	})
}

// TestConditional: alias.url in a conditional block replaces the global
// list for the requests that match it.
func TestConditional(t *testing.T) {
	s := start(t, `
alias.url = ( "/t/" => "$ROOT/target/" )
$HTTP["host"] == "other" {
    alias.url = ( "/t/" => "$ROOT/other/" )
}
`)
	if resp := s.Get("/t/file.txt"); resp.Status != 200 || string(resp.Body) != "target file" {
		t.Errorf("default host: %d %q", resp.Status, resp.Body)
	}
	resp := s.Do("GET /t/f.txt HTTP/1.1\r\nHost: other\r\n\r\n")
	if resp.Status != 200 || string(resp.Body) != "other host" {
		t.Errorf("host other: %d %q", resp.Status, resp.Body)
	}
}

// TestBadConfig: what lighttpd refuses, featherd refuses at load time,
// at the setting or at the entry at fault.
func TestBadConfig(t *testing.T) {
	tests := []struct{ conf, want string }{
		{`alias.url = ( "/a/" => "/x/", "/a/b/" => "/y/" )`,
			`test.conf:3:31: alias.url: "/a/b/" will never match as "/a/" matched first: list the longer prefix first`},
		{"$HTTP[\"host\"] == \"h\" {\n  alias.url = ( \"\" => \"/x/\", \"/y\" => \"/y/\" )\n}",
			`test.conf:4:30: alias.url: "/y" will never match as "" matched first`},
		{`alias.url = ( "/a/" => "/x/", "/A/" => "/y/" )`, `test.conf:3:31: duplicate array-key "/A/"`},
		{`alias.url = ( "/a/", "/x/" )`, `test.conf:3:1: alias.url: expected a list of key => string values`},
		{`alias.url = ( "/a/" => 1 )`, `test.conf:3:1: alias.url: expected a list of key => string values`},
		{`alias.url = "/x/"`, `test.conf:3:1: alias.url: expected a list of key => string values`},
	}
	for _, tc := range tests {
		src := "server.document-root = \"/tmp\"\nserver.modules = ( \"mod_alias\" )\n" + tc.conf + "\n"
		_, err := config.Parse("test.conf", src, "", config.LoadOptions{DefaultTag: "featherd-test"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\nerror %v\n want %q", tc.conf, err, tc.want)
		}
	}
}

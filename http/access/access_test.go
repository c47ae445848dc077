package access_test

import (
	"strings"
	"testing"
	"time"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/reactor/reactortest"
)

// site is a document root with what Debian's url.access-deny = ( "~",
// ".inc" ) is about: include files and editors' backups next to pages.
var site = map[string]string{
	"index.html":        "index",
	"style.css":         "css",
	"config.inc":        "<?php $password = 'secret';",
	"notes.txt~":        "backup",
	"upper.INC":         "upper",
	"dir/index.inc":     "index include",
	"dir/page.html":     "page",
	"private/a.txt":     "private",
	"inc-ok/x.inc":      "allowed include",
	"public.txt":        "public",
	"tilde~/inside.txt": "inside",
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
		if resp.Status != c.status {
			t.Errorf("GET %s: status %d, want %d", c.target, resp.Status, c.status)
			continue
		}
		if c.status == 200 && string(resp.Body) != c.body {
			t.Errorf("GET %s: body %q, want %q", c.target, resp.Body, c.body)
		}
		if c.status == 403 && !strings.Contains(string(resp.Body), "403") {
			t.Errorf("GET %s: 403 without the error page: %q", c.target, resp.Body)
		}
	}
}

// TestDeny: Debian's default list, as lighttpd applies it: a suffix of the
// decoded URL path, case-sensitively, before the file is looked for, and
// again once PATH_INFO is cut and an index file chosen.
func TestDeny(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{Files: site, Conf: `
server.modules = ( "mod_access" )
index-file.names = ( "index.inc", "index.html" )
url.access-deny = ( "~", ".inc" )
`})
	run(t, s, []check{
		{"/index.html", 200, "index"},
		{"/public.txt", 200, "public"},
		{"/config.inc", 403, ""},
		{"/notes.txt~", 403, ""},
		{"/missing.inc", 403, ""},    // denied before the file is looked for
		{"/config%2einc", 403, ""},   // the decoded path is compared
		{"/config.inc?x=1", 403, ""}, // the query is not part of the path
		{"/public.txt?x=.inc", 200, "public"},
		{"/upper.INC", 200, "upper"},          // case-sensitive
		{"/config.inc/more", 403, ""},         // PATH_INFO cut: "/config.inc" is denied in subrequest start
		{"/dir/", 403, ""},                    // the index file index.inc is denied
		{"/dir/page.html", 200, "page"},       // .inc is a suffix, not a substring
		{"/tilde~/inside.txt", 200, "inside"}, // only the end of the path counts
		{"/tilde~/", 403, ""},
	})
	if resp := s.Do("HEAD /config.inc HTTP/1.1\r\nHost: t\r\n\r\n"); resp.Status != 403 {
		t.Errorf("HEAD /config.inc: %d, want 403", resp.Status)
	}
}

// TestDenyForceLowercase: with server.force-lowercase-filenames the
// suffixes compare without regard to case.
func TestDenyForceLowercase(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{Files: map[string]string{"index.html": "index", "upper.inc": "upper"}, Conf: `
server.modules = ( "mod_access" )
server.force-lowercase-filenames = "enable"
url.access-deny = ( ".Inc" )
`})
	run(t, s, []check{
		{"/upper.INC", 403, ""},
		{"/upper.inc", 403, ""},
		{"/INDEX.HTML", 200, "index"},
	})
}

// TestDenyEverything: the empty string is a suffix of every path.
func TestDenyEverything(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{Files: site, Conf: `
server.modules = ( "mod_access" )
url.access-deny = ( "" )
`})
	run(t, s, []check{{"/index.html", 403, ""}, {"/", 403, ""}, {"/missing", 403, ""}})
}

// TestAllow: only the listed suffixes are served, and url.access-allow
// alone decides when url.access-deny applies too. A directory's URL ends
// in '/', so it is refused before an index file is looked for, as in
// lighttpd.
func TestAllow(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{Files: site, Conf: `
server.modules = ( "mod_access" )
url.access-allow = ( ".html", ".css" )
url.access-deny = ( ".html" )
`})
	run(t, s, []check{
		{"/index.html", 200, "index"},
		{"/style.css", 200, "css"},
		{"/config.inc", 403, ""},
		{"/public.txt", 403, ""},
		{"/", 403, ""},
		{"/missing.html", 404, ""},
	})
}

// TestConditional: conditional blocks change the lists as they change any
// option, the last matching block winning, and an empty list turning the
// check off.
func TestConditional(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{Files: site, Conf: `
server.modules = ( "mod_access" )
url.access-deny = ( ".inc" )
$HTTP["url"] =^ "/private/" {
    url.access-deny = ( "" )
}
$HTTP["url"] =^ "/inc-ok/" {
    url.access-deny = ()
}
$REQUEST_HEADER["X-Only-Html"] == "1" {
    url.access-allow = ( ".html" )
}
`})
	run(t, s, []check{
		{"/private/a.txt", 403, ""},
		{"/public.txt", 200, "public"},
		{"/config.inc", 403, ""},
		{"/inc-ok/x.inc", 200, "allowed include"},
	})
	if resp := s.Get("/public.txt", "X-Only-Html: 1"); resp.Status != 403 {
		t.Errorf("/public.txt with X-Only-Html: %d, want 403", resp.Status)
	}
	if resp := s.Get("/index.html", "X-Only-Html: 1"); resp.Status != 200 {
		t.Errorf("/index.html with X-Only-Html: %d, want 200", resp.Status)
	}
}

// TestDenyLogged: debug.log-request-handling says why a URL was refused,
// in lighttpd's words.
func TestDenyLogged(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{Files: site, Conf: `
server.modules = ( "mod_access" )
debug.log-request-handling = "enable"
url.access-deny = ( ".inc" )
$HTTP["url"] =^ "/allow/" {
    url.access-allow = ( ".html" )
}
`})
	s.Get("/config.inc")
	s.Get("/allow/x.txt")
	reactortest.WaitFor(t, 5*time.Second, "log lines", func() bool {
		l := s.Log()
		return strings.Contains(l, "url denied as we match access_deny /config.inc") &&
			strings.Contains(l, "url denied as failed to match any from access_allow /allow/x.txt")
	})
}

// TestBadConfig: a value that is not a list of strings stops the
// configuration from loading, at the setting.
func TestBadConfig(t *testing.T) {
	tests := []struct{ conf, want string }{
		{"url.access-deny = \"~\"\n", `test.conf:3:1: url.access-deny: expected a list of strings`},
		{"url.access-allow = ( \".html\" => \"x\" )\n", `test.conf:3:1: url.access-allow: expected a list of strings`},
		{"$HTTP[\"url\"] =^ \"/a\" {\n  url.access-deny = ( 1 )\n}\n", `test.conf:4:3: url.access-deny: expected a list of strings`},
	}
	for _, tc := range tests {
		src := "server.document-root = \"/tmp\"\nserver.modules = ( \"mod_access\" )\n" + tc.conf
		_, err := config.Parse("test.conf", src, "", config.LoadOptions{DefaultTag: "featherd-test"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.conf, err, tc.want)
		}
	}
}

// TestURLBlockAfterPathInfo: a $HTTP["url"] block is decided again once
// PATH_INFO is cut from the path, as lighttpd resets the condition: a
// deny in a block matching the file's name holds for /config.inc/x too.
func TestURLBlockAfterPathInfo(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{Files: site, Conf: `
server.modules = ( "mod_access" )
$HTTP["url"] =~ "\.inc$" { url.access-deny = ( "" ) }
`})
	for _, target := range []string{"/config.inc", "/config.inc/x", "/config.inc/"} {
		if resp := s.Get(target); resp.Status != 403 {
			t.Errorf("GET %s: %d %q, want 403", target, resp.Status, resp.Body)
		}
	}
}

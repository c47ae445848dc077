package userdir_test

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline/pipelinetest"
	"github.com/featherd/featherd/reactor/reactortest"
)

// homes makes base/homes/<user>/… for userdir.basepath, and
// base/public_html/secret.txt, where basepath + ".." + public_html would
// lead: no request may be served from it.
func homes(t testing.TB) (base string) {
	base = t.TempDir()
	reactortest.WriteFiles(t, base, map[string]string{
		"homes/alice/public_html/page.txt":      "alice",
		"homes/alice/public_html/docs/page.txt": "alice's docs",
		"homes/alice/secret.txt":                "alice's home",
		"homes/bob/public_html/page.txt":        "bob",
		"homes/kim/public_html/page.txt":        "kim",
		"homes/carol/notes.txt":                 "carol has no public_html",
		"homes/a/alice/public_html/page.txt":    "alice by letter",
		"homes/.x/public_html/page.txt":         "dot",
		"public_html/secret.txt":                "ESCAPED",
	})
	return base
}

// docroot is server.document-root's content: where a request the module
// does not map is served from.
var docroot = map[string]string{
	"~ghost/page.txt":  "document root's ~ghost",
	"~nobody/page.txt": "document root's ~nobody",
}

func serve(t *testing.T, conf string) *reactortest.Server {
	return reactortest.Start(t, reactortest.Options{
		Conf:  "server.modules = ( \"mod_userdir\" )\n" + conf,
		Files: docroot,
	})
}

// get returns "status body", or "status Location" for a redirect.
func get(s *reactortest.Server, target string, headers ...string) string {
	s.T.Helper()
	r := s.Get(target, headers...)
	switch {
	case r.Status == 301:
		return fmt.Sprintf("301 %s", r.Header("Location"))
	case r.Status != 200:
		return fmt.Sprint(r.Status)
	}
	return fmt.Sprintf("200 %s", r.Body)
}

type want struct{ target, want string }

func check(t *testing.T, s *reactortest.Server, cases []want) {
	t.Helper()
	for _, tc := range cases {
		if got := get(s, tc.target); got != tc.want {
			t.Errorf("GET %s: got %q, want %q", tc.target, got, tc.want)
		}
	}
}

// escapes are requests that try to leave a user's directory; each must
// be answered from the document root (where nothing matches: 404).
var escapes = []string{
	"/~alice/../secret.txt",
	"/~alice/../../public_html/secret.txt",
	"/~alice/%2e%2e/secret.txt",
	"/~alice%2F..%2Fsecret.txt",
	"/~alice/..%2F..%2Fpublic_html%2Fsecret.txt",
	"/~../secret.txt",
	"/~..%2Fsecret.txt",
	"/~%2e%2e/secret.txt",
	"/~./secret.txt",
	"/~alice%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
	"/~root/../../../../../../etc/passwd",
	"/~root%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
}

// TestBasepath: with userdir.basepath, /~user/ is basepath/user/path;
// the path after the user cannot climb out of it, and a user name that is
// not a plain name is not mapped.
func TestBasepath(t *testing.T) {
	base := homes(t)
	s := serve(t, fmt.Sprintf("userdir.basepath = %q\nuserdir.path = \"public_html\"", base+"/homes"))
	check(t, s, []want{
		{"/~alice/page.txt", "200 alice"},
		{"/~alice/docs/page.txt", "200 alice's docs"},
		{"/~alice//docs/./page.txt", "200 alice's docs"},
		{"/~alice/docs/../page.txt", "200 alice"},
		{"/~bob/page.txt", "200 bob"},
		{"/~alice/page.txt/more", "200 alice"}, // PATH_INFO past the file, as for any file
		{"/~alice/docs", "301 /~alice/docs/"},
		{"/~alice", "301 /~alice/"},
		{"/~alice?a=b", "301 /~alice/?a=b"},
		{"/~nosuch", "301 /~nosuch/"}, // before the user is looked at, as in lighttpd
		{"/~carol/notes.txt", "404"},  // no public_html: not checked under basepath
		{"/~nosuch/page.txt", "404"},
		{"/~ghost/page.txt", "404"},
		{"/~ALICE/page.txt", "404"},
		{"/~al%20ice/page.txt", "404"},
		{"/~al:ice/page.txt", "404"},
		{"/~" + strings.Repeat("a", 256) + "/page.txt", "404"},
		{"/~", "404"},
		{"/~/page.txt", "404"},
		{"/~.x/page.txt", "200 dot"}, // a name may start with '.'; only . and .. are refused
	})
	for _, target := range escapes {
		if got := get(s, target); got != "404" {
			t.Errorf("GET %s: got %q, want 404", target, got)
		}
	}
}

// TestLetterhomes: basepath/first letter/user/path; a name starting
// with '.' is not mapped.
func TestLetterhomes(t *testing.T) {
	base := homes(t)
	s := serve(t, fmt.Sprintf("userdir.basepath = %q\nuserdir.path = \"public_html\"\nuserdir.letterhomes = \"enable\"", base+"/homes"))
	check(t, s, []want{
		{"/~alice/page.txt", "200 alice by letter"},
		{"/~bob/page.txt", "404"},
		{"/~.x/page.txt", "404"},
	})
}

// TestUserLists: excluded users, and users not in include-user, are not
// mapped; with server.force-lowercase-filenames the user name is
// lower-cased and the exclude list compared without case.
func TestUserLists(t *testing.T) {
	base := homes(t)
	conf := fmt.Sprintf("userdir.basepath = %q\nuserdir.path = \"public_html\"\n", base+"/homes")
	s := serve(t, conf+`userdir.exclude-user = ( "bob", "ALICE" )`)
	check(t, s, []want{
		{"/~alice/page.txt", "200 alice"}, // the list is case-sensitive
		{"/~bob/page.txt", "404"},
	})
	s = serve(t, conf+`userdir.include-user = ( "bob" )`)
	check(t, s, []want{
		{"/~alice/page.txt", "404"},
		{"/~bob/page.txt", "200 bob"},
		{"/~BOB/page.txt", "404"},
	})
	s = serve(t, conf+`userdir.include-user = ( )`)
	check(t, s, []want{{"/~bob/page.txt", "404"}})

	s = serve(t, conf+`server.force-lowercase-filenames = "enable"`+"\n"+`userdir.exclude-user = ( "BOB", "`+"\u212Aim"+`" )`)
	check(t, s, []want{
		{"/~ALICE/PAGE.TXT", "200 alice"},
		{"/~Alice/Docs/Page.txt", "200 alice's docs"},
		{"/~bob/page.txt", "404"},
		{"/~Bob/page.txt", "404"},
		{"/~kim/page.txt", "200 kim"}, // the Kelvin sign is not a K to lighttpd
	})
}

// TestOptions: userdir.path "" is the home itself; userdir.active and an
// unset userdir.path turn the module off; a block's "" basepath means
// the password database.
func TestOptions(t *testing.T) {
	base := homes(t)
	s := serve(t, fmt.Sprintf(`userdir.basepath = %q
userdir.path = ""
$HTTP["url"] =^ "/~bob/" {
	userdir.active = "disable"
}
$HTTP["url"] =^ "/~alice/docs/" {
	userdir.basepath = ""
}
`, base+"/homes"))
	check(t, s, []want{
		{"/~alice/secret.txt", "200 alice's home"},
		{"/~alice/public_html/page.txt", "200 alice"},
		{"/~alice/docs/page.txt", "404"}, // no user alice in the password database
		{"/~bob/public_html/page.txt", "404"},
	})

	s = serve(t, fmt.Sprintf("userdir.basepath = %q", base+"/homes"))
	check(t, s, []want{
		{"/~alice/public_html/page.txt", "404"},
		{"/~alice", "404"},
		{"/~ghost/page.txt", "200 document root's ~ghost"},
	})
}

// passwdUser returns a user in the password database whose home exists
// and is readable, and that home; the test is skipped without one.
func passwdUser(t *testing.T) (name, home string) {
	u, err := user.Current()
	if err != nil {
		t.Skipf("no current user: %v", err)
	}
	if st, err := os.Stat(u.HomeDir); err != nil || !st.IsDir() {
		t.Skipf("home %q of %s: not a directory (%v)", u.HomeDir, u.Username, err)
	}
	return u.Username, u.HomeDir
}

// TestPasswd: without basepath the user's home comes from the password
// database. The test uses the user running it (root on the build
// machine) without writing into that home: userdir.path climbs out of
// it to a temporary directory. A user without an account, or whose home
// lacks userdir.path, is served from the document root as any other URL.
func TestPasswd(t *testing.T) {
	name, home := passwdUser(t)
	base := t.TempDir()
	reactortest.WriteFiles(t, base, map[string]string{
		"public_html/page.txt":      name + "'s page",
		"public_html/docs/page.txt": name + "'s docs",
	})
	rel, err := filepath.Rel(home, base+"/public_html")
	if err != nil {
		t.Skip(err)
	}
	s := serve(t, fmt.Sprintf("userdir.path = %q", rel))
	check(t, s, []want{
		{"/~" + name + "/page.txt", "200 " + name + "'s page"},
		{"/~" + name + "/docs/page.txt", "200 " + name + "'s docs"},
		{"/~" + name + "/page.txt", "200 " + name + "'s page"}, // from the cache
		{"/~" + name, "301 /~" + name + "/"},
		{"/~ghost/page.txt", "200 document root's ~ghost"}, // no such user
		{"/~featherd-no-such-user/page.txt", "404"},
		{"/~../page.txt", "404"},
	})
	if _, err := user.Lookup("nobody"); err == nil {
		// nobody's home (/nonexistent on Debian) has no such directory.
		check(t, s, []want{{"/~nobody/page.txt", "200 document root's ~nobody"}})
	}
	for _, target := range escapes {
		if got := get(s, target); got != "404" {
			t.Errorf("GET %s: got %q, want 404", target, got)
		}
	}

	// A userdir.path the home does not have: lighttpd's answer is the
	// document root's, not an error.
	missing := serve(t, `userdir.path = "featherd-no-such-userdir"`)
	check(t, missing, []want{
		{"/~" + name + "/page.txt", "404"},
		{"/~" + name, "301 /~" + name + "/"},
	})
	excluded := serve(t, fmt.Sprintf("userdir.path = %q\nuserdir.exclude-user = ( %q )", rel, name))
	check(t, excluded, []want{{"/~" + name + "/page.txt", "404"}})
}

// TestConfigErrors: a value of the wrong type stops the configuration
// from loading, at its position.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ conf, want string }{
		{`userdir.path = 1`, `test.conf:3:1: userdir.path: expected a string`},
		{`userdir.basepath = ( "/home" )`, `test.conf:3:1: userdir.basepath: expected a string`},
		{`userdir.exclude-user = "root"`, `test.conf:3:1: userdir.exclude-user: expected a list of strings`},
		{`userdir.include-user = ( "a" => "b" )`, `test.conf:3:1: userdir.include-user: expected a list of strings`},
		{`userdir.letterhomes = "maybe"`, `test.conf:3:1: userdir.letterhomes: expected "enable" or "disable"`},
		{`$HTTP["host"] == "x" { userdir.active = "on" }`, `test.conf:3:24: userdir.active: expected "enable" or "disable"`},
	} {
		src := "server.document-root = \"/tmp\"\nserver.modules = ( \"mod_userdir\" )\n" + tc.conf + "\n"
		_, err := config.Parse("test.conf", src, "", config.LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.conf, err, tc.want)
		}
	}
}

// TestNoAllocations: a request that is not for /~user costs nothing, and
// one for a user's page allocates nothing once the loop's buffers have
// grown and the user's home is cached. (The test harness itself
// allocates per request: a pipeline without the module is the baseline.)
func TestNoAllocations(t *testing.T) {
	base := homes(t)
	allocs := func(l *pipelinetest.Loop, target string) float64 {
		raw := "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n"
		return testing.AllocsPerRun(100, func() {
			if r := l.Do(raw); r.Resp.Status != 200 {
				t.Fatalf("%s: status %d", target, r.Resp.Status)
			}
			l.Done()
		})
	}
	baseline := allocs(pipelinetest.New(t, fmt.Sprintf("server.document-root = %q\n", base+"/homes/alice/public_html")), "/page.txt")
	conf := fmt.Sprintf("server.document-root = %q\nserver.modules = ( \"mod_userdir\" )\n", base+"/homes/alice/public_html")
	l := pipelinetest.New(t, conf+fmt.Sprintf("userdir.path = \"public_html\"\nuserdir.basepath = %q\n", base+"/homes"))
	for _, target := range []string{"/page.txt", "/~alice/page.txt"} {
		if n := allocs(l, target); n != baseline {
			t.Errorf("basepath, %s: %v allocations per request, %v without mod_userdir", target, n, baseline)
		}
	}
	if name, home := passwdUser(t); home != "" {
		reactortest.WriteFiles(t, base, map[string]string{"passwd/public_html/page.txt": "x"})
		rel, err := filepath.Rel(home, base+"/passwd/public_html")
		if err != nil {
			t.Fatal(err)
		}
		l := pipelinetest.New(t, conf+fmt.Sprintf("userdir.path = %q\n", rel))
		if n := allocs(l, "/~"+name+"/page.txt"); n != baseline {
			t.Errorf("password database, cached: %v allocations per request, %v without mod_userdir", n, baseline)
		}
	}
}

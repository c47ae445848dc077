package simplevhost_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline/pipelinetest"
	"github.com/featherd/featherd/reactor/reactortest"
)

// vhosts makes base/vhosts with a few hosts, and base/htdocs, the
// directory a host of ".." would reach: no request may be served from it.
func vhosts(t testing.TB) (base string) {
	base = t.TempDir()
	reactortest.WriteFiles(t, base, map[string]string{
		"vhosts/example.com/htdocs/index.txt":     "example.com",
		"vhosts/www.example.org/htdocs/index.txt": "www.example.org",
		"vhosts/default.test/htdocs/index.txt":    "default",
		"vhosts/file.test/htdocs":                 "a file, not a directory",
		"vhosts/htdocs/index.txt":                 "no host",
		"htdocs/index.txt":                        "ESCAPED",
	})
	return base
}

// serve starts a server with mod_simple_vhost over base/vhosts and conf
// after it; server.document-root holds index.txt "server.document-root".
func serve(t *testing.T, base, conf string) *reactortest.Server {
	return reactortest.Start(t, reactortest.Options{
		Conf: fmt.Sprintf("server.modules = ( \"mod_simple_vhost\" )\n"+
			"simple-vhost.server-root = %q\n%s", base+"/vhosts", conf),
		Files: map[string]string{"index.txt": "server.document-root"},
	})
}

// get asks for /index.txt with the given request head lines after the
// request line, and returns "status body".
func get(s *reactortest.Server, proto string, lines ...string) string {
	s.T.Helper()
	raw := "GET /index.txt " + proto + "\r\n" + strings.Join(append(lines, "Connection: close"), "\r\n") + "\r\n\r\n"
	r := s.Do(raw)
	if r.Status != 200 {
		return fmt.Sprint(r.Status)
	}
	return fmt.Sprintf("%d %s", r.Status, r.Body)
}

// TestHosts: the host picks the directory below the server root, lower-
// cased and without its port; a host without a directory, or without a
// Host at all, gets the default host's.
func TestHosts(t *testing.T) {
	base := vhosts(t)
	s := serve(t, base, `
simple-vhost.document-root = "htdocs"
simple-vhost.default-host = "default.test"
`)
	for _, tc := range []struct {
		name  string
		lines []string
		proto string
		want  string
	}{
		{"host", []string{"Host: example.com"}, "HTTP/1.1", "200 example.com"},
		{"upper case and port", []string{"Host: Example.COM:8080"}, "HTTP/1.1", "200 example.com"},
		{"trailing dot", []string{"Host: www.example.org."}, "HTTP/1.1", "200 www.example.org"},
		{"empty port", []string{"Host: www.example.org:"}, "HTTP/1.1", "200 www.example.org"},
		{"absolute target", nil, "HTTP/1.1", "200 example.com"},
		{"no such host", []string{"Host: nosuch.test"}, "HTTP/1.1", "200 default"},
		{"not a directory", []string{"Host: file.test"}, "HTTP/1.1", "200 default"},
		{"IPv4", []string{"Host: 127.0.0.1"}, "HTTP/1.1", "200 default"},
		{"IPv6", []string{"Host: [::1]:8080"}, "HTTP/1.1", "200 default"},
		{"HTTP/1.0 without Host", nil, "HTTP/1.0", "200 default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "absolute target" {
				r := s.Do("GET http://EXAMPLE.com:80/index.txt HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n")
				if got := fmt.Sprintf("%d %s", r.Status, r.Body); got != tc.want {
					t.Errorf("got %q, want %q", got, tc.want)
				}
				return
			}
			if got := get(s, tc.proto, tc.lines...); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestHostsThatCouldEscape: the parser refuses a Host that is not a host
// name (host-strict, the default); without host-strict, lighttpd's own
// check keeps a host that starts with '.' or holds '/' out of the path.
// Either way nothing is served from outside the server root.
func TestHostsThatCouldEscape(t *testing.T) {
	base := vhosts(t)
	bad := []string{"..", "..:80", ".", "../htdocs", "a/../..", "example.com/../..", ".example.com",
		"%2e%2e", "ex ample.com", "example.com\\..", "..\\..", "[::1]/../..", "a..b"}
	conf := `
simple-vhost.document-root = "htdocs"
simple-vhost.default-host = "default.test"
`
	strict := serve(t, base, conf)
	for _, h := range bad {
		if got := get(strict, "HTTP/1.1", "Host: "+h); got != "400" {
			t.Errorf("host-strict, Host: %q: got %q, want 400", h, got)
		}
	}

	lax := serve(t, base, conf+`server.http-parseopts = ( "host-strict" => "disable" )`)
	for _, h := range bad {
		got := get(lax, "HTTP/1.1", "Host: "+h)
		if strings.Contains(got, "ESCAPED") || got != "200 default" && got != "400" {
			t.Errorf("no host-strict, Host: %q: got %q, want the default host or 400", h, got)
		}
	}
	// Host ".." must not use server-root/../htdocs even without a
	// default host.
	bare := serve(t, base, `server.http-parseopts = ( "host-strict" => "disable" )`+"\n"+`simple-vhost.document-root = "htdocs"`)
	if got := get(bare, "HTTP/1.1", "Host: .."); got != "200 no host" {
		t.Errorf("no host-strict, no default host, Host: ..: got %q, want server-root/htdocs", got)
	}
}

// TestFallbacks: without a default host the server root and document root
// alone are tried; when nothing exists, server.document-root serves.
// simple-vhost.server-root = "" turns the module off in a block.
func TestFallbacks(t *testing.T) {
	base := vhosts(t)
	s := serve(t, base, `
simple-vhost.document-root = "/htdocs/"
$HTTP["host"] == "off.example.com" {
	simple-vhost.server-root = ""
}
$HTTP["host"] == "missing.test" {
	simple-vhost.default-host = "missing-too.test"
}
`)
	for _, tc := range []struct{ host, want string }{
		{"example.com", "200 example.com"},
		{"nosuch.test", "200 no host"},
		{"off.example.com", "200 server.document-root"},
		{"missing.test", "200 server.document-root"},
	} {
		if got := get(s, "HTTP/1.1", "Host: "+tc.host); got != tc.want {
			t.Errorf("Host: %s: got %q, want %q", tc.host, got, tc.want)
		}
	}

	// No document-root: the host's directory itself; with neither a
	// host directory nor a default host, the server root itself, as in
	// lighttpd.
	flat := t.TempDir()
	reactortest.WriteFiles(t, flat, map[string]string{"vhosts/a.test/index.txt": "a.test", "vhosts/index.txt": "server root"})
	s2 := serve(t, flat, "")
	if got := get(s2, "HTTP/1.1", "Host: a.test"); got != "200 a.test" {
		t.Errorf("without document-root: got %q", got)
	}
	if got := get(s2, "HTTP/1.1", "Host: b.test"); got != "200 server root" {
		t.Errorf("without document-root, missing host: got %q", got)
	}
}

// TestLoadedWithoutOptions: loaded with no simple-vhost.* set, the module
// changes nothing.
func TestLoadedWithoutOptions(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf:  `server.modules = ( "mod_simple_vhost" )`,
		Files: map[string]string{"index.txt": "server.document-root"},
	})
	if got := get(s, "HTTP/1.1", "Host: example.com"); got != "200 server.document-root" {
		t.Errorf("got %q", got)
	}
}

// TestDebug: simple-vhost.debug logs each directory that is not there.
func TestDebug(t *testing.T) {
	base := vhosts(t)
	s := serve(t, base, "simple-vhost.debug = 1\nsimple-vhost.default-host = \"nothere.test\"")
	if got := get(s, "HTTP/1.1", "Host: nosuch.test"); got != "200 server.document-root" {
		t.Fatalf("got %q", got)
	}
	for _, dir := range []string{"/vhosts/nosuch.test/", "/vhosts/nothere.test/"} {
		want := "mod_simple_vhost: no document root at " + base + dir + ": no such file or directory"
		if !strings.Contains(s.Log(), want) {
			t.Errorf("log %q lacks %q", s.Log(), want)
		}
	}
}

// TestConfigErrors: a value of the wrong type stops the configuration
// from loading, at its position.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ conf, want string }{
		{`simple-vhost.server-root = 1`, `test.conf:3:1: simple-vhost.server-root: expected a string`},
		{`simple-vhost.document-root = ( "a" )`, `test.conf:3:1: simple-vhost.document-root: expected a string`},
		{`simple-vhost.default-host = 2`, `test.conf:3:1: simple-vhost.default-host: expected a string`},
		{`$HTTP["host"] == "x" { simple-vhost.debug = "yes" }`, `test.conf:3:24: simple-vhost.debug: expected an integer 0 ... 65535`},
	} {
		src := "server.document-root = \"/tmp\"\nserver.modules = ( \"mod_simple_vhost\" )\n" + tc.conf + "\n"
		_, err := config.Parse("test.conf", src, "", config.LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.conf, err, tc.want)
		}
	}
}

// pipelineFor makes one loop's pipeline with mod_simple_vhost over
// base/vhosts.
func pipelineFor(t testing.TB, base string) *pipelinetest.Loop {
	return pipelinetest.New(t, fmt.Sprintf("server.document-root = %q\nserver.modules = ( \"mod_simple_vhost\" )\n"+
		"simple-vhost.server-root = %q\nsimple-vhost.document-root = \"htdocs\"\nsimple-vhost.default-host = \"default.test\"\n",
		base, base+"/vhosts"))
}

const hostRequest = "GET /index.txt HTTP/1.1\r\nHost: www.example.org\r\n\r\n"

// TestNoAllocations: choosing the document root allocates nothing once
// the loop's buffers have grown. (The test harness itself allocates per
// request: a pipeline without the module is the baseline.)
func TestNoAllocations(t *testing.T) {
	base := vhosts(t)
	without := pipelinetest.New(t, fmt.Sprintf("server.document-root = %q\n", base+"/vhosts/default.test/htdocs"))
	allocs := func(l *pipelinetest.Loop, raw string) float64 {
		return testing.AllocsPerRun(100, func() {
			if r := l.Do(raw); r.Resp.Status != 200 {
				t.Fatalf("%q: status %d", raw, r.Resp.Status)
			}
			l.Done()
		})
	}
	baseline := allocs(without, hostRequest)
	l := pipelineFor(t, base)
	for _, raw := range []string{hostRequest, "GET /index.txt HTTP/1.1\r\nHost: nosuch.test\r\n\r\n"} {
		if n := allocs(l, raw); n != baseline {
			t.Errorf("%q: %v allocations per request, %v without mod_simple_vhost", raw, n, baseline)
		}
	}
}

func BenchmarkDocroot(b *testing.B) {
	l := pipelineFor(b, vhosts(b))
	b.ReportAllocs()
	for b.Loop() {
		l.Do(hostRequest)
		l.Done()
	}
}

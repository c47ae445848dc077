package evhost_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline/pipelinetest"
	"github.com/featherd/featherd/reactor/reactortest"
)

// sites makes base/sites/<%0>/<%3>/ for a few hosts, and base/htdocs,
// which a host that climbed out of base/sites would reach.
func sites(t testing.TB) (base string) {
	base = t.TempDir()
	reactortest.WriteFiles(t, base, map[string]string{
		"sites/example.com/www/index.txt":    "www.example.com",
		"sites/example.com/static/index.txt": "static.example.com",
		"sites/example.org/www/index.txt":    "www.example.org",
		"sites/example.net/www":              "a file, not a directory",
		"sites/[::1]/index.txt":              "[::1]",
		"byhost/www.example.com/index.txt":   "%_ www.example.com",
		"htdocs/index.txt":                   "ESCAPED",
	})
	return base
}

func serve(t *testing.T, base, conf string) *reactortest.Server {
	return reactortest.Start(t, reactortest.Options{
		Conf:  "server.modules = ( \"mod_evhost\" )\n" + strings.ReplaceAll(conf, "BASE", base),
		Files: map[string]string{"index.txt": "server.document-root"},
	})
}

// get asks for /index.txt with the given head lines and returns "status
// body".
func get(s *reactortest.Server, proto string, lines ...string) string {
	s.T.Helper()
	r := s.Do("GET /index.txt " + proto + "\r\n" + strings.Join(append(lines, "Connection: close"), "\r\n") + "\r\n\r\n")
	if r.Status != 200 {
		return fmt.Sprint(r.Status)
	}
	return fmt.Sprintf("%d %s", r.Status, r.Body)
}

// TestHosts: the pattern picks the directory from the host's parts; a
// host whose directory is missing, or no host, keeps
// server.document-root, and the missing directory is logged.
func TestHosts(t *testing.T) {
	base := sites(t)
	s := serve(t, base, `evhost.path-pattern = "BASE/sites/%0/%3"`)
	for _, tc := range []struct {
		name, proto, host, want string
	}{
		{"host", "HTTP/1.1", "www.example.com", "200 www.example.com"},
		{"another subdomain", "HTTP/1.1", "static.example.com", "200 static.example.com"},
		{"upper case and port", "HTTP/1.1", "WWW.Example.ORG:8080", "200 www.example.org"},
		{"trailing dot", "HTTP/1.1", "www.example.com.", "200 www.example.com"},
		{"IPv6 literal", "HTTP/1.1", "[::1]:8080", "200 [::1]"},
		{"no directory", "HTTP/1.1", "www.nosuch.test", "200 server.document-root"},
		{"not a directory", "HTTP/1.1", "www.example.net", "200 server.document-root"},
		{"no Host", "HTTP/1.0", "", "200 server.document-root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lines []string
			if tc.host != "" {
				lines = append(lines, "Host: "+tc.host)
			}
			if got := get(s, tc.proto, lines...); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	for _, want := range []string{
		"mod_evhost: no document root at " + base + "/sites/nosuch.test/www/: no such file or directory",
		"mod_evhost: no document root at " + base + "/sites/example.net/www/: not a directory",
	} {
		if !strings.Contains(s.Log(), want) {
			t.Errorf("log %q lacks %q", s.Log(), want)
		}
	}
	if strings.Count(s.Log(), "mod_evhost:") != 2 {
		t.Errorf("log has other lines than the two missing directories: %q", s.Log())
	}
}

// TestConditional: a block's pattern replaces the global one; an empty
// pattern in a block does not turn the module off (lighttpd ignores it).
func TestConditional(t *testing.T) {
	base := sites(t)
	s := serve(t, base, `
evhost.path-pattern = "BASE/sites/%0/%3/"
$HTTP["host"] =~ "^www\.example\.com$" {
	evhost.path-pattern = "BASE/byhost/%_/"
}
$HTTP["host"] == "static.example.com" {
	evhost.path-pattern = ""
}
`)
	for host, want := range map[string]string{
		"www.example.com":    "200 %_ www.example.com",
		"www.example.org":    "200 www.example.org",
		"static.example.com": "200 static.example.com",
	} {
		if got := get(s, "HTTP/1.1", "Host: "+host); got != want {
			t.Errorf("Host: %s: got %q, want %q", host, got, want)
		}
	}
}

// TestHostsThatCouldEscape: with host-strict (the default) the parser
// refuses them; without it, lighttpd's check keeps a host that starts
// with '.' or holds '/' out of the path. Nothing is served from outside
// base/sites.
func TestHostsThatCouldEscape(t *testing.T) {
	base := sites(t)
	bad := []string{"..", "..:80", ".", "../htdocs", "a/../..", "www.example.com/../../..", ".example.com",
		"%2e%2e", "example.com\\..", "[::1]/../..", "..."}
	const conf = `evhost.path-pattern = "BASE/sites/%_/"`
	strict := serve(t, base, conf)
	for _, h := range bad {
		if got := get(strict, "HTTP/1.1", "Host: "+h); got != "400" {
			t.Errorf("host-strict, Host: %q: got %q, want 400", h, got)
		}
	}
	lax := serve(t, base, conf+"\n"+`server.http-parseopts = ( "host-strict" => "disable" )`)
	for _, h := range bad {
		if got := get(lax, "HTTP/1.1", "Host: "+h); got != "200 server.document-root" && got != "400" {
			t.Errorf("no host-strict, Host: %q: got %q, want server.document-root or 400", h, got)
		}
	}
}

// TestConfigErrors: a pattern with a '%' sequence lighttpd does not know,
// or a value that is not a string, stops the configuration from loading,
// at its position.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ conf, want string }{
		{`evhost.path-pattern = "/srv/%x/"`, `test.conf:3:1: evhost.path-pattern: invalid pattern "/srv/%x/": "%x" is not one of %%, %_, %0 ... %9, %{n} or %{n.m} (n and m digits)`},
		{`$HTTP["host"] == "x" { evhost.path-pattern = "/srv/%{1.x}" }`, `test.conf:3:24: evhost.path-pattern: invalid pattern "/srv/%{1.x}": "%{1.x}" is not one of`},
		{`evhost.path-pattern = "/srv/%"`, `test.conf:3:1: evhost.path-pattern: invalid pattern "/srv/%": "%" is not one of`},
		{`evhost.path-pattern = ( "/srv/%0" )`, `test.conf:3:1: evhost.path-pattern: expected a string`},
	} {
		src := "server.document-root = \"/tmp\"\nserver.modules = ( \"mod_evhost\" )\n" + tc.conf + "\n"
		_, err := config.Parse("test.conf", src, "", config.LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.conf, err, tc.want)
		}
	}
}

// TestLoadedWithoutOptions: loaded with no pattern set, the module
// changes nothing.
func TestLoadedWithoutOptions(t *testing.T) {
	s := serve(t, sites(t), `evhost.path-pattern = ""`)
	if got := get(s, "HTTP/1.1", "Host: www.example.com"); got != "200 server.document-root" {
		t.Errorf("got %q", got)
	}
}

const hostRequest = "GET /index.txt HTTP/1.1\r\nHost: www.example.com\r\n\r\n"

func pipelineFor(t testing.TB, base string) *pipelinetest.Loop {
	return pipelinetest.New(t, fmt.Sprintf("server.document-root = %q\nserver.modules = ( \"mod_evhost\" )\n"+
		"evhost.path-pattern = %q\n", base, base+"/sites/%0/%3/"))
}

// TestNoAllocations: building the document root allocates nothing once
// the loop's buffers have grown. (The test harness itself allocates per
// request: a pipeline without the module is the baseline.)
func TestNoAllocations(t *testing.T) {
	base := sites(t)
	without := pipelinetest.New(t, fmt.Sprintf("server.document-root = %q\n", base+"/sites/example.com/www"))
	allocs := func(l *pipelinetest.Loop) float64 {
		return testing.AllocsPerRun(100, func() {
			if r := l.Do(hostRequest); r.Resp.Status != 200 {
				t.Fatalf("status %d", r.Resp.Status)
			}
			l.Done()
		})
	}
	if n, baseline := allocs(pipelineFor(t, base)), allocs(without); n != baseline {
		t.Errorf("%v allocations per request, %v without mod_evhost", n, baseline)
	}
}

func BenchmarkDocroot(b *testing.B) {
	l := pipelineFor(b, sites(b))
	b.ReportAllocs()
	for b.Loop() {
		l.Do(hostRequest)
		l.Done()
	}
}

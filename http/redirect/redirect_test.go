package redirect

import (
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/http/pipeline/pipelinetest"
)

// parse loads a configuration with mod_redirect; the lines given start at
// line 3.
func parse(conf string) (*config.Config, error) {
	return config.Parse("test.conf", "server.document-root = \"/srv\"\nserver.modules = ( \"mod_redirect\" )\n"+conf+"\n",
		"", config.LoadOptions{Sandbox: true, Dir: "/", DefaultTag: "t"})
}

// loop loads conf with mod_redirect and a document root holding
// /static.css.
func loop(t *testing.T, conf string) *pipelinetest.Loop {
	t.Helper()
	root := t.TempDir()
	return pipelinetest.New(t, "server.document-root = \""+root+"\"\nserver.modules = ( \"mod_redirect\" )\n"+conf)
}

func TestRedirect(t *testing.T) {
	const rules = `
url.redirect = (
  "^/keep/" => "",
  "^/old/([^?]*)(?:\?(.*))?$" => "/new/$1?was=$2",
  "^/qsa/(.*?)(\?|$)" => "/to/${esc:1}${qsa}",
  "^/b64/(.*)$" => "/x${decb64u:1}",
  "^/~(\w+)" => "https://${url.authority}/users/$1",
  "^/" => "/catch-all",
)
$HTTP["host"] =~ "^www\.(.*)$" {
  url.redirect = ( "^/(.*)" => "http://%1/$1" )
  url.redirect-code = 302
}
`
	cases := []struct {
		name, raw string
		status    int
		location  string
	}{
		{"GET is 301", "GET /old/a/b?c=d HTTP/1.1\r\nHost: example.org\r\n\r\n", 301, "/new/a/b?was=c=d"},
		{"HEAD is 301", "HEAD /old/a HTTP/1.1\r\nHost: example.org\r\n\r\n", 301, "/new/a?was="},
		{"POST is 308", "POST /old/a HTTP/1.1\r\nHost: example.org\r\nContent-Length: 0\r\n\r\n", 308, "/new/a?was="},
		{"POST over HTTP/1.0 is 301", "POST /old/a HTTP/1.0\r\nContent-Length: 0\r\n\r\n", 301, "/new/a?was="},
		{"an empty substitution exempts", "GET /keep/x HTTP/1.1\r\nHost: example.org\r\n\r\n", 404, ""},
		{"qsa", "GET /qsa/a%20b?x=1 HTTP/1.1\r\nHost: example.org\r\n\r\n", 301, "/to/a%2520b?x=1"},
		{"normalised target", "GET /%7ejo HTTP/1.1\r\nHost: example.org:8080\r\n\r\n", 301, "https://example.org:8080/users/jo"},
		{"control bytes escaped", "GET /b64/DQpYLUV2aWw6IDE HTTP/1.1\r\nHost: example.org\r\n\r\n", 301, "/x%0D%0AX-Evil: 1"},
		{"a conditional block's rules and code", "GET /a/b HTTP/1.1\r\nHost: www.example.org\r\n\r\n", 302, "http://example.org/a/b"},
		{"first match wins", "GET /anything HTTP/1.1\r\nHost: example.org\r\n\r\n", 301, "/catch-all"},
	}
	l := loop(t, rules)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := l.Do(tc.raw)
			if r.Resp.Status != tc.status || r.Resp.Header("Location") != tc.location {
				t.Errorf("got %d Location %q, want %d %q", r.Resp.Status, r.Resp.Header("Location"), tc.status, tc.location)
			}
			l.Done()
		})
	}
}

func TestRedirectCode(t *testing.T) {
	for _, code := range []string{"301", "302", "303", "307", "308"} {
		l := loop(t, `url.redirect = ( "^/a" => "/b" )`+"\nurl.redirect-code = "+code+"\n")
		for _, method := range []string{"GET", "POST"} {
			r := l.Do(method + " /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
			if got := r.Resp.Status; got != atoi(code) || r.Resp.Header("Location") != "/b" {
				t.Errorf("url.redirect-code = %s, %s: got %d Location %q", code, method, got, r.Resp.Header("Location"))
			}
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestRedirectConfigErrors(t *testing.T) {
	cases := []struct{ name, conf, want string }{
		{"bad code", "url.redirect-code = 3010", "test.conf:3:1: url.redirect-code: expected a status code 200 … 999"},
		{"1xx code", "url.redirect-code = 100", "url.redirect-code: expected a status code 200 … 999 (301, 302, 303, 307 or 308 to redirect), found 100"},
		{"code not a number", `url.redirect-code = "moved"`, `found "moved"`},
		{"bad regex", "url.redirect = (\n  \"^/(a\" => \"/b\" )", `test.conf:4:3: url.redirect: invalid regex "^/(a"`},
		{"bad substitution", `url.redirect = ( "^/a" => "/b${url.nope}" )`, `test.conf:3:18: url.redirect: unknown substitution ${url.nope}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(tc.conf)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant it to contain %s", err, tc.want)
			}
		})
	}
}

// debianRules are redirects as a Debian site adds them: none matches a
// request for a static file.
const debianRules = `
url.redirect = ( "^/old/(.*)" => "/new/$1", "^/blog/?$" => "https://blog.example.org/" )
$HTTP["host"] =~ "^www\.(.*)$" { url.redirect = ( "^/(.*)" => "http://%1/$1" ) }
`

// missed returns a request no rule matches, and mod_redirect's instance
// for the loop it was handled on.
func missed(t testing.TB) (*module, *pipeline.Request) {
	l := pipelinetest.New(t, "server.document-root = \"/srv\"\nserver.modules = ( \"mod_redirect\" )\n"+debianRules)
	r := l.Get("/static/site.css?v=3")
	m := &module{scoped: options.Of(l.Cfg)}
	if m.URIClean(r) != pipeline.GoOn {
		t.Fatal("a rule matched")
	}
	return m, r
}

func TestNoMatchAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	m, r := missed(t)
	if n := testing.AllocsPerRun(100, func() { m.URIClean(r) }); n != 0 {
		t.Errorf("URIClean allocates %v times for a request no rule matches", n)
	}
}

func BenchmarkURICleanNoMatch(b *testing.B) {
	m, r := missed(b)
	b.ReportAllocs()
	for b.Loop() {
		m.URIClean(r)
	}
}

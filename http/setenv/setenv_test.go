package setenv_test

import (
	"bufio"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/reactor/reactortest"
)

// The echo shows what mod_setenv did, in response headers: one X-Env line
// per gateway variable and one X-Req line per request header. It sets
// PRESET before mod_setenv runs, as another module would, and adds an
// X-Multi line of its own. It is registered only in this test binary and
// loaded by listing it in server.modules.
func init() {
	pipeline.Register(pipeline.Module{Name: "mod_setenv_test_echo", New: func(*pipeline.Setup) any { return echo{} }})
}

type echo struct{}

func (echo) URIRaw(r *pipeline.Request) pipeline.Result {
	r.Env.Set("PRESET", "p")
	return pipeline.GoOn
}

func (echo) ResponseStart(r *pipeline.Request) pipeline.Result {
	r.PopulateEnv() // as a gateway does before it builds its environment
	r.Env.Each(func(name, value string) { r.Resp.AddHeader("X-Env", name+"="+value) })
	r.Head.HeaderValues(func(name, value string) { r.Resp.AddHeader("X-Req", name+": "+value) })
	r.Resp.AddHeader("X-Multi", "from-echo")
	return pipeline.GoOn
}

var site = map[string]string{
	"index.html":       "index",
	"errors/404.html":  "error page",
	"private/a.txt":    "private",
	"plain/notes.text": "notes",
}

func start(t *testing.T, conf string) *reactortest.Server {
	t.Helper()
	return reactortest.Start(t, reactortest.Options{Files: site, Conf: conf})
}

// has reports whether the response has the header line name: value.
func has(resp *reactortest.Response, name, value string) bool {
	return slices.Contains(resp.Headers[strings.ToLower(name)], value)
}

// TestRequestHeaders: add joins to what the client sent (Cookie with
// "; "), set replaces or, empty, removes, and the modules after
// mod_setenv see the result.
func TestRequestHeaders(t *testing.T) {
	s := start(t, `
server.modules = ( "mod_setenv", "mod_setenv_test_echo" )
setenv.add-request-header = ( "X-Added" => "a", "Accept" => "extra/type", "Cookie" => "b=2", "X-Blank" => "  " )
setenv.set-request-header = ( "X-Set" => "s", "User-Agent" => "", "X-Replace" => "new" )
`)
	resp := s.Get("/index.html", "Accept: text/html", "User-Agent: curl/8", "X-Replace: old", "Cookie: a=1")
	if resp.Status != 200 {
		t.Fatalf("status %d", resp.Status)
	}
	req := resp.Headers["x-req"]
	for _, want := range []string{"X-Added: a", "Accept: text/html, extra/type", "Cookie: a=1; b=2", "X-Set: s", "X-Replace: new"} {
		if !slices.Contains(req, want) {
			t.Errorf("request headers %q lack %q", req, want)
		}
	}
	for _, h := range req {
		if strings.HasPrefix(h, "User-Agent:") || strings.HasPrefix(h, "X-Blank:") {
			t.Errorf("request header %q should be gone", h)
		}
	}
}

// TestRequestHeadersInConditions: a header mod_setenv sets is seen by a
// condition evaluated after it, as in lighttpd: that of a block holding
// only the options of a module listed after mod_setenv. A module listed
// before it has evaluated the condition already.
func TestRequestHeadersInConditions(t *testing.T) {
	const rules = `
setenv.set-request-header = ( "X-Flag" => "deny" )
$REQUEST_HEADER["X-Flag"] == "deny" {
    url.access-deny = ( "" )
}
`
	s := start(t, `server.modules = ( "mod_setenv", "mod_access" )`+rules)
	if resp := s.Get("/index.html"); resp.Status != 403 {
		t.Errorf("mod_setenv before mod_access: %d, want 403", resp.Status)
	}
	s = start(t, `server.modules = ( "mod_access", "mod_setenv" )`+rules)
	if resp := s.Get("/index.html"); resp.Status != 200 {
		t.Errorf("mod_access before mod_setenv: %d, want 200", resp.Status)
	}
}

// TestResponseHeaders: add adds a line, set replaces every line of the
// header or, empty, removes them; error responses get them too; values
// are cleaned of tabs, line breaks and surrounding spaces.
func TestResponseHeaders(t *testing.T) {
	s := start(t, `
server.modules = ( "mod_setenv_test_echo", "mod_setenv" )
setenv.add-response-header = ( "X-Frame-Options" => "DENY", "X-Multi" => "from-setenv", "X-Spaced" => "  a	b
 c  ", "X-Empty" => "" )
setenv.set-response-header = ( "Content-Type" => "text/plain; charset=utf-8", "Last-Modified" => "", "X-Absent" => "" )
`)
	resp := s.Get("/index.html")
	if resp.Status != 200 || string(resp.Body) != "index" {
		t.Fatalf("%d %q", resp.Status, resp.Body)
	}
	checks := []struct {
		name string
		want []string
	}{
		{"X-Frame-Options", []string{"DENY"}},
		{"X-Multi", []string{"from-echo", "from-setenv"}},
		{"X-Spaced", []string{"a b  c"}},
		{"X-Empty", nil},
		{"Content-Type", []string{"text/plain; charset=utf-8"}},
		{"Last-Modified", nil},
		{"X-Absent", nil},
	}
	for _, c := range checks {
		if got := resp.Headers[strings.ToLower(c.name)]; !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	resp = s.Get("/missing")
	if resp.Status != 404 || !has(resp, "X-Frame-Options", "DENY") || !has(resp, "Content-Type", "text/plain; charset=utf-8") {
		t.Errorf("404: %d %v", resp.Status, resp.Headers)
	}
}

// TestServerHeader: a Server or Date header set by mod_setenv replaces
// the one featherd sends, as in lighttpd.
func TestServerHeader(t *testing.T) {
	s := start(t, `
server.modules = ( "mod_setenv" )
setenv.set-response-header = ( "Server" => "hidden" )
setenv.add-response-header = ( "Date" => "Thu, 01 Jan 1970 00:00:00 GMT" )
`)
	resp := s.Get("/index.html")
	if got := resp.Headers["server"]; !slices.Equal(got, []string{"hidden"}) {
		t.Errorf("Server: %q", got)
	}
	if got := resp.Headers["date"]; !slices.Equal(got, []string{"Thu, 01 Jan 1970 00:00:00 GMT"}) {
		t.Errorf("Date: %q", got)
	}
}

// TestAcceptRangesNone: Accept-Ranges: none set by mod_setenv turns
// ranges off, as in lighttpd.
func TestAcceptRangesNone(t *testing.T) {
	s := start(t, `
server.modules = ( "mod_setenv" )
$HTTP["url"] =^ "/plain/" {
    setenv.set-response-header = ( "Accept-Ranges" => "none" )
}
`)
	resp := s.Get("/plain/notes.text", "Range: bytes=0-1")
	if resp.Status != 200 || string(resp.Body) != "notes" || !slices.Equal(resp.Headers["accept-ranges"], []string{"none"}) {
		t.Errorf("with none: %d %q %q", resp.Status, resp.Body, resp.Headers["accept-ranges"])
	}
	resp = s.Get("/index.html", "Range: bytes=0-1")
	if resp.Status != 206 || string(resp.Body) != "in" || !slices.Equal(resp.Headers["accept-ranges"], []string{"bytes"}) {
		t.Errorf("without: %d %q %q", resp.Status, resp.Body, resp.Headers["accept-ranges"])
	}
}

// TestModuleOrder: a request refused by a module listed before
// mod_setenv is answered before mod_setenv's turn, and gets none of its
// headers, as in lighttpd; listed after it, the refusal gets them.
func TestModuleOrder(t *testing.T) {
	const rules = `
url.access-deny = ( ".txt" )
setenv.add-response-header = ( "Strict-Transport-Security" => "max-age=63072000" )
`
	s := start(t, `server.modules = ( "mod_access", "mod_setenv" )`+rules)
	if resp := s.Get("/private/a.txt"); resp.Status != 403 || resp.Header("Strict-Transport-Security") != "" {
		t.Errorf("mod_access first: %d %v", resp.Status, resp.Headers)
	}
	s = start(t, `server.modules = ( "mod_setenv", "mod_access" )`+rules)
	if resp := s.Get("/private/a.txt"); resp.Status != 403 || resp.Header("Strict-Transport-Security") != "max-age=63072000" {
		t.Errorf("mod_setenv first: %d %v", resp.Status, resp.Headers)
	}
}

// TestEnvironment: add joins to a variable set before with ", ", set
// replaces, and the variables are in the request's environment for the
// modules that run later.
func TestEnvironment(t *testing.T) {
	s := start(t, `
server.modules = ( "mod_setenv_test_echo", "mod_setenv" )
setenv.add-environment = ( "PRESET" => "q", "A" => "1", "B" => "x" )
setenv.set-environment = ( "B" => "y", "EMPTY" => "" )
`)
	resp := s.Get("/index.html")
	if got, want := resp.Headers["x-env"], []string{"PRESET=p, q", "A=1", "B=y", "EMPTY="}; !slices.Equal(got, want) {
		t.Errorf("environment %q, want %q", got, want)
	}
}

// TestConditional: the options of the blocks matching the request apply,
// the last one winning per option.
func TestConditional(t *testing.T) {
	s := start(t, `
server.modules = ( "mod_setenv_test_echo", "mod_setenv" )
setenv.add-response-header = ( "X-Scope" => "global" )
setenv.add-environment = ( "SCOPE" => "global" )
$HTTP["url"] =^ "/private/" {
    setenv.add-response-header = ( "X-Scope" => "private" )
}
`)
	if resp := s.Get("/index.html"); !has(resp, "X-Scope", "global") || !has(resp, "X-Env", "SCOPE=global") {
		t.Errorf("/index.html: %v", resp.Headers)
	}
	resp := s.Get("/private/a.txt")
	if got := resp.Headers["x-scope"]; !slices.Equal(got, []string{"private"}) || !has(resp, "X-Env", "SCOPE=global") {
		t.Errorf("/private/a.txt: %v", resp.Headers)
	}
}

// TestKeepAlive: each request on a connection gets the options merged
// for it, not those of the request before.
func TestKeepAlive(t *testing.T) {
	s := start(t, `
server.modules = ( "mod_setenv_test_echo", "mod_setenv" )
setenv.add-request-header = ( "X-Once" => "1" )
$HTTP["url"] =^ "/private/" {
    setenv.add-response-header = ( "X-Private" => "yes" )
}
`)
	c := s.Dial()
	br := bufio.NewReader(c)
	for i, target := range []string{"/private/a.txt", "/index.html", "/private/a.txt"} {
		if _, err := io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: t\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp := reactortest.ReadResponse(t, br, false)
		want := ""
		if strings.HasPrefix(target, "/private/") {
			want = "yes"
		}
		if resp.Status != 200 || resp.Header("X-Private") != want || !has(resp, "X-Req", "X-Once: 1") {
			t.Errorf("request %d, %s: %d %v", i+1, target, resp.Status, resp.Headers)
		}
	}
}

// TestErrorHandler: server.error-handler starts the request afresh for
// every module, as lighttpd resets them: the error page's own options
// apply, and request headers are added once more. server.error-handler-404
// does not reset them: the first pass's options stay (and, as in
// lighttpd, the page it serves is answered 200).
func TestErrorHandler(t *testing.T) {
	const rules = `
server.modules = ( "mod_setenv_test_echo", "mod_setenv" )
setenv.add-request-header = ( "X-Once" => "1" )
$HTTP["url"] =^ "/errors/" {
    setenv.add-response-header = ( "X-Error-Page" => "yes" )
}
`
	s := start(t, rules+`server.error-handler = "/errors/404.html"`)
	resp := s.Get("/missing")
	if resp.Status != 404 || string(resp.Body) != "error page" || !has(resp, "X-Error-Page", "yes") || !has(resp, "X-Req", "X-Once: 1, 1") {
		t.Errorf("server.error-handler: %d %q %v", resp.Status, resp.Body, resp.Headers)
	}
	s = start(t, rules+`server.error-handler-404 = "/errors/404.html"`)
	resp = s.Get("/missing")
	if resp.Status != 200 || string(resp.Body) != "error page" || resp.Header("X-Error-Page") != "" || !has(resp, "X-Req", "X-Once: 1") {
		t.Errorf("server.error-handler-404: %d %q %v", resp.Status, resp.Body, resp.Headers)
	}
}

// TestBadConfig: values that are not a list of name => string stop the
// configuration from loading, and so does a header name that would break
// the head (reported at its entry); a name or value lighttpd only warns
// about is a warning.
func TestBadConfig(t *testing.T) {
	tests := []struct{ conf, want string }{
		{`setenv.add-request-header = ( "X-A", "b" )`, `test.conf:3:1: setenv.add-request-header: expected a list of key => string values`},
		{`setenv.set-response-header = "X-A: b"`, `test.conf:3:1: setenv.set-response-header: expected a list of key => string values`},
		{`setenv.add-environment = ( "A" => 1 )`, `test.conf:3:1: setenv.add-environment: expected a list of key => string values`},
		{"$HTTP[\"url\"] =^ \"/x\" {\n    setenv.set-environment = ( \"A\" => ( \"b\" ) )\n}", `test.conf:4:5: setenv.set-environment: expected a list of key => string values`},
		{`setenv.add-response-header = ( "" => "v" )`, `test.conf:3:32: setenv.add-response-header: a header needs a name`},
		{"setenv.set-request-header = ( \"X-A\n\" => \"v\" )", `test.conf:3:31: setenv.set-request-header: header name "X-A\n" holds a line break`},
		{`setenv.add-response-header = ( "X-A" => "1", "x-a" => "2" )`, `test.conf:3:46: duplicate array-key "x-a"`},
	}
	for _, tc := range tests {
		src := "server.document-root = \"/tmp\"\nserver.modules = ( \"mod_setenv\" )\n" + tc.conf + "\n"
		_, err := config.Parse("test.conf", src, "", config.LoadOptions{DefaultTag: "featherd-test"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\nerror %v\n want %q", tc.conf, err, tc.want)
		}
	}
	src := "server.document-root = \"/tmp\"\nserver.modules = ( \"mod_setenv\" )\nsetenv.add-response-header = ( \"X A\" => \"v\" )\n"
	cfg, err := config.Parse("test.conf", src, "", config.LoadOptions{DefaultTag: "featherd-test"})
	if err != nil {
		t.Fatal(err)
	}
	want := `test.conf:3:32: warning: setenv.add-response-header: invalid character in header "X A": "v"; it is sent as it is`
	if !slices.ContainsFunc(cfg.Warnings, func(w config.Warning) bool { return w.String() == want }) {
		t.Errorf("warnings %v, want %q", cfg.Warnings, want)
	}
}

package http

import (
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
)

// optsFor returns server.http-parseopts as config.Parse types them from
// the given lighttpd.conf lines ("" for lighttpd's defaults), so tests
// exercise the same option implications a user gets.
func optsFor(t testing.TB, conf string) *config.ParseOpts {
	t.Helper()
	c, err := config.Parse("test.conf", "server.document-root = \"/srv/www\"\n"+conf, "",
		config.LoadOptions{Sandbox: true, Dir: "/", DefaultTag: "featherd-test"})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	o := c.Server.HTTPParseOpts
	return &o
}

// lighttpdUnitOpts are the switches lighttpd's own src/t/test_request.c
// runs with: header-strict, host-strict and host-normalize, no URL
// normalisation.
var lighttpdUnitOpts = &config.ParseOpts{HeaderStrict: true, HostStrict: true, HostNormalize: true}

// crlf turns the "\n" line ends of a readable literal into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// want lists what a test checks on a parsed Request; zero fields are not
// checked except where noted.
type want struct {
	method    Method
	version   Version
	target    string
	path      string
	query     *string
	host      *string
	cl        *int64
	chunked   *bool
	keepAlive *bool
	expect100 *bool
	headers   map[string]string // "" means absent
	n         int               // bytes consumed; 0 means the whole input
}

func str(s string) *string { return &s }
func i64(n int64) *int64   { return &n }
func flag(b bool) *bool    { return &b }

func (w *want) check(t *testing.T, r *Request, in string, n int) {
	t.Helper()
	if w == nil {
		return
	}
	wn := w.n
	if wn == 0 {
		wn = len(in)
	}
	if n != wn {
		t.Errorf("n = %d, want %d", n, wn)
	}
	if w.method != MethodUnknown && r.Method != w.method {
		t.Errorf("Method = %v, want %v", r.Method, w.method)
	}
	if w.version != VersionUnknown && r.Version != w.version {
		t.Errorf("Version = %v, want %v", r.Version, w.version)
	}
	if w.target != "" && r.Target != w.target {
		t.Errorf("Target = %q, want %q", r.Target, w.target)
	}
	if w.path != "" && r.Path != w.path {
		t.Errorf("Path = %q, want %q", r.Path, w.path)
	}
	if w.query != nil && r.Query != *w.query {
		t.Errorf("Query = %q, want %q", r.Query, *w.query)
	}
	if w.host != nil && r.Host != *w.host {
		t.Errorf("Host = %q, want %q", r.Host, *w.host)
	}
	if w.cl != nil && r.ContentLength != *w.cl {
		t.Errorf("ContentLength = %d, want %d", r.ContentLength, *w.cl)
	}
	if w.chunked != nil && r.Chunked != *w.chunked {
		t.Errorf("Chunked = %v, want %v", r.Chunked, *w.chunked)
	}
	if w.keepAlive != nil && r.KeepAlive != *w.keepAlive {
		t.Errorf("KeepAlive = %v, want %v", r.KeepAlive, *w.keepAlive)
	}
	if w.expect100 != nil && r.Expect100 != *w.expect100 {
		t.Errorf("Expect100 = %v, want %v", r.Expect100, *w.expect100)
	}
	for k, v := range w.headers {
		if got := r.Header(k); got != v {
			t.Errorf("Header(%q) = %q, want %q", k, got, v)
		}
	}
}

// parseCase is one request head and its outcome.
type parseCase struct {
	name   string
	req    string
	status int
	want   *want
}

func runParseCases(t *testing.T, opts *config.ParseOpts, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r Request
			n, status := r.Parse([]byte(tc.req), opts, 8192)
			if status != tc.status {
				t.Fatalf("Parse(%q) status = %d, want %d", tc.req, status, tc.status)
			}
			if status != 0 {
				if r.KeepAlive {
					t.Errorf("KeepAlive after status %d", status)
				}
				if tc.want != nil && tc.want.version != VersionUnknown && r.Version != tc.want.version {
					t.Errorf("Version = %v, want %v", r.Version, tc.want.version)
				}
				return
			}
			tc.want.check(t, &r, tc.req, n)
			checkPathInvariants(t, &r)
		})
	}
}

// checkPathInvariants asserts what makes Path safe to append to a
// document root.
func checkPathInvariants(t testing.TB, r *Request) {
	t.Helper()
	p := r.Path
	switch {
	case r.Method == MethodConnect:
		if strings.ContainsAny(p, "/\x00") {
			t.Errorf("CONNECT Path %q holds '/' or NUL", p)
		}
		return
	case r.Method == MethodOptions && p == "*":
		return
	}
	if !strings.HasPrefix(p, "/") {
		t.Errorf("Path %q does not start with '/'", p)
	}
	if strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") || p == ".." {
		t.Errorf("Path %q climbs", p)
	}
	if strings.Contains(p, "/./") || strings.HasSuffix(p, "/.") || strings.Contains(p, "//") {
		t.Errorf("Path %q is not simplified", p)
	}
	if strings.IndexByte(p, 0) >= 0 {
		t.Errorf("Path %q holds NUL", p)
	}
}

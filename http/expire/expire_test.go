package expire_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/reactor/reactortest"
)

// A module that adds caching headers of its own before mod_expire runs,
// as mod_setenv or a backend would: "?cc" adds Cache-Control, "?exp" an
// Expires.
func init() {
	pipeline.Register(pipeline.Module{Name: "mod_expire_test_headers", New: func(*pipeline.Setup) any { return headers{} }})
}

type headers struct{}

func (headers) ResponseStart(r *pipeline.Request) pipeline.Result {
	switch r.Head.Query {
	case "cc":
		r.Resp.AddHeader("Cache-Control", "no-store")
	case "exp":
		r.Resp.AddHeader("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")
	}
	return pipeline.GoOn
}

// get requests target over HTTP/1.1 or HTTP/1.0 and notes the wall clock
// around it, in seconds.
func get(s *reactortest.Server, target string, http10 bool, extra ...string) (r *reactortest.Response, before, after int64) {
	s.T.Helper()
	proto := "HTTP/1.1"
	if http10 {
		proto = "HTTP/1.0"
	}
	raw := "GET " + target + " " + proto + "\r\nHost: test\r\n"
	for _, h := range extra {
		raw += h + "\r\n"
	}
	before = time.Now().Unix()
	r = s.Do(raw + "\r\n")
	after = time.Now().Unix()
	return r, before, after
}

// maxAge returns the response's max-age, failing the test without one.
func maxAge(t *testing.T, what string, r *reactortest.Response) int64 {
	t.Helper()
	cc := r.Header("Cache-Control")
	n, err := strconv.ParseInt(strings.TrimPrefix(cc, "max-age="), 10, 64)
	if !strings.HasPrefix(cc, "max-age=") || err != nil {
		t.Fatalf("%s: %d, Cache-Control %q, want max-age=N", what, r.Status, cc)
	}
	if r.Header("Expires") != "" {
		t.Errorf("%s: HTTP/1.1 response has Expires %q as well", what, r.Header("Expires"))
	}
	return n
}

// expires returns the response's Expires, failing the test without a
// valid one.
func expires(t *testing.T, what string, r *reactortest.Response) int64 {
	t.Helper()
	v := r.Header("Expires")
	tm, ok := http.ParseHTTPDate(v)
	if !ok || len(r.Headers["expires"]) != 1 {
		t.Fatalf("%s: %d, Expires %q, want one IMF-fixdate", what, r.Status, r.Headers["expires"])
	}
	if r.Header("Cache-Control") != "" {
		t.Errorf("%s: HTTP/1.0 response has Cache-Control %q as well", what, r.Header("Cache-Control"))
	}
	return tm.Unix()
}

func noCaching(t *testing.T, what string, r *reactortest.Response) {
	t.Helper()
	if cc, exp := r.Header("Cache-Control"), r.Header("Expires"); cc != "" || exp != "" {
		t.Errorf("%s: %d with Cache-Control %q, Expires %q; want neither", what, r.Status, cc, exp)
	}
}

// setMtime gives root/name the modification time mtime.
func setMtime(t testing.TB, root, name string, mtime time.Time) {
	t.Helper()
	if err := os.Chtimes(filepath.Join(root, name), mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// TestAccessAndModification: "access" counts from the request, and
// "modification" from the file's mtime but never before the request;
// HTTP/1.1 gets Cache-Control: max-age, HTTP/1.0 Expires.
func TestAccessAndModification(t *testing.T) {
	recent := time.Now().Add(-time.Hour).Truncate(time.Second)
	old := time.Now().Add(-10 * 24 * time.Hour).Truncate(time.Second)
	s := reactortest.Start(t, reactortest.Options{
		Conf: `server.modules = ( "mod_expire" )
expire.url = ( "/img/" => "access plus 1 hours",
               "/doc/old" => "modification plus 1 days",
               "/doc/" => "modification plus 2 days 3 minutes" )`,
		Files: map[string]string{"img/a.png": "png", "doc/new.txt": "new", "doc/old.txt": "old", "other.txt": "other"},
		Setup: func(t testing.TB, root string) {
			setMtime(t, root, "doc/new.txt", recent)
			setMtime(t, root, "doc/old.txt", old)
		},
	})

	r, _, _ := get(s, "/img/a.png", false)
	if n := maxAge(t, "access, HTTP/1.1", r); n != 3600 {
		t.Errorf("access, HTTP/1.1: max-age=%d, want 3600", n)
	}
	r, before, after := get(s, "/img/a.png", true)
	if e := expires(t, "access, HTTP/1.0", r); e < before+3600 || e > after+3600 {
		t.Errorf("access, HTTP/1.0: Expires %d s after the request, want 3600", e-before)
	}

	const spec = 2*24*3600 + 180
	r, before, after = get(s, "/doc/new.txt", false)
	if n := maxAge(t, "modification, HTTP/1.1", r); n < recent.Unix()+spec-after || n > recent.Unix()+spec-before {
		t.Errorf("modification, HTTP/1.1: max-age=%d, want mtime + %d s - now = %d", n, spec, recent.Unix()+spec-before)
	}
	r, _, _ = get(s, "/doc/new.txt", true)
	if e := expires(t, "modification, HTTP/1.0", r); e != recent.Unix()+spec {
		t.Errorf("modification, HTTP/1.0: Expires %s, want mtime + %d s = %s",
			time.Unix(e, 0).UTC(), spec, time.Unix(recent.Unix()+spec, 0).UTC())
	}
	if r.Header("Last-Modified") == "" {
		t.Errorf("the file's own headers are gone: %v", r.Headers)
	}

	// Expired long ago: now, not in the past.
	r, _, _ = get(s, "/doc/old.txt", false)
	if n := maxAge(t, "modification in the past, HTTP/1.1", r); n != 0 {
		t.Errorf("modification in the past, HTTP/1.1: max-age=%d, want 0", n)
	}
	r, before, after = get(s, "/doc/old.txt", true)
	if e := expires(t, "modification in the past, HTTP/1.0", r); e < before || e > after {
		t.Errorf("modification in the past, HTTP/1.0: Expires %s, want the time of the request", time.Unix(e, 0).UTC())
	}

	r, _, _ = get(s, "/other.txt", false)
	noCaching(t, "no rule", r)
}

// TestUnits: every unit lighttpd knows, singular and plural, over the
// wire.
func TestUnits(t *testing.T) {
	specs := []struct {
		spec string
		secs int64
	}{
		{"access plus 1 years", 365 * 86400},
		{"access plus 1 year", 365 * 86400},
		{"access plus 2 months", 60 * 86400},
		{"now plus 1 month", 30 * 86400},
		{"access plus 2 weeks", 14 * 86400},
		{"access plus 1 week", 7 * 86400},
		{"access plus 3 days", 3 * 86400},
		{"access 1 day", 86400},
		{"access plus 2 hours", 7200},
		{"access plus 1 hour", 3600},
		{"access plus 5 minutes", 300},
		{"access plus 1 minute", 60},
		{"access plus 2 mins", 120},
		{"access plus 1 min", 60},
		{"access plus 7 seconds", 7},
		{"access plus 1 second", 1},
		{"access plus 9 secs", 9},
		{"access plus 1 sec", 1},
		{"access plus 1 days 2 hours 3 minutes 4 seconds", 86400 + 7200 + 180 + 4},
	}
	var conf strings.Builder
	files := map[string]string{}
	conf.WriteString("server.modules = ( \"mod_expire\" )\nexpire.url = (\n")
	for i, sp := range specs {
		fmt.Fprintf(&conf, "  \"/%d/\" => %q,\n", i, sp.spec)
		files[fmt.Sprintf("%d/f.txt", i)] = "x"
	}
	conf.WriteString(")\n")
	s := reactortest.Start(t, reactortest.Options{Conf: conf.String(), Files: files})
	for i, sp := range specs {
		r := s.Get(fmt.Sprintf("/%d/f.txt", i))
		if n := maxAge(t, sp.spec, r); n != sp.secs {
			t.Errorf("%q: max-age=%d, want %d", sp.spec, n, sp.secs)
		}
	}
}

// TestPrecedence: expire.url is tried first, then expire.mimetypes; in
// each the first prefix that matches, in configuration order, wins.
func TestPrecedence(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: `server.modules = ( "mod_expire" )
expire.url = ( "/url/" => "access plus 1 seconds", "/url/deeper/" => "access plus 99 seconds" )
expire.mimetypes = ( "text/html" => "access plus 2 seconds",
                     "text/*" => "access plus 3 seconds",
                     "image/png" => "access 4 secs",
                     "application/javascript" => "access plus 5 minutes",
                     "" => "access plus 6 seconds" )
$HTTP["url"] =^ "/js/" {
  # Without "text/" or "text/javascript", lighttpd takes the old name of
  # the type of .js files for the new one.
  expire.mimetypes = ( "application/javascript" => "access plus 5 minutes", "image/" => "access plus 1 hours" )
}
$HTTP["url"] =^ "/dflt/" {
  expire.mimetypes = ( "" => "access plus 7 seconds", "text/" => "access plus 8 seconds" )
}
$HTTP["url"] =^ "/charset/" {
  mimetype.assign = ( ".html" => "text/html; charset=utf-8" )
  expire.mimetypes = ( "text/html" => "access plus 9 seconds" )
}
$HTTP["url"] =^ "/exact/" {
  expire.mimetypes = ( "image/png" => "access plus 10 seconds" )
}`,
		Files: map[string]string{
			"a.html": "a", "b.txt": "b", "c.png": "c", "d.js": "d", "e.unknownext": "e",
			"url/a.html": "a", "url/deeper/a.html": "a",
			"js/d.js": "d", "js/c.png": "c",
			"dflt/b.txt":     "b",
			"charset/a.html": "a",
			"exact/c.png":    "c", "exact/b.txt": "b",
		},
	})
	for _, tc := range []struct {
		path string
		want int64 // -1: no header
	}{
		{"/url/a.html", 1},        // the URL before the type
		{"/url/deeper/a.html", 1}, // the first URL prefix, not the longest
		{"/a.html", 2},
		{"/b.txt", 3}, // "text/*" is the prefix "text/"
		{"/d.js", 3},  // text/javascript: "text/" comes first
		{"/c.png", 4},
		{"/e.unknownext", 6}, // application/octet-stream: the "" entry
		{"/js/d.js", 300},    // application/javascript taken as text/javascript
		{"/js/c.png", 3600},
		{"/dflt/b.txt", 7},     // "" is a prefix of every type
		{"/charset/a.html", 9}, // a prefix of "text/html; charset=utf-8"
		{"/exact/c.png", 10},
		{"/exact/b.txt", -1},
	} {
		r := s.Get(tc.path)
		if tc.want < 0 {
			noCaching(t, tc.path, r)
			continue
		}
		if n := maxAge(t, tc.path, r); n != tc.want {
			t.Errorf("%s (%s): max-age=%d, want %d", tc.path, r.Header("Content-Type"), n, tc.want)
		}
	}
}

// TestConditional: a block's expire.url replaces the global one for the
// requests it matches, and an empty list turns the rules off there.
func TestConditional(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: `server.modules = ( "mod_expire" )
expire.url = ( "/" => "access plus 1 hours" )
$HTTP["host"] == "other" {
  expire.url = ( "/" => "access plus 2 hours" )
}
$HTTP["url"] =^ "/private/" {
  expire.url = ()
}
$HTTP["host"] == "types" {
  expire.url = ()
  expire.mimetypes = ( "text/" => "access plus 3 hours" )
}`,
		Files: map[string]string{"a.txt": "a", "private/b.txt": "b"},
	})
	for _, tc := range []struct {
		host, path string
		want       int64
	}{
		{"test", "/a.txt", 3600},
		{"other", "/a.txt", 7200},
		{"test", "/private/b.txt", -1},
		{"other", "/private/b.txt", -1},
		{"types", "/a.txt", 3 * 3600},
	} {
		r := s.Do("GET " + tc.path + " HTTP/1.1\r\nHost: " + tc.host + "\r\n\r\n")
		what := tc.host + tc.path
		if tc.want < 0 {
			noCaching(t, what, r)
			continue
		}
		if n := maxAge(t, what, r); n != tc.want {
			t.Errorf("%s: max-age=%d, want %d", what, n, tc.want)
		}
	}
}

// TestStatusesAndMethods: only 200 and 206 answers to GET, HEAD and
// QUERY get caching headers, and only when they have no Cache-Control
// yet (an Expires is replaced).
func TestStatusesAndMethods(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: `server.modules = ( "mod_expire_test_headers", "mod_expire" )
index-file.names = ( "index.html" )
static-file.exclude-extensions = ( ".inc" )
expire.url = ( "/" => "access plus 1 hours" )`,
		Files: map[string]string{"a.txt": "0123456789", "dir/index.html": "index", "x.inc": "inc"},
	})
	check := func(what, raw string, status int, want bool) {
		t.Helper()
		c := s.Dial()
		if _, err := c.Write([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		r := reactortest.ReadResponse(t, bufio.NewReader(c), strings.HasPrefix(raw, "HEAD "))
		if r.Status != status {
			t.Errorf("%s: status %d, want %d", what, r.Status, status)
		}
		if !want {
			noCaching(t, what, r)
		} else if n := maxAge(t, what, r); n != 3600 {
			t.Errorf("%s: max-age=%d, want 3600", what, n)
		}
	}
	etag := s.Get("/a.txt").Header("ETag")
	check("200 GET", "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 200, true)
	check("200 HEAD", "HEAD /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 200, true)
	check("200 index file", "GET /dir/ HTTP/1.1\r\nHost: t\r\n\r\n", 200, true)
	check("206", "GET /a.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-3\r\n\r\n", 206, true)
	check("304", "GET /a.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: "+etag+"\r\n\r\n", 304, false)
	check("404", "GET /missing.txt HTTP/1.1\r\nHost: t\r\n\r\n", 404, false)
	check("403", "GET /x.inc HTTP/1.1\r\nHost: t\r\n\r\n", 403, false)
	check("301", "GET /dir HTTP/1.1\r\nHost: t\r\n\r\n", 301, false)
	check("POST", "POST /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", 200, false)
	check("OPTIONS", "OPTIONS /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 200, false)

	r := s.Get("/a.txt?cc")
	if got := r.Headers["cache-control"]; len(got) != 1 || got[0] != "no-store" {
		t.Errorf("Cache-Control set before mod_expire: %q, want it alone and unchanged", got)
	}
	r, before, after := get(s, "/a.txt?exp", true)
	if e := expires(t, "Expires set before mod_expire, HTTP/1.0", r); e < before+3600 || e > after+3600 {
		t.Errorf("Expires set before mod_expire, HTTP/1.0: %s, want it replaced", r.Header("Expires"))
	}
}

// TestBadSpecs: a value mod_expire cannot read stops the configuration
// from loading, at the entry's line and column.
func TestBadSpecs(t *testing.T) {
	for _, tc := range []struct{ conf, err string }{
		{`expire.url = ( "/img/" => "access plus 1 fortnight" )`,
			`test.conf:3:16: expire.url: "/img/" => "access plus 1 fortnight": expected a number followed by years, months, weeks, days, hours, minutes or seconds, found "fortnight"`},
		{"expire.mimetypes = (\n  \"text/\" => \"access plus 1 hours\",\n  \"image/\" => \"plus 1 hours\",\n)",
			`test.conf:5:3: expire.mimetypes: "image/" => "plus 1 hours": it must start with "access ", "now " or "modification "`},
		{"$HTTP[\"host\"] == \"a\" {\n  expire.url = ( \"/\" => \"access plus 1\" )\n}",
			`test.conf:4:18: expire.url: "/" => "access plus 1": expected a number followed by years, months, weeks, days, hours, minutes or seconds, found the end`},
		{`expire.url = ( "/" => "access plus 6000 years" )`,
			`test.conf:3:16: expire.url: "/" => "access plus 6000 years": the time is more than 5000 years away`},
		{`expire.url = "access plus 1 hours"`,
			`test.conf:3:1: expire.url: expected a list of key => string values like ( "..." => "..." ), found string "access plus 1 hours"`},
		{`expire.mimetypes = ( "text/" => 3600 )`,
			`test.conf:3:1: expire.mimetypes: expected a list of key => string values like ( "..." => "..." ), found array`},
	} {
		src := "server.document-root = \"/srv/www\"\nserver.modules = ( \"mod_expire\" )\n" + tc.conf + "\n"
		_, err := config.Parse("test.conf", src, "", config.LoadOptions{})
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s:\n got %v\nwant %s", tc.conf, err, tc.err)
		}
	}
}

// TestLoaded: mod_expire's keys are its own once it is loaded, with no
// warning; without it they are unknown, as in lighttpd.
func TestLoaded(t *testing.T) {
	const keys = "expire.url = ( \"/\" => \"access plus 1 hours\" )\nexpire.mimetypes = ( \"\" => \"access 1 day\" )\n"
	c, err := config.Parse("test.conf", "server.document-root = \"/srv/www\"\nserver.modules = ( \"mod_expire\" )\n"+keys, "", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings with mod_expire loaded: %v", c.Warnings)
	}
	c, err = config.Parse("test.conf", "server.document-root = \"/srv/www\"\n"+keys, "", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range c.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"test.conf:2:1: warning: unknown config-key: expire.url (ignored)",
		"test.conf:3:1: warning: unknown config-key: expire.mimetypes (ignored)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings without mod_expire:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

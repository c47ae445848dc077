package http

import (
	"strings"
	"testing"
)

// headersOf lists a request's headers as HeaderValues gives them,
// "Name: value" each.
func headersOf(r *Request) []string {
	var out []string
	r.HeaderValues(func(name, value string) { out = append(out, name+": "+value) })
	return out
}

// TestRequestHeaderEdits: what modules add, set and remove is what Header
// and HeaderValues show, with lighttpd's merge rules.
func TestRequestHeaderEdits(t *testing.T) {
	const head = "GET / HTTP/1.1\r\nHost: a.org\r\nAccept: text/html\r\nCookie: a=1\r\nX-Rep: one\r\nX-Rep: two\r\n\r\n"
	tests := []struct {
		name string
		edit func(r *Request)
		want []string
	}{
		{"add a new header goes last, as written", func(r *Request) { r.AddHeader("X-New", "v") },
			[]string{"Host: a.org", "Accept: text/html", "Cookie: a=1", "X-Rep: one, two", "X-New: v"}},
		{"add to a present header joins with a comma", func(r *Request) { r.AddHeader("accept", "image/png") },
			[]string{"Host: a.org", "Accept: text/html, image/png", "Cookie: a=1", "X-Rep: one, two"}},
		{"add to a repeated header joins after the merged value", func(r *Request) { r.AddHeader("X-REP", "three") },
			[]string{"Host: a.org", "Accept: text/html", "Cookie: a=1", "X-Rep: one, two, three"}},
		{"add to Cookie joins with a semicolon", func(r *Request) { r.AddHeader("Cookie", "b=2") },
			[]string{"Host: a.org", "Accept: text/html", "Cookie: a=1; b=2", "X-Rep: one, two"}},
		{"add an empty value changes nothing", func(r *Request) { r.AddHeader("Accept", ""); r.AddHeader("X-None", "") },
			[]string{"Host: a.org", "Accept: text/html", "Cookie: a=1", "X-Rep: one, two"}},
		{"set replaces in place", func(r *Request) { r.SetHeader("ACCEPT", "*/*") },
			[]string{"Host: a.org", "Accept: */*", "Cookie: a=1", "X-Rep: one, two"}},
		{"set an absent header adds it", func(r *Request) { r.SetHeader("X-Set", "s") },
			[]string{"Host: a.org", "Accept: text/html", "Cookie: a=1", "X-Rep: one, two", "X-Set: s"}},
		{"set an empty value removes", func(r *Request) { r.SetHeader("x-rep", ""); r.SetHeader("X-Absent", "") },
			[]string{"Host: a.org", "Accept: text/html", "Cookie: a=1"}},
		{"del removes", func(r *Request) { r.DelHeader("host"); r.DelHeader("X-Absent") },
			[]string{"Accept: text/html", "Cookie: a=1", "X-Rep: one, two"}},
		{"a removed Cookie added again is new, then joins with a semicolon", func(r *Request) {
			r.DelHeader("Cookie")
			r.AddHeader("cookie", "c=3")
			r.AddHeader("Cookie", "d=4")
		}, []string{"Host: a.org", "Accept: text/html", "X-Rep: one, two", "cookie: c=3; d=4"}},
		{"set then add", func(r *Request) { r.SetHeader("X-A", "1"); r.AddHeader("x-a", "2") },
			[]string{"Host: a.org", "Accept: text/html", "Cookie: a=1", "X-Rep: one, two", "X-A: 1, 2"}},
	}
	opts := optsFor(t, "")
	var r Request
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, st := r.Parse([]byte(head), opts, 8192); st != 0 {
				t.Fatal(st)
			}
			tc.edit(&r)
			if got := headersOf(&r); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("headers\n got %q\nwant %q", got, tc.want)
			}
			for _, h := range tc.want {
				name, value, _ := strings.Cut(h, ": ")
				if got := r.Header(strings.ToUpper(name)); got != value {
					t.Errorf("Header(%q) = %q, want %q", name, got, value)
				}
			}
			if r.Host != "a.org" {
				t.Errorf("Host = %q: editing headers changed what was parsed", r.Host)
			}
		})
	}
}

// TestRequestHeaderEditsKeepValues: values already handed out stay
// valid while later edits grow the buffers, and the next request shows
// none of them.
func TestRequestHeaderEditsKeepValues(t *testing.T) {
	opts := optsFor(t, "")
	var r Request
	if _, st := r.Parse([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), opts, 8192); st != 0 {
		t.Fatal(st)
	}
	src := []byte("first")
	r.SetHeader("X-First", string(src))
	first := r.Header("X-First")
	copy(src, "XXXXX") // the caller's bytes are not referenced
	long := strings.Repeat("v", 4096)
	for i := range 50 {
		r.AddHeader("X-Grow", long[:i*80])
	}
	if first != "first" || r.Header("X-First") != "first" {
		t.Errorf("X-First = %q, then %q", first, r.Header("X-First"))
	}
	if _, st := r.Parse([]byte("GET / HTTP/1.1\r\nHost: b\r\n\r\n"), opts, 8192); st != 0 {
		t.Fatal(st)
	}
	if got := headersOf(&r); len(got) != 1 || got[0] != "Host: b" {
		t.Errorf("next request's headers: %q", got)
	}
}

// TestRequestHeaderEditsZeroAlloc: once its buffers have grown, a
// request edits its headers without allocating.
func TestRequestHeaderEditsZeroAlloc(t *testing.T) {
	opts := optsFor(t, "")
	h := []byte(browserGET)
	var r Request
	run := func() {
		r.Parse(h, opts, 8192)
		r.AddHeader("X-Forwarded-Proto", "https")
		r.AddHeader("Accept", "image/webp")
		r.SetHeader("User-Agent", "featherd")
		r.SetHeader("Referer", "")
	}
	run()
	if a := testing.AllocsPerRun(100, run); a != 0 {
		t.Errorf("%.1f allocs per parse and edit", a)
	}
}

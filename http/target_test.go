package http

import (
	"testing"

	"github.com/featherd/featherd/config"
)

// TestSimplifyPath ports the buffer_path_simplify vectors of
// src/t/test_buffer.c, each checked for idempotence as lighttpd does.
func TestSimplifyPath(t *testing.T) {
	cases := []struct{ in, out string }{
		{"", ""},
		{"/", "/"},
		{"//", "/"},
		{"abc", "abc"},
		{"abc//", "abc/"},
		{"abc/./xyz", "abc/xyz"},
		{"abc/.//xyz", "abc/xyz"},
		{"abc/../xyz", "/xyz"},
		{"/abc/./xyz", "/abc/xyz"},
		{"/abc//./xyz", "/abc/xyz"},
		{"/abc/../xyz", "/xyz"},
		{"abc/../xyz/.", "/xyz/"},
		{"/abc/../xyz/.", "/xyz/"},
		{"abc/./xyz/..", "abc/"},
		{"/abc/./xyz/..", "/abc/"},
		{".", ""},
		{"..", ""},
		{"...", "..."},
		{"....", "...."},
		{".../", ".../"},
		{"./xyz/..", "/"},
		{".//xyz/..", "/"},
		{"/./xyz/..", "/"},
		{".././xyz/..", "/"},
		{"/.././xyz/..", "/"},
		// more, for featherd
		{"./", "/"},
		{"../", "/"},
		{"/..", "/"},
		{"/../..", "/"},
		{"/a/b/../../..", "/"},
		{"/a/b/../../../c", "/c"},
		{"a/b/../../../c", "/c"},
		{"/.a/..b/.../", "/.a/..b/.../"},
		{"/a/.", "/a/"},
		{"/a/./", "/a/"},
		{"/a//", "/a/"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got := string(simplifyPath([]byte(tc.in)))
			if got != tc.out {
				t.Fatalf("simplifyPath(%q) = %q, want %q", tc.in, got, tc.out)
			}
			if again := string(simplifyPath([]byte(got))); again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

// TestNormalizeTarget ports src/t/test_burl.c: the flag sets are built up
// and torn down in the same order as there.
func TestNormalizeTarget(t *testing.T) {
	const fail = "\x00fail"
	type vec struct{ in, out string }
	run := func(t *testing.T, name string, o config.ParseOpts, vecs []vec) {
		t.Run(name, func(t *testing.T) {
			for _, v := range vecs {
				got, qs, ok := normalizeTarget(nil, v.in, &o)
				switch {
				case v.out == fail && ok:
					t.Errorf("%q: got %q, want an error", v.in, got)
				case v.out != fail && !ok:
					t.Errorf("%q: error, want %q", v.in, v.out)
				case v.out != fail && string(got) != v.out:
					t.Errorf("%q: got %q, want %q", v.in, got, v.out)
				case ok && qs >= 0 && got[qs] != '?':
					t.Errorf("%q: qs %d does not point at '?' in %q", v.in, qs, got)
				}
			}
		})
	}
	o := config.ParseOpts{URLNormalize: true, URLNormalizeUnreserved: true}
	run(t, "unreserved", o, []vec{
		{"/%C0", "/%C0"},
		{"/\377", "/%FF"},
	})
	o.URLInvalidUTF8Reject = true
	run(t, "unreserved, invalid-utf8-reject", o, []vec{
		{"no-slash", "no-slash"},
		{"/", "/"},
		{"/abc", "/abc"},
		{"/abc/", "/abc/"},
		{"/abc/def", "/abc/def"},
		{"/abc?", "/abc?"},
		{"/abc?d", "/abc?d"},
		{"/abc?d=", "/abc?d="},
		{"/abc?d=e", "/abc?d=e"},
		{"/abc?d=e&", "/abc?d=e&"},
		{"/abc?d=e&f", "/abc?d=e&f"},
		{"/abc?d=e&f=g", "/abc?d=e&f=g"},
		{"/abc?d=e&f=g#", "/abc?d=e&f=g"},
		{"/abc?d=e&f=g#any", "/abc?d=e&f=g"},
		{"/%2F", "/%2F"},
		{"/%2f", "/%2F"},
		{"/%20", "/%20"},
		{"/%2b", "/%2B"},
		{"/%2B", "/%2B"},
		{"/%3a", "/%3A"},
		{"/%3A", "/%3A"},
		{"/~test%20ä_", "/~test%20%C3%A4_"},
		{"/%C0", fail},
		{"/\375", fail},
		{"/\376", fail},
		{"/\377", fail},
	})
	o = config.ParseOpts{URLNormalize: true, URLNormalizeRequired: true, URLInvalidUTF8Reject: true}
	required := []vec{
		{"/", "/"},
		{"/abc", "/abc"},
		{"/abc/", "/abc/"},
		{"/abc/def", "/abc/def"},
		{"/abc?", "/abc?"},
		{"/abc?d", "/abc?d"},
		{"/abc?d=", "/abc?d="},
		{"/abc?d=e", "/abc?d=e"},
		{"/abc?d=e&", "/abc?d=e&"},
		{"/abc?d=e&f", "/abc?d=e&f"},
		{"/abc?d=e&f=g", "/abc?d=e&f=g"},
		{"/abc?d=e&f=g#", "/abc?d=e&f=g"},
		{"/abc?d=e&f=g#any", "/abc?d=e&f=g"},
		{"/%2F", "/%2F"},
		{"/%2f", "/%2F"},
		{"/%20", "/%20"},
		{"/%2b", "/+"},
		{"/%2B", "/+"},
		{"/%3a", "/:"},
		{"/%3A", "/:"},
		{"/%2b?x=%2b", "/+?x=%2B"},
		{"/%2B?x=%2B", "/+?x=%2B"},
		{"/~test%20ä_", "/~test%20%C3%A4_"},
		{"/\375", fail},
		{"/\376", fail},
		{"/\377", fail},
	}
	run(t, "required, invalid-utf8-reject", o, required)
	o.URLQuery20Plus = true
	run(t, "query-20-plus", o, []vec{{"/abc?d=e%20f?g=h%20i", "/abc?d=e+f?g=h+i"}})
	o.URLQuery20Plus = false
	o.URLCtrlsReject = true
	run(t, "ctrls-reject", o, []vec{
		{"/\a", fail},
		{"/\t", fail},
		{"/\r", fail},
		{"/\177", fail},
	})
	bs := o
	bs.URLPathBackslashTrans = true
	run(t, "backslash-trans", bs, []vec{{"/a\\b", "/a/b"}, {"/a%5cb", "/a%2Fb"}, {"/a?b\\c", "/a?b%5Cc"}})
	o.URLPath2FDecode = true
	run(t, "2f-decode", o, []vec{
		{"/a/b?c=/", "/a/b?c=/"},
		{"/a/b?c=%2f", "/a/b?c=/"},
		{"%2f?", "/?"},
		{"%2f%2f", "//"},
		{"%2f%2f?", "//?"},
		{"/%2f?", "//?"},
		{"/a%2fb", "/a/b"},
		{"/a%2Fb", "/a/b"},
		{"/a%2fb?c=/", "/a/b?c=/"},
		{"/a%2fb?c=%2f", "/a/b?c=/"},
	})
	o.URLPath2FDecode = false
	o.URLPath2FReject = true
	run(t, "2f-reject", o, []vec{
		{"/a%2fb", fail},
		{"/a%2Fb", fail},
		{"/a/b?c=%2f", "/a/b?c=/"},
	})
	o.URLPath2FReject = false
	o.URLPathDotsegRemove = true
	run(t, "dotseg-remove", o, []vec{
		{"//", "/"},
		{"/a//b", "/a/b"},
		{"./a/b", "/a/b"},
		{"../a/b", "/a/b"},
		{"/a/./b", "/a/b"},
		{"/a/../b", "/b"},
		{"/a/b/.", "/a/b/"},
		{"/a/b/..", "/a/"},
		{"/a/../b/..", "/"},
		{"/a/../b/..?x=/../", "/?x=/../"},
	})
	o.URLPathDotsegRemove = false
	o.URLPathDotsegReject = true
	run(t, "dotseg-reject", o, []vec{
		{"./a/b", fail},
		{"../a/b", fail},
		{"/a/./b", fail},
		{"/a/../b", fail},
		{"/a/b/.", fail},
		{"/a/b/..", fail},
	})
	o.URLPathDotsegReject = false
	o.URLQuery20Plus = true
	run(t, "query-20-plus again", o, []vec{
		{"/a/b?c=d+e", "/a/b?c=d+e"},
		{"/a/b?c=d%20e", "/a/b?c=d+e"},
	})
}

func TestNeedsSimplify(t *testing.T) {
	cases := map[string]bool{
		"": false, "/": false, "/a": false, "/a/": false, "/a/b.c": false, "/.a": false, "/a..": false, "/...": false,
		"//": true, "/a//b": true, "/.": true, "/./": true, "/..": true, "/a/../": true, "./a": true, "../a": true, ".": true,
	}
	for in, want := range cases {
		if got := needsSimplify(in); got != want {
			t.Errorf("needsSimplify(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestAppendDecodedPath(t *testing.T) {
	cases := []struct{ in, out string }{
		{"/a%20b", "/a b"},
		{"/%41%6a", "/Aj"},
		{"/%00%1f%7f%7E", "/___~"},
		{"/%", "/%"},
		{"/%4", "/%4"},
		{"/%zz", "/%zz"},
		{"/%%41", "/%A"},
		{"/%2F", "//"},
	}
	for _, tc := range cases {
		if got := string(appendDecodedPath(nil, tc.in)); got != tc.out {
			t.Errorf("appendDecodedPath(%q) = %q, want %q", tc.in, got, tc.out)
		}
	}
}

// TestCurrentNormalized checks that Current is the target as lighttpd's
// r->target holds it once parsed, which mod_rewrite and mod_redirect
// match against: normalised per server.http-parseopts, without its
// fragment, and the same after SetTarget.
func TestCurrentNormalized(t *testing.T) {
	cases := []struct {
		name, opts, target, current string
	}{
		{"plain", "", "/a/b?c=d", "/a/b?c=d"},
		{"unreserved decoded, hex upper-cased", "", "/%7euser/%c3%a9?q=%7e%2f", "/~user/%C3%A9?q=~%2F"},
		{"raw bytes encoded, fragment dropped", "", "/a\xc3\xa9b?x#frag", "/a%C3%A9b?x"},
		{"dot segments removed", "", "/a/./b/../c", "/a/c"},
		{"not normalised: only the fragment goes", `server.http-parseopts = ( "url-normalize" => "disable" )`,
			"/%7e/./a?b#c", "/%7e/./a?b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := optsFor(t, tc.opts)
			var r Request
			raw := "GET " + tc.target + " HTTP/1.1\r\nHost: x\r\n\r\n"
			if _, st := r.Parse([]byte(raw), o, 8192); st != 0 {
				t.Fatalf("Parse: status %d", st)
			}
			if r.Current != tc.current {
				t.Errorf("Current = %q, want %q", r.Current, tc.current)
			}
			if st := r.SetTarget(tc.target, o); st != 0 {
				t.Fatalf("SetTarget: status %d", st)
			}
			if r.Current != tc.current {
				t.Errorf("after SetTarget, Current = %q, want %q", r.Current, tc.current)
			}
		})
	}
}

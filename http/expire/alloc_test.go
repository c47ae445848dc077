package expire

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/http/pipeline/pipelinetest"
	_ "github.com/featherd/featherd/http/staticfile"
)

// newLoop serves a.png, a.txt and b.bin (no Content-Type rule) with an
// access rule, a modification rule and none.
func newLoop(t testing.TB) (*pipelinetest.Loop, *module) {
	t.Helper()
	root := t.TempDir()
	for _, name := range []string{"img/a.png", "doc/a.txt", "b.bin"} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l := pipelinetest.New(t, fmt.Sprintf(`server.document-root = %q
server.modules = ( "mod_expire" )
expire.url = ( "/img/" => "access plus 1 hours", "/doc/" => "modification plus 1 days" )
expire.mimetypes = ( "text/" => "access plus 1 hours" )
$HTTP["host"] == "other" { expire.url = ( "/" => "access plus 1 years" ) }
`, root))
	return l, &module{scoped: moduleOptions.Of(l.Cfg)}
}

var allocCases = []struct{ name, raw, header string }{
	{"no rule", "GET /b.bin HTTP/1.1\r\nHost: a\r\n\r\n", ""},
	{"access", "GET /img/a.png HTTP/1.1\r\nHost: a\r\n\r\n", "Cache-Control"},
	{"access in a block", "GET /img/a.png HTTP/1.1\r\nHost: other\r\n\r\n", "Cache-Control"},
	{"modification", "GET /doc/a.txt HTTP/1.1\r\nHost: a\r\n\r\n", "Cache-Control"},
	{"access HTTP/1.0", "GET /img/a.png HTTP/1.0\r\n\r\n", "Expires"},
	{"modification HTTP/1.0", "GET /doc/a.txt HTTP/1.0\r\n\r\n", "Expires"},
}

// respond runs m's hook again on a request the pipeline answered,
// without the headers its own mod_expire added.
func respond(m *module, r *pipeline.Request) {
	r.Resp.DelHeader("Cache-Control")
	r.Resp.DelHeader("Expires")
	m.ResponseStart(r)
}

// TestNoAllocs: the hook allocates nothing when no rule matches, and,
// once a second's values are made, nothing when one does either.
func TestNoAllocs(t *testing.T) {
	l, m := newLoop(t)
	for _, tc := range allocCases {
		r := l.Do(tc.raw)
		respond(m, r)
		if tc.header != "" && r.Resp.Header(tc.header) == "" || tc.header == "" && r.Resp.Header("Cache-Control") != "" {
			t.Fatalf("%s: the rule did not act as expected (want %q)", tc.name, tc.header)
		}
		if n := testing.AllocsPerRun(200, func() { respond(m, r) }); n != 0 {
			t.Errorf("%s: %v allocations per request, want 0", tc.name, n)
		}
	}
}

// TestMatchTypeDefault: a response without a Content-Type gets the ""
// entry of expire.mimetypes, wherever it is listed.
func TestMatchTypeDefault(t *testing.T) {
	a, b := &spec{offset: 1}, &spec{offset: 2}
	rules := []rule{{"text/", a}, {"", b}}
	if got := matchType(rules, ""); got != b {
		t.Errorf("no Content-Type: %v, want the \"\" entry", got)
	}
	if got := matchType(rules, "text/plain"); got != a {
		t.Errorf("text/plain: %v, want the text/ entry", got)
	}
	if got := matchType(rules[:1], ""); got != nil {
		t.Errorf("no Content-Type, no \"\" entry: %v, want none", got)
	}
}

func BenchmarkResponseStart(b *testing.B) {
	l, m := newLoop(b)
	for _, tc := range allocCases {
		r := l.Do(tc.raw)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				respond(m, r)
			}
		})
	}
}

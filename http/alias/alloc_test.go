package alias

import (
	"testing"

	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/http/pipeline/pipelinetest"
)

// mapping returns mod_alias, with Debian's one alias, and a request in
// the physical phase: pass for a URL the alias does not cover, map for
// one it does.
func mapping(tb testing.TB, target string) (*module, *pipeline.Request) {
	l := pipelinetest.New(tb, `server.document-root = "/srv/www"
server.modules = ( "mod_alias" )
alias.url = ( "/javascript/" => "/usr/share/javascript/" )
`)
	m := &module{opts: moduleOptions.Of(l.Cfg)}
	r := l.Get(target)
	return m, r
}

// physical runs mod_alias's hook on the physical path the core composes.
func physical(m *module, r *pipeline.Request) pipeline.Result {
	r.Physical.BaseDir = append(r.Physical.BaseDir[:0], "/srv/www"...)
	r.Physical.Path = append(append(r.Physical.Path[:0], "/srv/www"...), r.Head.Path...)
	return m.Physical(r)
}

// TestAllocatesNothing: mod_alias allocates nothing for a request it
// does not map, nor, once its buffer has grown, for one it maps.
func TestAllocatesNothing(t *testing.T) {
	for _, c := range []struct{ target, path string }{
		{"/static/site.css", "/srv/www/static/site.css"},
		{"/javascript/jquery/jquery.js", "/usr/share/javascript/jquery/jquery.js"},
	} {
		m, r := mapping(t, c.target)
		if rc := physical(m, r); rc != pipeline.GoOn || string(r.Physical.Path) != c.path {
			t.Fatalf("%s: %v, mapped to %q, want %q", c.target, rc, r.Physical.Path, c.path)
		}
		if a := testing.AllocsPerRun(1000, func() { physical(m, r) }); a != 0 {
			t.Errorf("%s: %.1f allocs per request", c.target, a)
		}
	}
}

// BenchmarkPass is mod_alias's cost for a request it does not map.
func BenchmarkPass(b *testing.B) {
	m, r := mapping(b, "/static/site.css")
	b.ReportAllocs()
	for b.Loop() {
		physical(m, r)
	}
}

// BenchmarkMap is its cost for a request it maps.
func BenchmarkMap(b *testing.B) {
	m, r := mapping(b, "/javascript/jquery/jquery.js")
	b.ReportAllocs()
	for b.Loop() {
		physical(m, r)
	}
}

package access

import (
	"io"
	"log"
	"testing"

	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/http/pipeline/pipelinetest"
)

// allocConf is Debian's list, plus a conditional block so that the
// merge evaluates a condition.
const allocConf = `server.document-root = "/srv/www"
server.modules = ( "mod_access" )
url.access-deny = ( "~", ".inc" )
$HTTP["url"] =^ "/private/" {
    url.access-deny = ( "" )
}
`

// passing returns mod_access and a request for a page it lets through.
func passing(tb testing.TB) (*module, *pipeline.Request) {
	l := pipelinetest.New(tb, allocConf)
	m := &module{opts: moduleOptions.Of(l.Cfg), logger: log.New(io.Discard, "", 0)}
	r := l.Get("/static/site.css")
	if m.URIClean(r) != pipeline.GoOn || m.SubrequestStart(r) != pipeline.GoOn {
		tb.Fatal("mod_access refused /static/site.css")
	}
	return m, r
}

// TestPassAllocatesNothing: a request mod_access lets through costs it
// no allocation.
func TestPassAllocatesNothing(t *testing.T) {
	m, r := passing(t)
	if a := testing.AllocsPerRun(1000, func() { m.URIClean(r); m.SubrequestStart(r) }); a != 0 {
		t.Errorf("%.1f allocs per request", a)
	}
}

// BenchmarkPass is mod_access's cost for a request it lets through.
func BenchmarkPass(b *testing.B) {
	m, r := passing(b)
	b.ReportAllocs()
	for b.Loop() {
		m.URIClean(r)
		m.SubrequestStart(r)
	}
}

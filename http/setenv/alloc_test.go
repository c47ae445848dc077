package setenv

import (
	"testing"

	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/http/pipeline/pipelinetest"
)

const head = "GET /static/site.css HTTP/1.1\r\nHost: localhost\r\nAccept: text/css\r\n\r\n"

// cycle returns a function that runs one request through mod_setenv's
// hooks, from a freshly parsed head to the reset, with conf's options.
func cycle(tb testing.TB, conf string) func() {
	l := pipelinetest.New(tb, "server.document-root = \"/srv/www\"\nserver.modules = ( \"mod_setenv\" )\n"+conf)
	m := &module{opts: moduleOptions.Of(l.Cfg), slot: 0}
	r := l.Do(head)
	l.Done()
	raw := []byte(head)
	return func() {
		r.Env.Reset()
		r.Resp.Reset()
		if _, st := r.Head.Parse(raw, &l.Cfg.Server.HTTPParseOpts, 8192); st != 0 {
			tb.Fatal(st)
		}
		if m.URIClean(r) != pipeline.GoOn || m.RequestEnv(r) != pipeline.GoOn || m.ResponseStart(r) != pipeline.GoOn ||
			m.RequestReset(r) != pipeline.GoOn {
			tb.Fatal("a hook did not go on")
		}
	}
}

const acting = `
setenv.add-request-header = ( "X-Forwarded-Proto" => "https", "Accept" => "image/webp" )
setenv.set-request-header = ( "User-Agent" => "featherd" )
setenv.add-response-header = ( "Strict-Transport-Security" => "max-age=63072000" )
setenv.set-response-header = ( "X-Content-Type-Options" => "nosniff" )
setenv.set-environment = ( "TZ" => "UTC" )
`

// TestAllocatesNothing: once warm, mod_setenv allocates nothing for a
// request, whether it has options to apply or none.
func TestAllocatesNothing(t *testing.T) {
	for name, conf := range map[string]string{"acting": acting, "no options": ""} {
		run := cycle(t, conf)
		run()
		if a := testing.AllocsPerRun(1000, run); a != 0 {
			t.Errorf("%s: %.1f allocs per request", name, a)
		}
	}
}

// BenchmarkRequest is a request's cost in mod_setenv with Debian-like
// security headers, a header for the backend and a variable.
func BenchmarkRequest(b *testing.B) {
	run := cycle(b, acting)
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
}

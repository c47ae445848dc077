package pipeline_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/featherd/featherd/http/indexfile"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/http/pipeline/pipelinetest"
	_ "github.com/featherd/featherd/http/staticfile"
)

// recorder is a test module that writes each hook it runs, with its
// name, into the X-Trace response header's buffer, so a test sees the
// phases in order and the modules in order within each.
type recorder struct {
	name  string
	slot  int
	trace *[]string
	// act says what the recorder does in a phase, by phase name.
	act map[string]action
}

type action func(m *recorder, r *pipeline.Request) pipeline.Result

func (m *recorder) hook(phase string, r *pipeline.Request) pipeline.Result {
	*m.trace = append(*m.trace, m.name+"."+phase)
	if f := m.act[phase]; f != nil {
		return f(m, r)
	}
	return pipeline.GoOn
}

func (m *recorder) URIRaw(r *pipeline.Request) pipeline.Result   { return m.hook("uri-raw", r) }
func (m *recorder) URIClean(r *pipeline.Request) pipeline.Result { return m.hook("uri-clean", r) }
func (m *recorder) Docroot(r *pipeline.Request) pipeline.Result  { return m.hook("docroot", r) }
func (m *recorder) Physical(r *pipeline.Request) pipeline.Result { return m.hook("physical", r) }
func (m *recorder) SubrequestStart(r *pipeline.Request) pipeline.Result {
	return m.hook("subrequest-start", r)
}
func (m *recorder) Subrequest(r *pipeline.Request) pipeline.Result {
	return m.hook("subrequest", r)
}
func (m *recorder) ResponseStart(r *pipeline.Request) pipeline.Result {
	return m.hook("response-start", r)
}
func (m *recorder) RequestDone(r *pipeline.Request) pipeline.Result { return m.hook("request-done", r) }
func (m *recorder) RequestReset(r *pipeline.Request) pipeline.Result {
	return m.hook("request-reset", r)
}

var (
	trace   []string
	actions = map[string]map[string]action{}
)

func init() {
	for _, name := range []string{"mod_test_a", "mod_test_b"} {
		pipeline.Register(pipeline.Module{Name: name, New: func(s *pipeline.Setup) any {
			return &recorder{name: strings.TrimPrefix(name, "mod_test_"), slot: s.Slot, trace: &trace, act: actions[name]}
		}})
		actions[name] = map[string]action{}
	}
}

func setAction(t *testing.T, module, phase string, f action) {
	actions[module][phase] = f
	t.Cleanup(func() { delete(actions[module], phase) })
}

func docroot(t *testing.T) string {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "f.txt"), []byte("file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func load(t *testing.T, modules string) *pipelinetest.Loop {
	return pipelinetest.New(t, "server.document-root = \""+docroot(t)+"\"\nserver.modules = ( "+modules+" )\n")
}

// TestPhaseOrder: every phase runs in lighttpd's order, and within a
// phase the modules run in server.modules order; mod_staticfile, added
// last, answers in subrequest start.
func TestPhaseOrder(t *testing.T) {
	for _, tc := range []struct {
		modules string
		want    string
	}{
		{`"mod_test_a", "mod_test_b"`, "a.uri-raw b.uri-raw a.uri-clean b.uri-clean a.docroot b.docroot a.physical b.physical " +
			"a.subrequest-start b.subrequest-start a.response-start b.response-start a.request-done b.request-done a.request-reset b.request-reset"},
		{`"mod_test_b", "mod_test_a"`, "b.uri-raw a.uri-raw b.uri-clean a.uri-clean b.docroot a.docroot b.physical a.physical " +
			"b.subrequest-start a.subrequest-start b.response-start a.response-start b.request-done a.request-done b.request-reset a.request-reset"},
	} {
		l := load(t, tc.modules)
		trace = nil
		r := l.Get("/f.txt")
		l.Done()
		if r.Resp.Status != 200 || strings.Join(trace, " ") != tc.want {
			t.Errorf("%s: %d\n got %s\nwant %s", tc.modules, r.Resp.Status, strings.Join(trace, " "), tc.want)
		}
	}
}

// TestResults: Finished ends the phases at once (later modules and
// phases do not run); a claim makes the claimer's Subrequest answer after
// subrequest start; Error answers 500 and logs; the core's answers stand
// when no module acts (404, 403 for a directory without index, the
// directory redirect).
func TestResults(t *testing.T) {
	l := load(t, `"mod_test_a", "mod_test_b"`)
	var log bytes.Buffer
	l.Log = &log

	setAction(t, "mod_test_a", "uri-clean", func(m *recorder, r *pipeline.Request) pipeline.Result {
		if r.Head.Path == "/deny" {
			r.Resp.Status = 403
			return pipeline.Finished
		}
		return pipeline.GoOn
	})
	trace = nil
	if r := l.Get("/deny"); r.Resp.Status != 403 || strings.Join(trace, " ") != "a.uri-raw b.uri-raw a.uri-clean a.response-start b.response-start" {
		t.Errorf("finished in uri clean: %d %v", r.Resp.Status, trace)
	}
	l.Done()

	setAction(t, "mod_test_b", "uri-clean", func(m *recorder, r *pipeline.Request) pipeline.Result {
		if r.Head.Path == "/virtual" { // a gateway without check-local
			r.Claim(m)
		}
		return pipeline.GoOn
	})
	setAction(t, "mod_test_b", "subrequest", func(m *recorder, r *pipeline.Request) pipeline.Result {
		r.Resp.Status = 200
		r.Resp.Body.WriteString("from b")
		return pipeline.Finished
	})
	trace = nil
	r := l.Get("/virtual")
	if r.Resp.Status != 200 || !strings.Contains(strings.Join(trace, " "), "b.subrequest") ||
		strings.Contains(strings.Join(trace, " "), "subrequest-start") {
		t.Errorf("claimed in uri clean (the file does not exist): %d %v", r.Resp.Status, trace)
	}
	l.Done()

	setAction(t, "mod_test_a", "physical", func(*recorder, *pipeline.Request) pipeline.Result { return pipeline.Error })
	if r := l.Get("/f.txt"); r.Resp.Status != 500 || !strings.Contains(log.String(), "request failed in a module") {
		t.Errorf("error: %d, log %q", r.Resp.Status, log.String())
	}
	l.Done()
	delete(actions["mod_test_a"], "physical")

	for path, want := range map[string]int{"/missing": 404, "/d/": 403, "/d": 301, "/f.txt/info": 200, "/d/x/y": 404} {
		if r := l.Get(path); r.Resp.Status != want {
			t.Errorf("GET %s: %d, want %d", path, r.Resp.Status, want)
		}
		l.Done()
	}
	if r := l.Get("/f.txt/more/info"); string(r.Physical.PathInfo) != "/more/info" || r.Head.Path != "/f.txt" {
		t.Errorf("PATH_INFO %q, path %q", r.Physical.PathInfo, r.Head.Path)
	}
	l.Done()
}

// TestComebackLoop: a module that rewrites on every pass is stopped
// after MaxComebacks with a 500 and a log line, not looped for ever.
func TestComebackLoop(t *testing.T) {
	l := load(t, `"mod_test_a"`)
	var log bytes.Buffer
	l.Log = &log
	passes := 0
	setAction(t, "mod_test_a", "uri-raw", func(m *recorder, r *pipeline.Request) pipeline.Result {
		passes++
		if r.Head.SetTarget("/loop?n=1", &r.Server.HTTPParseOpts) != 0 {
			t.Fatal("target does not parse")
		}
		return pipeline.Comeback
	})
	r := l.Get("/start")
	if r.Resp.Status != 500 || passes != pipeline.MaxComebacks+1 || !strings.Contains(log.String(), "came back 100 times") {
		t.Fatalf("status %d after %d passes, log %q", r.Resp.Status, passes, log.String())
	}
	if r.Head.Target != "/start" || r.Head.Current != "/loop?n=1" || r.Head.Path != "/loop" || r.Head.Query != "n=1" {
		t.Errorf("target %q current %q path %q query %q", r.Head.Target, r.Head.Current, r.Head.Path, r.Head.Query)
	}
	l.Done()
}

// BenchmarkHandle measures the pipeline's own work for a static hit
// (the file check, mod_staticfile from memory, the response's
// preparation), with no other module and with Debian's default set:
// mod_indexfile, mod_access, mod_alias and mod_redirect with the options
// Debian's lighttpd.conf sets and one alias, none of which acts here.
func BenchmarkHandle(b *testing.B) {
	for _, bc := range []struct{ name, conf string }{
		{"modules=none", ""},
		{"modules=debian", `server.modules = ( "mod_indexfile", "mod_access", "mod_alias", "mod_redirect" )
index-file.names = ( "index.php", "index.html" )
url.access-deny = ( "~", ".inc" )
static-file.exclude-extensions = ( ".php", ".pl", ".fcgi" )
alias.url += ( "/javascript" => "/usr/share/javascript" )
`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			root := b.TempDir()
			if err := os.WriteFile(filepath.Join(root, "index.html"), bytes.Repeat([]byte("x"), 1024), 0o644); err != nil {
				b.Fatal(err)
			}
			l := pipelinetest.New(b, "server.document-root = \""+root+"\"\n"+bc.conf)
			const raw = "GET /index.html HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"
			l.Do(raw)
			l.Done()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if r := l.Do(raw); r.Resp.Status != 200 {
					b.Fatal(r.Resp.Status)
				}
				l.Done()
			}
		})
	}
}

// TestModuleData: a module's request data is gone at the next request,
// its connection data stays until the connection closes; slots are per
// module.
func TestModuleData(t *testing.T) {
	l := load(t, `"mod_test_a", "mod_test_b"`)
	type mark struct{ n int }
	seen := map[string][2]any{}
	for _, name := range []string{"mod_test_a", "mod_test_b"} {
		setAction(t, name, "uri-clean", func(m *recorder, r *pipeline.Request) pipeline.Result {
			seen[m.name] = [2]any{r.Data(m.slot), r.ConnData(m.slot)}
			r.SetData(m.slot, &mark{1})
			if r.ConnData(m.slot) == nil {
				r.SetConnData(m.slot, &mark{len(m.name)})
			}
			return pipeline.GoOn
		})
	}
	l.Get("/f.txt")
	l.Done()
	if seen["a"] != [2]any{nil, nil} {
		t.Fatalf("first request saw %v", seen["a"])
	}
	l.Get("/f.txt")
	l.Done()
	for _, name := range []string{"a", "b"} {
		if seen[name][0] != nil || seen[name][1] == nil {
			t.Errorf("%s, second request: request data %v (want none), connection data %v (want kept)", name, seen[name][0], seen[name][1])
		}
	}
	if seen["a"][1] == seen["b"][1] {
		t.Error("two modules share a connection data slot")
	}
	l.Pipe.Close(l.Request())
	l.Get("/f.txt")
	l.Done()
	if seen["a"][1] != nil {
		t.Errorf("connection data %v outlived the connection", seen["a"][1])
	}
}

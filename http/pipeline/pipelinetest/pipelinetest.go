// Package pipelinetest runs requests through a pipeline without a
// reactor, for the tests of modules: a configuration is loaded, one
// loop's pipeline made from it, and each request parsed from its raw head
// and handled as the reactor would, up to the response's head (which is
// not built: the test reads the status, headers and body).
package pipelinetest

import (
	"io"
	"log"
	"net/netip"
	"testing"
	"time"

	"github.com/featherd/featherd/chunkqueue"
	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
)

// Loop is one event loop's pipeline for a test.
type Loop struct {
	T    testing.TB
	Cfg  *config.Config
	Pipe *pipeline.Pipeline
	// Peer is the client's address the requests come from;
	// 127.0.0.1:40000 by default.
	Peer netip.AddrPort
	// Override, when set, changes each request's core options after the
	// conditions are applied.
	Override func(*config.Options)
	// Log receives the server's log lines; nil discards them.
	Log io.Writer

	r    pipeline.Request
	opts config.Options
	raw  []byte
}

// New loads conf (the modules it names must be linked into the test
// binary: import http/modules or the module's package) and makes a
// loop's pipeline from it. The test fails if the configuration does not
// load.
func New(t testing.TB, conf string) *Loop {
	t.Helper()
	cfg, err := config.Parse("test.conf", conf, "", config.LoadOptions{DefaultTag: "featherd-test"})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	l := &Loop{T: t, Cfg: cfg, Peer: netip.MustParseAddrPort("127.0.0.1:40000")}
	plan, err := pipeline.NewPlan(cfg, log.New(writerFunc(l.write), "", 0))
	if err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	l.Pipe = plan.NewLoop()
	return l
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func (l *Loop) write(p []byte) (int, error) {
	if l.Log != nil {
		return l.Log.Write(p)
	}
	return len(p), nil
}

// Get handles "GET target HTTP/1.1" with Host: localhost.
func (l *Loop) Get(target string) *pipeline.Request {
	return l.Do("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
}

// Do parses raw, a request head ending in an empty line, and handles it
// until the pipeline answers (a handler that waits fails the test). The
// request it returns is reused by the next Do; its body holds references
// to files until then.
func (l *Loop) Do(raw string) *pipeline.Request {
	l.T.Helper()
	r := &l.r
	if r.Eval == nil {
		r.Eval = l.Cfg.NewEval()
		r.Socket = "0.0.0.0:80"
		r.StatCache = l.Pipe.StatCache()
		r.Events = noEvents{l.T}
		r.Server = &l.Cfg.Server
		r.Spool = &chunkqueue.SpoolConfig{Dirs: l.Cfg.Server.UploadDirs}
	}
	r.Reset()
	r.Scheme = "http"
	if r.Peer != l.Peer {
		r.Peer = l.Peer
		r.RemoteIP = l.Peer.Addr().String() // once: the reactor sets it per connection
		r.RemotePort = l.Peer.Port()
	}
	r.Eval.StartConnection(r)
	l.raw = append(l.raw[:0], raw...)
	n, status := r.Head.Parse(l.raw, &l.Cfg.Server.HTTPParseOpts, l.Cfg.Server.MaxRequestFieldSize)
	if n == 0 && status == 0 {
		l.T.Fatalf("incomplete request %q", raw)
	}
	r.Eval.StartRequest()
	r.Options = r.Eval.Options()
	if l.Override != nil {
		l.opts = *r.Options
		l.Override(&l.opts)
		r.Options = &l.opts
	}
	if status != 0 {
		r.Resp.Status = status
	}
	r.Now = 1
	if rc := l.Pipe.Handle(r); rc != pipeline.Finished {
		l.T.Fatalf("%q: pipeline returned %v", raw, rc)
	}
	return r
}

// Request returns the request Do handles, reused by each Do: for a test
// that calls the pipeline itself (Close, Trigger).
func (l *Loop) Request() *pipeline.Request { return &l.r }

// Done ends the request as the reactor does once it is written.
func (l *Loop) Done() { l.Pipe.Done(&l.r) }

// noEvents fails a test whose handler would wait.
type noEvents struct{ t testing.TB }

func (e noEvents) WaitFD(int, bool) error { e.t.Error("a handler waited on an fd"); return nil }
func (e noEvents) ForgetFD(int)           {}
func (e noEvents) After(time.Duration)    { e.t.Error("a handler waited on a timer") }
func (e noEvents) Waker() func()          { return func() {} }

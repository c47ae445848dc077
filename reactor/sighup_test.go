package reactor_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/featherd/featherd/http/pipeline"
)

var sighups atomic.Int64

type sighupCounter struct{}

func (sighupCounter) Sighup() pipeline.Result {
	sighups.Add(1)
	return pipeline.GoOn
}

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_test_sighup", New: func(*pipeline.Setup) any { return sighupCounter{} }})
}

// TestSighupReachesModules: Server.Sighup, which a serving process calls
// on SIGHUP, runs every loop's modules' Sighup hook.
func TestSighupReachesModules(t *testing.T) {
	ts := startServer(t, serverOpts{conf: `server.modules = ( "mod_test_sighup" )`, files: map[string]string{"a.txt": "a"}})
	// Connections go to the loops in turn: two make both loops.
	for range 2 {
		if r := ts.get("/a.txt"); r.status != 200 {
			t.Fatal(r.status)
		}
	}
	before := sighups.Load()
	ts.srv.Sighup()
	waitFor(t, 2*time.Second, "both loops' modules told", func() bool { return sighups.Load() == before+2 })
}

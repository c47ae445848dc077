package reactor_test

import (
	"bufio"
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"github.com/featherd/featherd/http/pipeline"
)

// mod_preambletest reads "HELLO <address>\n" before a connection's first
// request and serves the connection for that address, the way
// mod_extforward reads a PROXY protocol header: it shows that a module
// can take the first bytes of a connection before the request parser
// sees them. X-Remote-IP shows who a request was served for.
func init() {
	pipeline.Register(pipeline.Module{Name: "mod_preambletest", New: func(*pipeline.Setup) any { return preambleTest{} }})
}

type preambleTest struct{}

// preambleWaits counts the times mod_preambletest asked for more bytes.
var preambleWaits atomic.Int64

func (p preambleTest) ConnectionAccept(r *pipeline.Request) pipeline.Result {
	r.ExpectPreamble(p)
	return pipeline.GoOn
}

func (preambleTest) Preamble(r *pipeline.Request, in []byte) (int, pipeline.Result) {
	end := bytes.IndexByte(in, '\n')
	switch {
	case end < 0 && len(in) < 64:
		preambleWaits.Add(1)
		return 0, pipeline.WaitForEvent
	case end < 0 || !bytes.HasPrefix(in, []byte("HELLO ")):
		return 0, pipeline.Error
	}
	r.RemoteIP, r.RemotePort = string(in[len("HELLO "):end]), 0
	return end + 1, pipeline.GoOn
}

func (preambleTest) ResponseStart(r *pipeline.Request) pipeline.Result {
	r.Resp.SetHeader("X-Remote-IP", r.RemoteIP)
	return pipeline.GoOn
}

// TestPreamble: a module that asked for it reads what precedes the first
// request, in pieces if it comes in pieces, and what it leaves is parsed
// as requests; the connection keeps what the module learnt. A preamble
// the module refuses closes the connection without an answer.
func TestPreamble(t *testing.T) {
	ts := startServer(t, serverOpts{
		conf:  `server.modules = ( "mod_preambletest" )`,
		files: map[string]string{"f.txt": "hello"},
	})
	const get = "GET /f.txt HTTP/1.1\r\nHost: x\r\n\r\n"

	c := ts.dial()
	br := bufio.NewReader(c)
	send(t, c, "HELLO 192.0.2.1\n"+get+get)
	for i := 0; i < 2; i++ {
		if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "hello" || r.header("X-Remote-IP") != "192.0.2.1" {
			t.Fatalf("request %d after the preamble: %d %q, served for %q", i+1, r.status, r.body, r.header("X-Remote-IP"))
		}
	}

	c = ts.dial()
	br = bufio.NewReader(c)
	waits := preambleWaits.Load()
	send(t, c, "HEL")
	waitFor(t, 5*time.Second, "the module to ask for more than the first piece", func() bool { return preambleWaits.Load() > waits })
	send(t, c, "LO 192.0.2.2\nGET /f.txt HTTP/1.1\r\n")
	send(t, c, "Host: x\r\n\r\n")
	if r := readResponse(t, br, false); r.status != 200 || r.header("X-Remote-IP") != "192.0.2.2" {
		t.Fatalf("preamble in pieces: %d, served for %q", r.status, r.header("X-Remote-IP"))
	}

	c = ts.dial()
	send(t, c, get)
	expectEOF(t, c, bufio.NewReader(c), 5*time.Second)
}

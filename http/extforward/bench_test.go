package extforward

import (
	"io"
	"log"
	"net/netip"
	"testing"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
)

// benchmarkURIRaw runs mod_extforward's per-request work, the uri-raw
// hook and the reset, on one parsed request from peer.
func benchmarkURIRaw(b *testing.B, peer, raw, want string) {
	cfg, err := config.Parse("bench.conf", `server.document-root = "/srv/www"
server.modules = ( "mod_extforward" )
extforward.forwarder = ( "10.0.0.2" => "trust", "10.1.0.0/16" => "trust" )
extforward.headers = ( "Forwarded", "X-Forwarded-For" )
$HTTP["remoteip"] == "192.0.2.0/24" { server.tag = "client" }
`, "", config.LoadOptions{Sandbox: true, Dir: "/", DefaultTag: "featherd-test"})
	if err != nil {
		b.Fatal(err)
	}
	m := newModule(&pipeline.Setup{Config: cfg, Logger: log.New(io.Discard, "", 0)}).(*module)
	r := &pipeline.Request{ConnID: 1, Scheme: "http", Server: &cfg.Server, Eval: cfg.NewEval()}
	ap := netip.MustParseAddrPort(peer)
	r.Peer, r.RemoteIP, r.RemotePort = ap, ap.Addr().String(), ap.Port()
	r.Eval.StartConnection(r)
	if n, st := r.Head.Parse([]byte(raw), &cfg.Server.HTTPParseOpts, 8192); n == 0 || st != 0 {
		b.Fatalf("parse: %d %d", n, st)
	}
	r.Eval.StartRequest()
	r.Options = r.Eval.Options()
	run := func() {
		m.URIRaw(r)
		if r.RemoteIP != want {
			b.Fatalf("served for %s, want %s", r.RemoteIP, want)
		}
		m.RequestReset(r)
	}
	run()
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
}

const benchHead = "GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\n" +
	"X-Forwarded-For: 198.51.100.7, 192.0.2.1, 10.1.2.3\r\n\r\n"

func BenchmarkURIRawUntrustedPeer(b *testing.B) {
	benchmarkURIRaw(b, "203.0.113.9:40000", benchHead, "203.0.113.9")
}

func BenchmarkURIRawNoHeader(b *testing.B) {
	benchmarkURIRaw(b, "10.0.0.2:40000", "GET / HTTP/1.1\r\nHost: bench\r\n\r\n", "10.0.0.2")
}

func BenchmarkURIRawXForwardedFor(b *testing.B) {
	benchmarkURIRaw(b, "10.0.0.2:40000", benchHead, "192.0.2.1")
}

func BenchmarkURIRawForwarded(b *testing.B) {
	benchmarkURIRaw(b, "10.0.0.2:40000", "GET / HTTP/1.1\r\nHost: bench\r\n"+
		"Forwarded: for=198.51.100.7, for=192.0.2.1;proto=https, for=10.1.2.3\r\n\r\n", "192.0.2.1")
}

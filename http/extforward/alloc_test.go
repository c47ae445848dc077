package extforward_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/featherd/featherd/http/pipeline/pipelinetest"
)

// TestNoAllocations: loaded, mod_extforward adds no allocation to a
// request it does not act on: from a peer it does not trust, however
// many headers name a client, or from a trusted one that names none.
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "f.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := "server.document-root = \"" + root + "\"\n"
	const forwarded = "GET /f.txt HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: 192.0.2.1, 10.0.0.2\r\n" +
		"Forwarded: for=192.0.2.1;proto=https\r\nX-Forwarded-Proto: https\r\n\r\n"
	const plain = "GET /f.txt HTTP/1.1\r\nHost: test\r\n\r\n"
	allocs := func(conf, raw string, peer string) float64 {
		l := pipelinetest.New(t, base+conf)
		l.Peer = netip.MustParseAddrPort(peer)
		run := func() {
			if r := l.Do(raw); r.Resp.Status != 200 {
				t.Fatalf("%d", r.Resp.Status)
			}
			l.Done()
		}
		run()
		return testing.AllocsPerRun(100, run)
	}
	without := allocs("", forwarded, "127.0.0.1:40000")
	const untrusted = `server.modules = ( "mod_extforward" )` + "\n" +
		`extforward.forwarder = ( "10.0.0.2" => "trust", "10.1.0.0/16" => "trust", "2001:db8::/32" => "trust" )` + "\n" +
		`extforward.headers = ( "X-Real-IP", "Forwarded", "X-Forwarded-For" )` + "\n" +
		`$HTTP["remoteip"] == "192.0.2.1" { server.tag = "client" }` + "\n"
	for _, tc := range []struct{ name, conf, raw, peer string }{
		{"untrusted IPv4 peer", untrusted, forwarded, "127.0.0.1:40000"},
		{"untrusted IPv6 peer", untrusted, forwarded, "[2001:db9::1]:40000"},
		{"untrusted peer, X-Forwarded-For alone", untrusted, "GET /f.txt HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n", "127.0.0.1:40000"},
		{"trusted peer naming nobody", untrusted, plain, "10.1.2.3:40000"},
	} {
		if got := allocs(tc.conf, tc.raw, tc.peer); got > without {
			t.Errorf("%s: %v allocations per request, %v without mod_extforward", tc.name, got, without)
		}
	}
}

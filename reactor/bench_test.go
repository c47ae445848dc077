package reactor_test

import (
	"bytes"
	"testing"

	"github.com/featherd/featherd/reactor/reactortest"
)

// debianModules is Debian's default module set, with the options its
// lighttpd.conf sets and one alias (90-javascript-alias), none of which
// acts on the benchmark's request.
const debianModules = `server.modules = ( "mod_indexfile", "mod_access", "mod_alias", "mod_redirect" )
index-file.names = ( "index.php", "index.html" )
url.access-deny = ( "~", ".inc" )
static-file.exclude-extensions = ( ".php", ".pl", ".fcgi" )
alias.url += ( "/javascript" => "/usr/share/javascript" )
`

// BenchmarkKeepAliveStaticHit measures one keep-alive request for a
// 1 KiB file, round trip over loopback, with the server in this process:
// allocs/op counts both sides, and the client allocates nothing. It runs
// with no module but mod_staticfile, and with Debian's default set.
func BenchmarkKeepAliveStaticHit(b *testing.B) {
	b.Run("modules=none", func(b *testing.B) { benchmarkStaticHit(b, "") })
	b.Run("modules=debian", func(b *testing.B) { benchmarkStaticHit(b, debianModules) })
}

func benchmarkStaticHit(b *testing.B, modules string) {
	body := bytes.Repeat([]byte("x"), 1024)
	s := reactortest.Start(b, reactortest.Options{
		Conf:  "server.max-keep-alive-requests = 65535\n" + modules,
		Files: map[string]string{"index.html": string(body)},
	})
	reactortest.KeepAliveHit(b, s, body)
}

package extforward_test

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"github.com/featherd/featherd/reactor/reactortest"
)

// TestTrustedPeer: the test client, 127.0.0.1, is the proxy. Named by its
// address, its network or "all", it is believed; any other list leaves
// its forged headers without effect.
func TestTrustedPeer(t *testing.T) {
	tests := []struct {
		name      string
		forwarder string
		trusted   bool
	}{
		{"address", `"127.0.0.1" => "trust"`, true},
		{"address in any case", `"127.0.0.1" => "TRUST"`, true},
		{"network", `"127.0.0.0/8" => "trust"`, true},
		{"IPv4-mapped network", `"[::ffff:127.0.0.0]/104" => "trust"`, true},
		{"all", `"all" => "trust"`, true},
		{"another address", `"10.0.0.1" => "trust"`, false},
		{"another network", `"10.0.0.0/8" => "trust"`, false},
		{"untrusted", `"127.0.0.1" => "untrusted"`, false},
		{"all untrusted overrides the address", `"127.0.0.1" => "trust", "all" => "untrusted"`, false},
		{"an untrusted address in a trusted network", `"127.0.0.0/8" => "trust", "127.0.0.1" => "untrusted"`, false},
		{"empty list", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startEcho(t, "extforward.forwarder = ( "+tt.forwarder+" )")
			want := direct
			if tt.trusted {
				want = client("192.0.2.1")
			}
			if got := seenIn(s.Get("/f.txt", "X-Forwarded-For: 192.0.2.1")); got != want {
				t.Errorf("X-Forwarded-For: 192.0.2.1: served for %+v, want %+v", got, want)
			}
			if got := seenIn(s.Get("/f.txt")); got != direct {
				t.Errorf("no header: served for %+v, want %+v", got, direct)
			}
		})
	}
}

// TestXForwardedFor: the client is the rightmost entry that is not a
// trusted proxy, read as lighttpd reads the list; anything that is not a
// plain address there leaves the request to the peer.
func TestXForwardedFor(t *testing.T) {
	s := startEcho(t, `extforward.forwarder = ( "127.0.0.1" => "trust", "10.0.0.2" => "trust", "10.1.0.0/16" => "trust", "2001:DB8:FFFF::1" => "trust" )`)
	tests := []struct {
		header string
		want   seen
	}{
		{"192.0.2.1", client("192.0.2.1")},
		{"192.0.2.1, 10.0.0.2", client("192.0.2.1")},
		{"198.51.100.7, 192.0.2.1, 10.0.0.2, 10.1.2.3", client("192.0.2.1")},
		{"192.0.2.1,10.0.0.2,10.1.255.255", client("192.0.2.1")},
		{"10.0.0.2", direct},                        // every entry trusted: nobody to believe in
		{"10.0.0.2, 10.1.0.9", direct},              // the same
		{"192.0.2.1, unknown", client("192.0.2.1")}, // not an entry at all
		{"192.0.2.1 , zz 10.0.0.2", client("192.0.2.1")},
		{"2001:db8::1", client("2001:db8::1")},
		{"2001:DB8::1", client("2001:DB8::1")},                   // kept as written, as lighttpd does
		{"2001:db8::1, 2001:db8:ffff::1", client("2001:db8::1")}, // trusted whatever the case
		{"::ffff:192.0.2.1", client("::ffff:192.0.2.1")},
		// Malformed: the rightmost entry is no address, so nothing changes.
		{"garbage", direct},
		{"bad", direct},
		{"unknown", direct},
		{"192.0.2.1:1234", direct},
		{"[2001:db8::1]:443", direct}, // the entries are "2001:db8::1" and ":443"
		{"2001:db8::1%eth0", direct},  // "2001:db8::1" and "e": ends in no address
		{"10.1", direct},              // the C library's shorthand is not an address here
		{"010.0.0.1", direct},
		{"256.0.0.1", direct},
		{",,,", direct},
		{"...1", direct},
		{"192.0.2.1, 10.0.0.2.", direct},
	}
	for _, tt := range tests {
		if got := seenIn(s.Get("/f.txt", "X-Forwarded-For: "+tt.header)); got != tt.want {
			t.Errorf("X-Forwarded-For: %s: served for %+v, want %+v", tt.header, got, tt.want)
		}
	}

	// Two header lines are one list, the second line's entries last.
	if got := seenIn(s.Get("/f.txt", "X-Forwarded-For: 192.0.2.1", "X-Forwarded-For: 198.51.100.9")); got != client("198.51.100.9") {
		t.Errorf("two lines: served for %+v", got)
	}
}

// TestXForwardedProto: the scheme goes with a believed X-Forwarded-For,
// when it names exactly http or https.
func TestXForwardedProto(t *testing.T) {
	s := startEcho(t, `extforward.forwarder = ( "127.0.0.1" => "trust" )`,
		`$HTTP["scheme"] == "https" {`, `  echoclient.tag = "secure"`, `}`)
	https := seen{ip: "192.0.2.1", scheme: "https", host: "test", tag: "secure"}
	tests := []struct {
		headers []string
		want    seen
	}{
		{[]string{"X-Forwarded-For: 192.0.2.1", "X-Forwarded-Proto: https"}, https},
		{[]string{"X-Forwarded-For: 192.0.2.1", "X-Forwarded-Proto: HTTPS"}, https},
		{[]string{"X-Forwarded-For: 192.0.2.1", "X-Forwarded-Proto: http"}, client("192.0.2.1")},
		{[]string{"X-Forwarded-For: 192.0.2.1", "X-Forwarded-Proto: https, http"}, client("192.0.2.1")},
		{[]string{"X-Forwarded-For: 192.0.2.1", "X-Forwarded-Proto: ftp"}, client("192.0.2.1")},
		{[]string{"X-Forwarded-Proto: https"}, direct},                             // no client, no scheme
		{[]string{"X-Forwarded-For: garbage", "X-Forwarded-Proto: https"}, direct}, // the same
	}
	for _, tt := range tests {
		if got := seenIn(s.Get("/f.txt", tt.headers...)); got != tt.want {
			t.Errorf("%q: served for %+v, want %+v", tt.headers, got, tt.want)
		}
	}

	untrusted := startEcho(t, `extforward.forwarder = ( "10.0.0.1" => "trust" )`)
	if got := seenIn(untrusted.Get("/f.txt", "X-Forwarded-For: 192.0.2.1", "X-Forwarded-Proto: https")); got != direct {
		t.Errorf("forged by an untrusted peer: served for %+v", got)
	}
}

// TestHeaders: extforward.headers names where to look, the first present
// wins; without it, X-Forwarded-For and Forwarded-For are read, and
// Forwarded is not.
func TestHeaders(t *testing.T) {
	def := startEcho(t, `extforward.forwarder = ( "127.0.0.1" => "trust" )`)
	for _, tc := range []struct {
		headers []string
		want    seen
	}{
		{[]string{"Forwarded-For: 192.0.2.1"}, client("192.0.2.1")},
		{[]string{"x-forwarded-for: 192.0.2.2"}, client("192.0.2.2")},
		{[]string{"Forwarded-For: 192.0.2.1", "X-Forwarded-For: 192.0.2.2"}, client("192.0.2.2")},
		{[]string{"Forwarded: for=192.0.2.1;proto=https"}, direct},
		{[]string{"X-Real-IP: 192.0.2.1"}, direct},
	} {
		if got := seenIn(def.Get("/f.txt", tc.headers...)); got != tc.want {
			t.Errorf("default headers, %q: served for %+v, want %+v", tc.headers, got, tc.want)
		}
	}

	own := startEcho(t, `extforward.forwarder = ( "127.0.0.1" => "trust" )`,
		`extforward.headers = ( "X-Real-IP", "X-Forwarded-For" )`)
	for _, tc := range []struct {
		headers []string
		want    seen
	}{
		{[]string{"X-Real-IP: 192.0.2.1", "X-Forwarded-For: 192.0.2.2"}, client("192.0.2.1")},
		{[]string{"X-Forwarded-For: 192.0.2.2"}, client("192.0.2.2")},
		{[]string{"Forwarded-For: 192.0.2.3"}, direct},
		// The first header present is the one used, even when it names
		// nobody.
		{[]string{"X-Real-IP: garbage", "X-Forwarded-For: 192.0.2.2"}, direct},
	} {
		if got := seenIn(own.Get("/f.txt", tc.headers...)); got != tc.want {
			t.Errorf("X-Real-IP first, %q: served for %+v, want %+v", tc.headers, got, tc.want)
		}
	}

	// A block may look elsewhere; an empty list there looks nowhere.
	scoped := startEcho(t, `extforward.forwarder = ( "127.0.0.1" => "trust" )`,
		`$HTTP["url"] =^ "/real/" {`, `  extforward.headers = ( "X-Real-IP" )`, `}`,
		`$HTTP["url"] =^ "/none/" {`, `  extforward.headers = ( )`, `}`)
	if got := seenIn(scoped.Get("/real/x", "X-Real-IP: 192.0.2.1", "X-Forwarded-For: 192.0.2.2")); got.ip != "192.0.2.1" {
		t.Errorf("/real/: served for %+v", got)
	}
	if got := seenIn(scoped.Get("/f.txt", "X-Real-IP: 192.0.2.1", "X-Forwarded-For: 192.0.2.2")); got.ip != "192.0.2.2" {
		t.Errorf("/f.txt: served for %+v", got)
	}
	if got := seenIn(scoped.Get("/none/x", "X-Forwarded-For: 192.0.2.2")); got.ip != "127.0.0.1" {
		t.Errorf("/none/: served for %+v", got)
	}
}

// TestConditions: the blocks on the client's address and scheme decide
// for the forwarded client, both for modules' options and for the core's
// (server.tag is the Server header; server.document-root picks the file).
func TestConditions(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: echoConfig(`extforward.forwarder = ( "127.0.0.1" => "trust" )`,
			`$HTTP["remoteip"] == "192.0.2.0/24" {`,
			`  echoclient.tag = "documentation net"`,
			`  server.tag = "doc-net"`,
			`  server.document-root = "$ROOT/doc"`,
			`} else $HTTP["remoteip"] == "2001:db8::/32" {`,
			`  echoclient.tag = "v6 documentation net"`,
			`}`,
			`$HTTP["remoteip"] == "127.0.0.1" {`,
			`  echoclient.tag = "the proxy"`,
			`}`,
			`$HTTP["remoteip"] =~ "^198\.51\.100\.(\d+)$" {`,
			`  echoclient.tag = "regex"`,
			`}`),
		Files: map[string]string{"f.txt": "root", "doc/f.txt": "doc"},
	})
	tests := []struct {
		xff, tag, server, body string
	}{
		{"192.0.2.7", "documentation net", "doc-net", "doc"},
		{"2001:db8::7", "v6 documentation net", "featherd-test", "root"},
		{"198.51.100.9", "regex", "featherd-test", "root"},
		{"203.0.113.1", "", "featherd-test", "root"},
		{"", "the proxy", "featherd-test", "root"},
	}
	for _, tt := range tests {
		var h []string
		if tt.xff != "" {
			h = append(h, "X-Forwarded-For: "+tt.xff)
		}
		r := s.Get("/f.txt", h...)
		if got := r.Header("X-Tag"); got != tt.tag || r.Header("Server") != tt.server || string(r.Body) != tt.body {
			t.Errorf("from %q: X-Tag %q, Server %q, body %q; want %q, %q, %q",
				tt.xff, got, r.Header("Server"), r.Body, tt.tag, tt.server, tt.body)
		}
	}
}

// TestRestoredAtRequestEnd: the next request on a keep-alive connection
// is the proxy's again unless it, too, names a client; so is a request
// that comes back for an error handler keeps its client.
func TestRestoredAtRequestEnd(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: echoConfig(`extforward.forwarder = ( "127.0.0.1" => "trust" )`,
			`server.error-handler-404 = "/404.txt"`,
			`$HTTP["remoteip"] == "192.0.2.1" {`, `  echoclient.tag = "client"`, `}`),
		Files: map[string]string{"f.txt": "hello", "404.txt": "not here"},
	})
	c := s.Dial()
	br := bufio.NewReader(c)
	do := func(target string, headers ...string) *reactortest.Response {
		t.Helper()
		req := "GET " + target + " HTTP/1.1\r\nHost: test\r\n"
		for _, h := range headers {
			req += h + "\r\n"
		}
		if _, err := io.WriteString(c, req+"\r\n"); err != nil {
			t.Fatal(err)
		}
		return reactortest.ReadResponse(t, br, false)
	}
	steps := []struct {
		target string
		header string
		want   seen
		status int
	}{
		{"/f.txt", "X-Forwarded-For: 192.0.2.1, 127.0.0.1", seen{ip: "192.0.2.1", scheme: "https", host: "test", tag: "client"}, 200},
		{"/f.txt", "", direct, 200},
		{"/missing", "X-Forwarded-For: 192.0.2.1", seen{ip: "192.0.2.1", scheme: "http", host: "test", tag: "client"}, 200},
		{"/missing", "", direct, 200},
	}
	for i, st := range steps {
		h := []string{}
		if st.header != "" {
			h = append(h, st.header)
		}
		if i == 0 {
			h = append(h, "X-Forwarded-Proto: https")
		}
		r := do(st.target, h...)
		if got := seenIn(r); got != st.want || r.Status != st.status {
			t.Errorf("request %d (%s %q): %d, served for %+v; want %d, %+v", i+1, st.target, st.header, r.Status, got, st.status, st.want)
		}
		if st.target == "/missing" && string(r.Body) != "not here" {
			t.Errorf("request %d: the error handler did not answer: %q", i+1, r.Body)
		}
	}
}

// TestNoForwarder: loaded without extforward.forwarder, the module does
// nothing, as lighttpd's.
func TestNoForwarder(t *testing.T) {
	s := startEcho(t, `extforward.headers = ( "X-Forwarded-For" )`)
	if got := seenIn(s.Get("/f.txt", "X-Forwarded-For: 192.0.2.1")); got != direct {
		t.Errorf("served for %+v", got)
	}
	if strings.Contains(s.Log(), "192.0.2.1") {
		t.Errorf("log: %s", s.Log())
	}
}

// TestRewriteComesBack: mod_rewrite, after mod_extforward, sees the
// client in its conditions; the request that comes back rewritten is
// still the client's, without its headers being read again.
func TestRewriteComesBack(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: `server.modules = ( "mod_extforward", "mod_rewrite", "mod_echoclient" )` + "\n" +
			`extforward.forwarder = ( "127.0.0.1" => "trust" )` + "\n" +
			`$HTTP["remoteip"] == "192.0.2.1" {` + "\n" + `  url.rewrite-once = ( "^/client$" => "/f.txt" )` + "\n}\n",
		Files: map[string]string{"f.txt": "hello"},
	})
	r := s.Get("/client", "X-Forwarded-For: 192.0.2.1", "X-Forwarded-Proto: https")
	if got := seenIn(r); r.Status != 200 || string(r.Body) != "hello" || got != (seen{ip: "192.0.2.1", scheme: "https", host: "test"}) {
		t.Errorf("rewritten for the client: %d %q, served for %+v", r.Status, r.Body, got)
	}
	if r := s.Get("/client"); r.Status != 404 || seenIn(r) != direct {
		t.Errorf("the proxy itself: %d, served for %+v", r.Status, seenIn(r))
	}
}

// TestErrorHandler: the modules are reset before server.error-handler
// takes a request over, the client's address with them, and the request
// it becomes is the client's again.
func TestErrorHandler(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: echoConfig(`extforward.forwarder = ( "127.0.0.1" => "trust" )`,
			`server.error-handler = "/error.txt"`,
			`$HTTP["remoteip"] == "192.0.2.1" {`, `  echoclient.tag = "client"`, `}`),
		Files: map[string]string{"error.txt": "sorry"},
	})
	r := s.Get("/missing", "X-Forwarded-For: 192.0.2.1", "X-Forwarded-Proto: https")
	want := seen{ip: "192.0.2.1", scheme: "https", host: "test", tag: "client"}
	if got := seenIn(r); r.Status != 404 || string(r.Body) != "sorry" || got != want {
		t.Errorf("%d %q, served for %+v; want 404 \"sorry\", %+v", r.Status, r.Body, got, want)
	}
}

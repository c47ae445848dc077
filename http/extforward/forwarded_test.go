package extforward_test

import (
	"strings"
	"testing"
)

// TestForwarded: RFC 7239's Forwarded, walked from the last proxy's
// element to the first untrusted for=, as lighttpd does; its proto= goes
// with it, and so do host= and remote_user= when extforward.params asks.
func TestForwarded(t *testing.T) {
	s := startEcho(t, `extforward.forwarder = ( "127.0.0.1" => "trust", "10.0.0.2" => "trust", "_trusted" => "trust" )`,
		`extforward.headers = ( "Forwarded", "X-Forwarded-For" )`,
		`extforward.params = ( "host" => "enable", "remote_user" => 1 )`,
		`$HTTP["host"] == "www.example.org" {`, `  echoclient.tag = "forwarded host"`, `}`)
	https := func(ip string) seen { return seen{ip: ip, scheme: "https", host: "test"} }
	tests := []struct {
		header string
		want   seen
		user   string
	}{
		{`for=192.0.2.1`, client("192.0.2.1"), ""},
		{`for=192.0.2.1;proto=https`, https("192.0.2.1"), ""},
		{`proto=https;for=192.0.2.1`, https("192.0.2.1"), ""},
		{`FOR=192.0.2.1;PROTO=HTTPS`, https("192.0.2.1"), ""},
		{`for=192.0.2.1 ;proto=https`, https("192.0.2.1"), ""},
		{`for=192.0.2.1, for=10.0.0.2`, client("192.0.2.1"), ""},
		{`for=192.0.2.1;proto=https, for=10.0.0.2`, https("192.0.2.1"), ""},
		{`for=192.0.2.1, for=10.0.0.2;proto=https`, client("192.0.2.1"), ""},
		{`for=198.51.100.7, for=192.0.2.1;proto=https, for=10.0.0.2;proto=http`, https("192.0.2.1"), ""},
		{`for=192.0.2.1;proto=https;for=198.51.100.3`, https("198.51.100.3"), ""}, // an element's last for=
		{`for="[2001:db8::1]:4711";proto=https, for=10.0.0.2`, https("2001:db8::1"), ""},
		{`for="[2001:db8::1]"`, client("2001:db8::1"), ""},
		{`for="192.0.2.1:4711"`, client("192.0.2.1"), ""},
		// Obfuscated nodes and "unknown" are not addresses: the client is
		// the last real address seen, which may be a trusted proxy's.
		{`for=unknown, for=10.0.0.2;proto=https`, https("10.0.0.2"), ""},
		{`for=_hidden;proto=https, for=10.0.0.2;proto=https`, https("10.0.0.2"), ""},
		{`for=192.0.2.1, for=_trusted`, client("192.0.2.1"), ""},
		{`for=10.0.0.2`, client("10.0.0.2"), ""}, // every node trusted: the first address, unlike X-Forwarded-For
		// host= and remote_user=.
		{`for=192.0.2.1;host=www.example.org`, seen{ip: "192.0.2.1", scheme: "http", host: "www.example.org", tag: "forwarded host"}, ""},
		{`for=192.0.2.1;host="WWW.Example.org";proto=https`, seen{ip: "192.0.2.1", scheme: "https", host: "www.example.org", tag: "forwarded host"}, ""},
		{`for=192.0.2.1, for=10.0.0.2;host=www.example.org`, seen{ip: "192.0.2.1", scheme: "http", host: "www.example.org", tag: "forwarded host"}, ""},
		{`for=192.0.2.1;remote_user=bob`, client("192.0.2.1"), "bob"},
		{`for=192.0.2.1;remote_user="b\"ob", for=10.0.0.2;remote_user=carol`, client("192.0.2.1"), "carol"},
		// Nothing to take.
		{`garbage`, direct, ""},
		{`by=10.0.0.2`, direct, ""},
		{`for=`, direct, ""},
		{`for=""`, direct, ""},
		{`for = 192.0.2.1`, direct, ""},
		{`for=192.0.2.1:80`, direct, ""},
		{`for=[2001:db8::1]`, direct, ""}, // brackets outside quotes are no address
		{`for="2001:db8::1"`, direct, ""}, // "2001", as lighttpd cuts at the first ':'
		{`for=010.0.0.1`, direct, ""},
	}
	for _, tt := range tests {
		r := s.Get("/f.txt", "Forwarded: "+tt.header)
		if got := seenIn(r); got != tt.want || r.Status != 200 || r.Header("X-Remote-User") != tt.user {
			t.Errorf("Forwarded: %s: %d, served for %+v, user %q; want 200, %+v, %q",
				tt.header, r.Status, got, r.Header("X-Remote-User"), tt.want, tt.user)
		}
	}

	// What cannot be read without believing the client is refused.
	for _, h := range []string{
		`for="192.0.2.1, for=10.0.0.2`,
		`for=192.0.2.1;x="a\"`,
		`for="[]", for=10.0.0.2`,
		`for="[2001:db8::1", for=10.0.0.2`,
		`for=192.0.2.1;host="bad host"`,
		`for=192.0.2.1;host=a/b`,
		`for=192.0.2.1;remote_user="bob\`,
		strings.Repeat("a=b;", 63) + "for=192.0.2.1",
		strings.Repeat("a=b;", 62) + "for=192.0.2.1,",
		strings.Repeat(",", 300) + "for=192.0.2.1",
	} {
		if r := s.Get("/f.txt", "Forwarded: "+h); r.Status != 400 {
			t.Errorf("Forwarded: %s: %d, want 400", h, r.Status)
		}
	}
	if !strings.Contains(s.Log(), "invalid quoted-string in Forwarded header") {
		t.Errorf("log: %s", s.Log())
	}
	// Within bounds.
	if r := s.Get("/f.txt", "Forwarded: "+strings.Repeat("a=b;", 62)+"for=192.0.2.1"); r.Status != 200 || seenIn(r).ip != "192.0.2.1" {
		t.Errorf("62 parameters: %d, %+v", r.Status, seenIn(r))
	}

	// host= and remote_user= are taken only when asked for.
	plain := startEcho(t, `extforward.forwarder = ( "127.0.0.1" => "trust" )`, `extforward.headers = ( "Forwarded" )`)
	r := plain.Get("/f.txt", `Forwarded: for=192.0.2.1;host="bad host";remote_user=bob`)
	if got := seenIn(r); r.Status != 200 || got != client("192.0.2.1") || r.Header("X-Remote-User") != "" {
		t.Errorf("without extforward.params: %d, %+v, user %q", r.Status, got, r.Header("X-Remote-User"))
	}

	// Forged by a peer that is not trusted: ignored, however bad.
	untrusted := startEcho(t, `extforward.forwarder = ( "10.0.0.2" => "trust" )`, `extforward.headers = ( "Forwarded" )`)
	for _, h := range []string{`for=192.0.2.1;proto=https`, `for="192.0.2.1`} {
		if r := untrusted.Get("/f.txt", "Forwarded: "+h); r.Status != 200 || seenIn(r) != direct {
			t.Errorf("untrusted, Forwarded: %s: %d, %+v", h, r.Status, seenIn(r))
		}
	}
}

package http

import (
	"testing"

	"github.com/featherd/featherd/config"
)

// TestSetHost replaces the host of a parsed request, as a module does with
// a host a trusted proxy forwarded: the value is lower-cased and checked
// as a Host header would be, and a bad one leaves the request alone.
func TestSetHost(t *testing.T) {
	strict := optsFor(t, "")
	normalize := optsFor(t, `server.http-parseopts = ( "host-normalize" => "enable" )`)
	tests := []struct {
		name, head, host string
		opts             *config.ParseOpts
		ok               bool
		want             string
	}{
		{"name", "GET / HTTP/1.1\r\nHost: proxy.internal\r\n\r\n", "WWW.Example.org", strict, true, "www.example.org"},
		{"with port", "GET / HTTP/1.1\r\nHost: proxy.internal\r\n\r\n", "example.org:8080", strict, true, "example.org:8080"},
		{"normalised port", "GET / HTTP/1.1\r\nHost: proxy.internal\r\n\r\n", "example.org:80", normalize, true, "example.org"},
		{"IPv6", "GET / HTTP/1.1\r\nHost: proxy.internal\r\n\r\n", "[2001:DB8::1]", strict, true, "[2001:db8::1]"},
		{"request without Host", "GET / HTTP/1.0\r\n\r\n", "example.org", strict, true, "example.org"},
		{"space", "GET / HTTP/1.1\r\nHost: proxy.internal\r\n\r\n", "bad host", strict, false, "proxy.internal"},
		{"slash", "GET / HTTP/1.1\r\nHost: proxy.internal\r\n\r\n", "a/b", strict, false, "proxy.internal"},
		{"empty", "GET / HTTP/1.1\r\nHost: proxy.internal\r\n\r\n", "", strict, false, "proxy.internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Request
			r.Reset()
			if n, st := r.Parse([]byte(tt.head), strict, 8192); n == 0 || st != 0 {
				t.Fatalf("Parse: %d, %d", n, st)
			}
			if ok := r.SetHost(tt.host, tt.opts); ok != tt.ok {
				t.Errorf("SetHost(%q) = %v, want %v", tt.host, ok, tt.ok)
			}
			if r.Host != tt.want || r.Header("Host") != tt.want {
				t.Errorf("Host %q, Host header %q; want %q", r.Host, r.Header("host"), tt.want)
			}
		})
	}
}

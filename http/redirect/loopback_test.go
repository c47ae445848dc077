package redirect_test

import (
	"strings"
	"testing"

	"github.com/featherd/featherd/reactor/reactortest"
)

// TestRedirectOverLoopback checks what a client receives from
// mod_redirect, and that requests no rule matches are served.
func TestRedirectOverLoopback(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: `
server.modules = ( "mod_redirect" )
url.redirect = (
  "^/index\.html$" => "",
  "^/old/(.*)$" => "${url.scheme}://${url.authority}/new/$1",
  "^/port$" => "/on/${url.port}",
)
$HTTP["host"] =~ "^www\.(.*)$" {
  url.redirect = ( "^/(.*)" => "http://%1/$1" )
}
$HTTP["url"] =^ "/temp/" {
  url.redirect = ( "^/temp/([^?]*)" => "/moved/${escape:1}${qsa}" )
  url.redirect-code = 307
}
`,
		Files: map[string]string{"index.html": "home", "old/kept.html": "kept"},
	})
	port := s.Addr[strings.LastIndexByte(s.Addr, ':')+1:]
	cases := []struct {
		name, raw string
		status    int
		location  string
		body      string
	}{
		{"redirected", "GET /old/a%20b?q HTTP/1.1\r\nHost: Example.ORG\r\n\r\n", 301, "http://example.org/new/a%20b?q", ""},
		{"a matching file is redirected too", "GET /old/kept.html HTTP/1.1\r\nHost: t\r\n\r\n", 301, "http://t/new/kept.html", ""},
		{"exempted by an empty substitution", "GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n", 200, "", "home"},
		{"the port the request came on", "GET /port HTTP/1.1\r\nHost: t\r\n\r\n", 301, "/on/" + port, ""},
		{"a host block's rules with its captures", "GET /x/y HTTP/1.1\r\nHost: www.example.org\r\n\r\n", 301, "http://example.org/x/y", ""},
		{"POST is 308", "POST /old/f HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", 308, "http://t/new/f", ""},
		{"a url block's code", "POST /temp/a/b?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", 307, "/moved/a%2Fb?x=1", ""},
		{"HTTP/1.0 without Host", "GET /old/z HTTP/1.0\r\n\r\n", 301, "http:///new/z", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.Do(tc.raw)
			if resp.Status != tc.status || resp.Header("Location") != tc.location || string(resp.Body) != tc.body {
				t.Fatalf("got %d Location %q body %q, want %d %q %q", resp.Status, resp.Header("Location"), resp.Body,
					tc.status, tc.location, tc.body)
			}
			if tc.location != "" && resp.Header("Content-Length") != "0" {
				t.Errorf("Content-Length %q, want 0", resp.Header("Content-Length"))
			}
		})
	}
}

// TestRedirectHeaderInjection checks that a substitution that decodes
// to a line break cannot add a header to the response.
func TestRedirectHeaderInjection(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{Conf: `
server.modules = ( "mod_redirect" )
url.redirect = ( "^/b64/(.*)$" => "/x${decb64u:1}" )
`})
	resp := s.Get("/b64/DQpYLUV2aWw6IDE") // "\r\nX-Evil: 1"
	if resp.Status != 301 || resp.Header("Location") != "/x%0D%0AX-Evil: 1" || resp.Header("X-Evil") != "" {
		t.Fatalf("got %d Location %q, headers %v", resp.Status, resp.Header("Location"), resp.Headers)
	}
}

// TestRedirectServerName checks that ${url.authority} is server.name for
// a request without a host.
func TestRedirectServerName(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{Conf: `
server.modules = ( "mod_redirect" )
server.name = "www.example.org"
url.redirect = ( "^/(.*)" => "https://${url.authority}/$1" )
`})
	resp := s.Do("GET /a HTTP/1.0\r\n\r\n")
	if resp.Status != 301 || resp.Header("Location") != "https://www.example.org/a" {
		t.Fatalf("got %d Location %q", resp.Status, resp.Header("Location"))
	}
}

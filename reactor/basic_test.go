package reactor_test

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

func TestServeFile(t *testing.T) {
	ts := startServer(t, serverOpts{
		conf:  `index-file.names = ( "index.html" )`,
		files: map[string]string{"index.html": "<h1>hi</h1>\n", "a/b.txt": "text"},
	})
	r := ts.get("/")
	if r.status != 200 || string(r.body) != "<h1>hi</h1>\n" || r.header("Content-Type") != "text/html" {
		t.Fatalf("GET /: %d %q %v", r.status, r.body, r.headers)
	}
	if r.header("Server") != "featherd-test" || r.header("Date") == "" || r.header("ETag") == "" || r.header("Last-Modified") == "" {
		t.Fatalf("headers: %v", r.headers)
	}
	if r := ts.get("/a/b.txt"); r.status != 200 || string(r.body) != "text" || r.header("Content-Type") != "text/plain;charset=utf-8" {
		t.Fatalf("GET /a/b.txt: %d %q %v", r.status, r.body, r.headers)
	}
	if r := ts.get("/a"); r.status != 301 || r.header("Location") != "/a/" || r.header("Content-Length") != "0" {
		t.Fatalf("GET /a: %d %v", r.status, r.headers)
	}
	if r := ts.get("/missing"); r.status != 404 || !strings.Contains(string(r.body), "<title>404 Not Found</title>") {
		t.Fatalf("GET /missing: %d %q", r.status, r.body)
	}
}

func TestKeepAlive(t *testing.T) {
	ts := startServer(t, serverOpts{files: map[string]string{"index.html": "hello"}})
	c := ts.dial()
	br := bufio.NewReader(c)
	for i := 0; i < 5; i++ {
		io.WriteString(c, "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
		if r := readResponse(t, br, false); r.status != 200 || string(r.body) != "hello" || r.header("Connection") != "" {
			t.Fatalf("request %d: %d %q %v", i, r.status, r.body, r.headers)
		}
	}
	io.WriteString(c, "GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if r := readResponse(t, br, false); r.status != 200 || r.header("Connection") != "close" {
		t.Fatalf("last request: %d %v", r.status, r.headers)
	}
	expectClosed(t, c, 2e9)
	c.Close()
	ts.waitConnections(0)
}

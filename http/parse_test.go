package http

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestParseLighttpdUnit ports src/t/test_request.c: the same heads, run
// with the same options (header-strict, host-strict, host-normalize).
func TestParseLighttpdUnit(t *testing.T) {
	const host = "Host: www.example.org\r\n\r\n"
	runParseCases(t, lighttpdUnitOpts, []parseCase{
		{"invalid request-line: space", " \r\n" + host, 400, nil},
		{"invalid request-line: space, char", " a\r\n" + host, 400, nil},
		{"invalid request-line: dot", ".\r\n" + host, 400, nil},
		{"invalid request-line: single char", "a\r\n" + host, 400, nil},
		{"invalid request-line: char, space", "a \r\n" + host, 400, nil},
		{"invalid request-line: method only", "GET\r\n" + host, 400, nil},
		{"invalid request-line: method space", "GET \r\n" + host, 400, nil},
		{"invalid request-line: method space space", "GET  \r\n" + host, 400, nil},
		{"invalid request-line: method space proto", "GET HTTP/1.0\r\n" + host, 400, nil},
		{"invalid request-line: method space space proto", "GET  HTTP/1.0\r\n" + host, 400, nil},
		{"invalid request-line: method space space space proto", "GET   HTTP/1.0\r\n" + host, 400, nil},
		{"invalid request-line: method slash proto, no spaces", "GET/HTTP/1.0\r\n" + host, 400, nil},
		{"invalid request-line: method space slash proto", "GET /HTTP/1.0\r\n" + host, 400, nil},
		{"invalid request-line: method space space slash proto", "GET  /HTTP/1.0\r\n" + host, 400, nil},
		{"invalid request-line: method slash space proto", "GET/ HTTP/1.0\r\n" + host, 501, nil},
		{"invalid request-line: method slash space space proto", "GET/  HTTP/1.0\r\n" + host, 400, nil},
		{"hostname", "GET / HTTP/1.0\r\n" + host, 0, &want{host: str("www.example.org")}},
		{"IPv4 address", crlf("GET / HTTP/1.0\nHost: 127.0.0.1\n\n"), 0, &want{host: str("127.0.0.1")}},
		{"IPv6 address", crlf("GET / HTTP/1.0\nHost: [::1]\n\n"), 0, &want{host: str("[::1]")}},
		{"hostname + port", crlf("GET / HTTP/1.0\nHost: www.example.org:80\n\n"), 0, &want{host: str("www.example.org")}},
		{"IPv4 address + port", crlf("GET / HTTP/1.0\nHost: 127.0.0.1:80\n\n"), 0, &want{host: str("127.0.0.1")}},
		{"IPv6 address + port", crlf("GET / HTTP/1.0\nHost: [::1]:80\n\n"), 0, &want{host: str("[::1]")}},
		{"directory traversal", crlf("GET / HTTP/1.0\nHost: ../123.org\n\n"), 400, nil},
		{"leading and trailing dot", crlf("GET / HTTP/1.0\nHost: .jsdh.sfdg.sdfg.\n\n"), 400, nil},
		{"trailing dot is ok", crlf("GET / HTTP/1.0\nHost: jsdh.sfdg.sdfg.\n\n"), 0, &want{host: str("jsdh.sfdg.sdfg")}},
		{"leading dot", crlf("GET / HTTP/1.0\nHost: .jsdh.sfdg.sdfg\n\n"), 400, nil},
		{"two dots", crlf("GET / HTTP/1.0\nHost: jsdh..sfdg.sdfg\n\n"), 400, nil},
		{"broken port-number", crlf("GET / HTTP/1.0\nHost: jsdh.sfdg.sdfg:asd\n\n"), 400, nil},
		{"negative port-number", crlf("GET / HTTP/1.0\nHost: jsdh.sfdg.sdfg:-1\n\n"), 400, nil},
		{"port given but host missing", crlf("GET / HTTP/1.0\nHost: :80\n\n"), 400, nil},
		{"port and host are broken", crlf("GET / HTTP/1.0\nHost: .jsdh.sfdg.:sdfg.\n\n"), 400, nil},
		{"allowed characters in host-name", crlf("GET / HTTP/1.0\nHost: a.b-c.d123\n\n"), 0, &want{host: str("a.b-c.d123")}},
		{"leading dash", crlf("GET / HTTP/1.0\nHost: -a.c\n\n"), 400, nil},
		{"dot only", crlf("GET / HTTP/1.0\nHost: .\n\n"), 400, nil},
		{"broken IPv4 address - non-digit", crlf("GET / HTTP/1.0\nHost: a192.168.2.10:1234\n\n"), 400, nil},
		{"broken IPv4 address - too short", crlf("GET / HTTP/1.0\nHost: 192.168.2:1234\n\n"), 400, nil},
		{"IPv6 address + SQL injection", crlf("GET / HTTP/1.0\nHost: [::1]' UNION SELECT '/\n\n"), 400, nil},
		{"IPv6 address + path traversal", crlf("GET / HTTP/1.0\nHost: [::1]/../../../\n\n"), 400, nil},
		{"negative Content-Length", crlf("POST /12345.txt HTTP/1.0\nContent-Length: -2\n\n"), 400, nil},
		{"Content-Length is empty", crlf("POST /12345.txt HTTP/1.0\nHost: 123.example.org\nContent-Length:\n\n"), 400, nil},
		{"Host missing", crlf("GET / HTTP/1.1\n\n"), 400, nil},
		{"empty request-URI", crlf("GET  HTTP/1.0\n\n"), 400, nil},
		{"URL-decode request-URI", crlf("GET /index%2ehtml HTTP/1.0\n\n"), 0, &want{path: "/index.html", target: "/index%2ehtml"}},
		{"#1232 - duplicate headers with line-wrapping",
			crlf("GET / HTTP/1.0\nLocation: foo\nLocation: foobar\n  baz\n\n"), 0,
			&want{headers: map[string]string{"Location": "foo, foobar    baz"}}},
		{"#1232 - duplicate headers with line-wrapping - test 2",
			crlf("GET / HTTP/1.0\nLocation: \nLocation: foobar\n  baz\n\n"), 0,
			&want{headers: map[string]string{"Location": "foobar    baz"}}},
		{"#1232 - duplicate headers with line-wrapping - test 3",
			crlf("GET / HTTP/1.0\nA: \nLocation: foobar\n  baz\n\n"), 0,
			&want{headers: map[string]string{"Location": "foobar    baz", "A": ""}}},
		{"missing protocol", crlf("GET /\n\n"), 400, nil},
		{"zeros in protocol version", crlf("GET / HTTP/01.01\nHost: foo\n\n"), 400, nil},
		{"missing major version", crlf("GET / HTTP/.01\n\n"), 400, nil},
		{"missing minor version", crlf("GET / HTTP/01.\n\n"), 400, nil},
		{"strings as version", crlf("GET / HTTP/a.b\n\n"), 400, nil},
		{"missing protocol + unknown method", crlf("BC /\n\n"), 400, nil},
		{"missing protocol + unknown method + missing URI", crlf("ABC\n\n"), 400, nil},
		{"unknown method", crlf("ABC / HTTP/1.0\n\n"), 501, nil},
		// Still 400 in featherd, which reads HTTP/1.3 as HTTP/1.1 (RFC 9112
		// §2.6), for the missing Host.
		{"unknown protocol", crlf("GET / HTTP/1.3\n\n"), 400, nil},
		{"absolute URI", crlf("GET http://www.example.org/ HTTP/1.0\n\n"), 0,
			&want{host: str("www.example.org"), target: "/", path: "/"}},
		{"whitespace after key", crlf("GET / HTTP/1.0\nABC : foo\n\n"), 400, nil},
		{"whitespace within key", crlf("GET / HTTP/1.0\nABC a: foo\n\n"), 400, nil},
		{"no whitespace", crlf("GET / HTTP/1.0\nABC:foo\n\n"), 0, &want{headers: map[string]string{"ABC": "foo"}}},
		{"line-folding", crlf("GET / HTTP/1.0\nABC:foo\n  bc\n\n"), 0, &want{headers: map[string]string{"abc": "foo    bc"}}},
		{"POST request, no Content-Length", crlf("POST / HTTP/1.0\n\n"), 411, nil},
		{"Duplicate Host headers, Bug #25", crlf("GET / HTTP/1.0\nHost: www.example.org\nHost: 123.example.org\n\n"), 400, nil},
		{"Duplicate Content-Length headers", crlf("GET / HTTP/1.0\nContent-Length: 5\nContent-Length: 4\n\n"), 400, nil},
		{"Duplicate Content-Type headers", crlf("GET / HTTP/1.0\nContent-Type: 5\nContent-Type: 4\n\n"), 400, nil},
		{"Duplicate Range headers (get appended)", crlf("GET / HTTP/1.0\nRange: bytes=5-6\nRange: bytes=5-9\n\n"), 0,
			&want{headers: map[string]string{"Range": "bytes=5-6, bytes=5-9"}}},
		{"Duplicate Range headers with invalid range (a)", crlf("GET / HTTP/1.0\nRange: bytes=0\nRange: bytes=5-9\n\n"), 0, nil},
		{"Duplicate Range headers with invalid range (b)", crlf("GET / HTTP/1.0\nRange: bytes=5-9\nRange: bytes=0\n\n"), 0, nil},
		{"Duplicate Range headers with invalid range (c)", crlf("GET / HTTP/1.0\nRange: 0\nRange: bytes=5-9\n\n"), 0, nil},
		{"Duplicate Range headers with invalid range (d)", crlf("GET / HTTP/1.0\nRange: bytes=5-9\nRange: 0\n\n"), 0, nil},
		{"Duplicate If-None-Match headers", crlf("GET / HTTP/1.0\nIf-None-Match: 5\nIf-None-Match: 4\n\n"), 0,
			&want{headers: map[string]string{"If-None-Match": "5"}}},
		{"Duplicate If-Modified-Since headers", crlf("GET / HTTP/1.0\nIf-Modified-Since: 5\nIf-Modified-Since: 4\n\n"), 400, nil},
		{"GET with Content-Length", crlf("GET / HTTP/1.0\nContent-Length: 4\n\n") + "1234", 400, nil},
		{"HEAD with Content-Length", crlf("HEAD / HTTP/1.0\nContent-Length: 4\n\n") + "1234", 400, nil},
		{"invalid chars in Header values (bug #1286)", "GET / HTTP/1.0\r\nIf-Modified-Since: \x00\r\n\r\n", 400, nil},
		{"absolute-uri in request-line (without Host)",
			crlf("GET http://zzz.example.org/ HTTP/1.1\nConnection: close\n\n"), 0,
			&want{headers: map[string]string{"Host": "zzz.example.org"}, keepAlive: flag(false)}},
		{"absolute-uri in request-line (with Host match)",
			crlf("GET http://zzz.example.org/ HTTP/1.1\nHost: zzz.example.org\nConnection: close\n\n"), 0,
			&want{headers: map[string]string{"Host": "zzz.example.org"}}},
		// lighttpd: 400. RFC 9112 §3.2.2: the Host line is ignored.
		{"absolute-uri in request-line (with Host mismatch)",
			crlf("GET http://zzz.example.org/ HTTP/1.1\nHost: aaa.example.org\nConnection: close\n\n"), 0,
			&want{host: str("zzz.example.org"), headers: map[string]string{"Host": "zzz.example.org"}}},
		{"ignore duplicated If-Modified-Since if matching",
			crlf("GET / HTTP/1.1\nHost: zzz.example.org\nIf-Modified-Since: Sun, 01 Jan 2036 00:00:02 GMT\nIf-Modified-Since: Sun, 01 Jan 2036 00:00:02 GMT\nConnection: close\n\n"), 0,
			&want{headers: map[string]string{"If-Modified-Since": "Sun, 01 Jan 2036 00:00:02 GMT"}}},
		{"reject duplicated If-Modified-Since if not matching",
			crlf("GET / HTTP/1.1\nHost: zzz.example.org\nIf-Modified-Since: Sun, 01 Jan 2036 00:00:02 GMT\nIf-Modified-Since: Sun, 01 Jan 2036 00:00:03 GMT\nConnection: close\n\n"), 400, nil},
		{"large headers",
			crlf("GET / HTTP/1.0\nHsgfsdjf: asdfhdf\nhdhd: shdfhfdasd\nhfhr: jfghsdfg\njfuuehdmn: sfdgjfdg\njvcbzufdg: sgfdfg\nhrnvcnd: jfjdfg\njfusfdngmd: gfjgfdusdfg\nnfj: jgfdjdfg\njfue: jfdfdg\n\n"), 0,
			&want{headers: map[string]string{"jfue": "jfdfdg", "HSGFSDJF": "asdfhdf"}}},
		{"valid", "GET / HTTP/1.0\r\n" + host, 0, &want{method: MethodGet, version: Version10, path: "/", keepAlive: flag(false)}},
	})
}

// TestParseRequestT ports the request-parsing cases of tests/request.t,
// with lighttpd's default server.http-parseopts.
func TestParseRequestT(t *testing.T) {
	opts := optsFor(t, "")
	runParseCases(t, opts, []parseCase{
		{"Valid HTTP/1.0 Request", crlf("GET / HTTP/1.0\n\n"), 0,
			&want{method: MethodGet, version: Version10, path: "/", host: str(""), keepAlive: flag(false), cl: i64(-1)}},
		{"OPTIONS *", crlf("OPTIONS * HTTP/1.0\n\n"), 0, &want{method: MethodOptions, target: "*", path: "*"}},
		{"OPTIONS /", crlf("OPTIONS / HTTP/1.1\nHost: www.example.org\nConnection: close\n\n"), 0,
			&want{method: MethodOptions, version: Version11, path: "/", keepAlive: flag(false)}},
		{"URL-encoding, %00", crlf("GET /index.html%00 HTTP/1.0\n\n"), 400, nil},
		{"Content-Length > max-request-size is the reactor's 413",
			crlf("POST /12345.txt HTTP/1.0\nHost: 123.example.org\nContent-Length: 2147483648\n\n"), 0,
			&want{cl: i64(2147483648)}},
		{"file not found + querystring", crlf("GET /foobar?foobar HTTP/1.0\n\n"), 0,
			&want{path: "/foobar", query: str("foobar"), target: "/foobar?foobar"}},
		{"POST request, empty request-body",
			crlf("POST / HTTP/1.0\nContent-type: application/x-www-form-urlencoded\nContent-length: 0\n\n"), 0,
			&want{method: MethodPost, cl: i64(0), headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}},
		{"Hostname in first line, HTTP/1.1", crlf("HEAD http://123.example.org/12345.html HTTP/1.1\nConnection: close\n\n"), 0,
			&want{method: MethodHead, host: str("123.example.org"), target: "/12345.html", path: "/12345.html"}},
		{"Hostname in first line as https url", crlf("HEAD https://123.example.org/12345.html HTTP/1.0\n\n"), 0,
			&want{host: str("123.example.org"), path: "/12345.html"}},
		{"Continue, Expect",
			crlf("POST /cgi.pl?post-len HTTP/1.1\nHost: www.example.org\nConnection: close\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 4\nExpect: 100-continue\n\n"), 0,
			&want{expect100: flag(true), cl: i64(4), headers: map[string]string{"Expect": ""}}},
		{"POST via Transfer-Encoding: chunked",
			crlf("POST /cgi.pl?post-len HTTP/1.1\nHost: www.example.org\nConnection: close\nContent-Type: application/x-www-form-urlencoded\nTransfer-Encoding: chunked\n\n"), 0,
			&want{chunked: flag(true), cl: i64(-1), headers: map[string]string{"Transfer-Encoding": ""}}},
		{"OPTIONS with Content-Length", crlf("OPTIONS / HTTP/1.0\nContent-Length: 4\n\n"), 0, &want{cl: i64(4)}},
		{"OPTIONS for RTSP", crlf("OPTIONS rtsp://221.192.134.146:80 RTSP/1.1\nHost: 221.192.134.146:80\n\n"), 400,
			&want{version: VersionUnknown}},
		{"Similar Headers (bug #1287)",
			crlf("GET /index.html HTTP/1.0\nIf-Modified-Since2: Sun, 01 Jan 2036 00:00:03 GMT\nIf-Modified-Since: Sun, 01 Jan 2036 00:00:02 GMT\n\n"), 0,
			&want{headers: map[string]string{
				"If-Modified-Since":  "Sun, 01 Jan 2036 00:00:02 GMT",
				"If-Modified-Since2": "Sun, 01 Jan 2036 00:00:03 GMT"}}},
		{"Connection-header, leading comma", crlf("GET /12345.txt HTTP/1.1\nConnection: ,close\nHost: 123.example.org\n\n"), 0, &want{keepAlive: flag(false)}},
		{"Connection-header, no value between two commas", crlf("GET /12345.txt HTTP/1.1\nConnection: close,,TE\nHost: 123.example.org\n\n"), 0, &want{keepAlive: flag(false)}},
		{"Connection-header, space between two commas", crlf("GET /12345.txt HTTP/1.1\nConnection: close, ,TE\nHost: 123.example.org\n\n"), 0, &want{keepAlive: flag(false)}},
		{"Connection-header, comma after value", crlf("GET /12345.txt HTTP/1.1\nConnection: close,\nHost: 123.example.org\n\n"), 0, &want{keepAlive: flag(false)}},
		{"Connection-header, comma and space after value", crlf("GET /12345.txt HTTP/1.1\nConnection: close, \nHost: 123.example.org\n\n"), 0, &want{keepAlive: flag(false)}},
		{"Explicit HTTP/1.0 Keep-Alive", crlf("GET /12345.txt HTTP/1.0\nConnection: keep-alive\nHost: 123.example.org\n\n"), 0, &want{keepAlive: flag(true)}},
		{"HTTP/1.0 without Connection closes", crlf("GET /12345.txt HTTP/1.0\nHost: 123.example.org\n\n"), 0, &want{keepAlive: flag(false)}},
		{"Implicit HTTP/1.1 Keep-Alive", crlf("GET /12345.txt HTTP/1.1\nHost: 123.example.org\n\n"), 0, &want{keepAlive: flag(true)}},
		{"Explicit HTTP/1.1 Keep-Alive", crlf("GET /12345.txt HTTP/1.1\nConnection: keep-alive\nHost: 123.example.org\n\n"), 0, &want{keepAlive: flag(true)}},
		{"internal redirect in directory with special characters", "GET /~test%20\xc3\xa4_ HTTP/1.0\r\n\r\n", 0,
			&want{path: "/~test \xc3\xa4_", target: "/~test%20\xc3\xa4_"}},
		{"special characters + querystring", "GET /~test%20\xc3\xa4_?foo HTTP/1.0\r\n\r\n", 0,
			&want{path: "/~test \xc3\xa4_", query: str("foo")}},
	})
}

// TestParseStatus pins every error status Parse produces, with lighttpd's
// default options, and the RFC 9112 strictness featherd adds.
func TestParseStatus(t *testing.T) {
	opts := optsFor(t, "")
	const h11 = "Host: example.org\r\n"
	runParseCases(t, opts, []parseCase{
		// request line
		{"LF without CR in request line", "GET / HTTP/1.1\n" + h11 + "\r\n", 400, nil},
		{"LF without CR in header", "GET / HTTP/1.1\r\nHost: example.org\n\r\n", 400, nil},
		{"LF without CR in blank line", "GET / HTTP/1.1\r\n" + h11 + "\n", 400, nil},
		{"bare CR in request line", "GET /\r HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"tab separator", "GET\t/ HTTP/1.1\r\n" + h11 + "\r\n", 501, nil},
		{"space in target", "GET /a b HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"control in target", "GET /a\x01b HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"DEL in target", "GET /a\x7fb HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"lower-case method", "get / HTTP/1.1\r\n" + h11 + "\r\n", 501, nil},
		{"lower-case protocol", "GET / http/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"HTTP/2.0", "GET / HTTP/2.0\r\n" + h11 + "\r\n", 400, nil},
		// RFC 9112 §2.6: a later HTTP/1 minor version is processed as
		// HTTP/1.1 (lighttpd: 400); other shapes stay 400.
		{"HTTP/1.2", "GET / HTTP/1.2\r\n" + h11 + "\r\n", 0, &want{version: Version11, keepAlive: flag(true), host: str("example.org")}},
		{"HTTP/1.9", "GET / HTTP/1.9\r\n" + h11 + "\r\n", 0, &want{version: Version11, keepAlive: flag(true)}},
		{"HTTP/1.2 without Host", "GET / HTTP/1.2\r\n\r\n", 400, nil},
		{"HTTP/1.2 with Connection: close", "GET / HTTP/1.2\r\n" + h11 + "Connection: close\r\n\r\n", 0,
			&want{version: Version11, keepAlive: flag(false)}},
		{"HTTP/1.2 chunked", "POST / HTTP/1.2\r\n" + h11 + "Transfer-Encoding: chunked\r\n\r\n", 0, &want{chunked: flag(true)}},
		{"HTTP/1.10", "GET / HTTP/1.10\r\n" + h11 + "\r\n", 400, nil},
		{"HTTP/1.", "GET / HTTP/1.\r\n" + h11 + "\r\n", 400, nil},
		{"HTTP/1.a", "GET / HTTP/1.a\r\n" + h11 + "\r\n", 400, nil},
		{"HTTP/1.: (the byte after 9)", "GET / HTTP/1.:\r\n" + h11 + "\r\n", 400, nil},
		{"HTTP/1./ (the byte before 0)", "GET / HTTP/1./\r\n" + h11 + "\r\n", 400, nil},
		{"HTTP/0.9", "GET / HTTP/0.9\r\n" + h11 + "\r\n", 400, nil},
		{"HTTP/3.0", "GET / HTTP/3.0\r\n" + h11 + "\r\n", 400, nil},
		{"HTTP/1.2 without a space before it", "GET /HTTP/1.2\r\n" + h11 + "\r\n", 400, nil},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, nil},
		{"trailing space after version", "GET / HTTP/1.1 \r\n" + h11 + "\r\n", 400, nil},
		{"relative target", "GET index.html HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		// RFC 9112 §3.2.2: an empty path in absolute form is "/" (lighttpd: 400).
		{"absolute form without path", "GET http://Example.org HTTP/1.1\r\n\r\n", 0,
			&want{host: str("example.org"), target: "/", path: "/", query: str("")}},
		{"absolute form without path, with a query", "GET https://example.org:8080?a=1&b=%2f HTTP/1.1\r\n\r\n", 0,
			&want{host: str("example.org:8080"), target: "/?a=1&b=%2f", path: "/", query: str("a=1&b=%2F")}},
		{"absolute form, query holding a slash", "GET http://example.org?a/b HTTP/1.1\r\n\r\n", 0,
			&want{host: str("example.org"), target: "/?a/b", path: "/", query: str("a/b")}},
		{"absolute form, empty query", "GET http://example.org? HTTP/1.0\r\n\r\n", 0,
			&want{host: str("example.org"), target: "/?", path: "/", query: str("")}},
		{"absolute form without path, with a fragment", "GET http://example.org#f?g HTTP/1.1\r\n\r\n", 0,
			&want{host: str("example.org"), target: "/#f?g", path: "/", query: str("")}},
		{"absolute form with empty authority and a query", "GET http://?a HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"absolute form with empty authority", "GET http:/// HTTP/1.1\r\n\r\n", 400, nil},
		{"absolute form, other scheme", "GET ftp://example.org/ HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"authority too long", "GET http://" + strings.Repeat("a", 1024) + "/ HTTP/1.1\r\n\r\n", 400, nil},
		{"OPTIONS *x", "OPTIONS *x HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"GET *", "GET * HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"CONNECT authority", "CONNECT 127.0.0.1:443 HTTP/1.1\r\n" + h11 + "\r\n", 0,
			&want{method: MethodConnect, path: "127.0.0.1:443", target: "127.0.0.1:443"}},
		{"CONNECT name (lighttpd allows only a leading digit or ':')", "CONNECT example.org:443 HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"CONNECT with a path", "CONNECT 1.2.3.4/../x HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"CONNECT empty host", "CONNECT :443 HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"first byte is a control (TLS ClientHello)", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, nil},
		{"NUL first", "\x00GET / HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"two blank lines first", "\r\n\r\nGET / HTTP/1.1\r\n" + h11 + "\r\n", 400, &want{version: VersionUnknown}},
		{"CR then not LF first", "\rGET / HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},

		// header lines
		{"no colon", "GET / HTTP/1.1\r\n" + h11 + "Foo\r\n\r\n", 400, nil},
		{"empty name", "GET / HTTP/1.1\r\n" + h11 + ": x\r\n\r\n", 400, nil},
		{"space before colon", "GET / HTTP/1.1\r\n" + h11 + "Foo : x\r\n\r\n", 400, nil},
		{"tab before colon", "GET / HTTP/1.1\r\n" + h11 + "Foo\t: x\r\n\r\n", 400, nil},
		{"space in name", "GET / HTTP/1.1\r\n" + h11 + "F oo: x\r\n\r\n", 400, nil},
		{"delimiter in name", "GET / HTTP/1.1\r\n" + h11 + "Fo(o: x\r\n\r\n", 400, nil},
		{"slash in name", "GET / HTTP/1.1\r\n" + h11 + "Fo/o: x\r\n\r\n", 400, nil},
		{"control in name", "GET / HTTP/1.1\r\n" + h11 + "Fo\x01o: x\r\n\r\n", 400, nil},
		{"obs-text in name", "GET / HTTP/1.1\r\n" + h11 + "Fo\xe9o: x\r\n\r\n", 400, nil},
		{"tchar name", "GET / HTTP/1.1\r\n" + h11 + "X-A_b.c!#$%&'*+^`|~1: x\r\n\r\n", 0,
			&want{headers: map[string]string{"x-a_b.c!#$%&'*+^`|~1": "x"}}},
		{"control in value", "GET / HTTP/1.1\r\n" + h11 + "Foo: a\x01b\r\n\r\n", 400, nil},
		{"NUL in value", "GET / HTTP/1.1\r\n" + h11 + "Foo: a\x00b\r\n\r\n", 400, nil},
		{"DEL in value", "GET / HTTP/1.1\r\n" + h11 + "Foo: a\x7fb\r\n\r\n", 400, nil},
		{"bare CR in value", "GET / HTTP/1.1\r\n" + h11 + "Foo: a\rb\r\n\r\n", 400, nil},
		{"obs-text and tab in value", "GET / HTTP/1.1\r\n" + h11 + "Foo: \xe9\tb\r\n\r\n", 0,
			&want{headers: map[string]string{"foo": "\xe9\tb"}}},
		{"folded header line right after the request line", "GET / HTTP/1.1\r\n " + h11 + "\r\n", 400, nil},

		// Host
		{"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400, nil},
		{"HTTP/1.1 with empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, nil},
		{"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0, &want{host: str("")}},
		{"duplicate Host, different", "GET / HTTP/1.1\r\nHost: a.org\r\nHost: b.org\r\n\r\n", 400, nil},
		// RFC 9112 §3.2: any second Host line is 400 (lighttpd ignores
		// one with the same value).
		{"duplicate Host, same value", "GET / HTTP/1.1\r\nHost: a.org\r\nHost: a.org\r\n\r\n", 400, nil},
		{"duplicate Host, same but case", "GET / HTTP/1.1\r\nHost: a.org\r\nHost: A.ORG\r\n\r\n", 400, nil},
		{"duplicate Host in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a.org\r\nHost: a.org\r\n\r\n", 400, nil},
		{"empty Host line then Host", "GET / HTTP/1.1\r\nHost:\r\nHost: a.org\r\n\r\n", 400, nil},
		{"Host then empty Host line", "GET / HTTP/1.1\r\nHost: a.org\r\nHost: \r\n\r\n", 400, nil},
		{"duplicate Host, other spelling of the name", "GET / HTTP/1.1\r\nHost: a.org\r\nhOST: a.org\r\n\r\n", 400, nil},
		// RFC 9112 §3.2.2: with an absolute-form target, its authority is
		// the Host and the one Host line is ignored.
		{"absolute form and the same Host", "GET http://a.org/x HTTP/1.1\r\nHost: a.org\r\n\r\n", 0,
			&want{host: str("a.org"), path: "/x", headers: map[string]string{"Host": "a.org"}}},
		{"absolute form and another Host", "GET http://a.org/x HTTP/1.1\r\nHost: b.org\r\n\r\n", 0,
			&want{host: str("a.org"), path: "/x", headers: map[string]string{"Host": "a.org"}}},
		// RFC 9112 §3.2: an invalid Host is 400 even where it is not used.
		{"absolute form and an invalid Host", "GET http://a.org/x HTTP/1.1\r\nHost: b_b/\r\n\r\n", 400, nil},
		{"absolute form and a Host too long", "GET http://a.org/x HTTP/1.1\r\nHost: " + strings.Repeat("a", 1024) + "\r\n\r\n", 400, nil},
		{"absolute form and an empty Host", "GET http://a.org/x HTTP/1.1\r\nHost:\r\n\r\n", 0, &want{host: str("a.org")}},
		{"absolute form and two Host lines", "GET http://a.org/x HTTP/1.1\r\nHost: a.org\r\nHost: a.org\r\n\r\n", 400, nil},
		{"absolute form with an invalid authority", "GET http://b_b/x HTTP/1.1\r\nHost: a.org\r\n\r\n", 400, nil},
		{"Host with path", "GET / HTTP/1.1\r\nHost: a.org/x\r\n\r\n", 400, nil},
		{"Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a.org\r\n\r\n", 400, nil},
		{"Host with underscore", "GET / HTTP/1.1\r\nHost: a_b.org\r\n\r\n", 400, nil},
		{"Host numeric label", "GET / HTTP/1.1\r\nHost: 123\r\n\r\n", 400, nil},
		{"Host too long", "GET / HTTP/1.1\r\nHost: " + strings.Repeat("a", 1024) + "\r\n\r\n", 400, nil},
		{"Host upper case", "GET / HTTP/1.1\r\nHost: WWW.Example.ORG:8080\r\n\r\n", 0, &want{host: str("www.example.org:8080")}},
		{"Host empty port", "GET / HTTP/1.1\r\nHost: example.org:\r\n\r\n", 0, &want{host: str("example.org")}},
		{"Host bad IPv6", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, nil},
		{"Host empty IPv6", "GET / HTTP/1.1\r\nHost: []\r\n\r\n", 400, nil},

		// framing
		{"Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\n" + h11 + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, nil},
		{"Transfer-Encoding with Content-Length", "POST / HTTP/1.1\r\n" + h11 + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400, nil},
		{"duplicate Content-Length, same value", "POST / HTTP/1.1\r\n" + h11 + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", 400, nil},
		{"Content-Length list", "POST / HTTP/1.1\r\n" + h11 + "Content-Length: 5, 5\r\n\r\n", 400, nil},
		{"Content-Length plus sign", "POST / HTTP/1.1\r\n" + h11 + "Content-Length: +5\r\n\r\n", 400, nil},
		{"Content-Length hex", "POST / HTTP/1.1\r\n" + h11 + "Content-Length: 0x5\r\n\r\n", 400, nil},
		{"Content-Length overflow", "POST / HTTP/1.1\r\n" + h11 + "Content-Length: 9223372036854775808\r\n\r\n", 400, nil},
		{"Content-Length max", "POST / HTTP/1.1\r\n" + h11 + "Content-Length: 9223372036854775807\r\n\r\n", 0, &want{cl: i64(1<<63 - 1)}},
		{"Content-Length with spaces", "POST / HTTP/1.1\r\n" + h11 + "Content-Length:  7 \r\n\r\n", 0, &want{cl: i64(7)}},
		{"Content-Length inner space", "POST / HTTP/1.1\r\n" + h11 + "Content-Length: 1 2\r\n\r\n", 400, nil},
		{"Transfer-Encoding gzip", "POST / HTTP/1.1\r\n" + h11 + "Transfer-Encoding: gzip\r\n\r\n", 501, nil},
		{"Transfer-Encoding gzip, chunked", "POST / HTTP/1.1\r\n" + h11 + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501, nil},
		{"Transfer-Encoding identity", "POST / HTTP/1.1\r\n" + h11 + "Transfer-Encoding: identity\r\n\r\n", 501, nil},
		{"Transfer-Encoding CHUNKED", "POST / HTTP/1.1\r\n" + h11 + "Transfer-Encoding: CHUNKED\r\n\r\n", 0, &want{chunked: flag(true)}},
		{"Transfer-Encoding twice", "POST / HTTP/1.1\r\n" + h11 + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, nil},
		{"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, nil},
		{"POST without length", "POST / HTTP/1.1\r\n" + h11 + "\r\n", 411, nil},
		{"POST with Content-Length: 0", "POST / HTTP/1.1\r\n" + h11 + "Content-Length: 0\r\n\r\n", 0, &want{cl: i64(0)}},
		{"PUT without length", "PUT / HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{cl: i64(-1)}},
		{"GET with a body", "GET / HTTP/1.1\r\n" + h11 + "Content-Length: 1\r\n\r\n", 400, nil},
		{"GET chunked", "GET / HTTP/1.1\r\n" + h11 + "Transfer-Encoding: chunked\r\n\r\n", 400, nil},
		{"GET with Content-Length: 0", "GET / HTTP/1.1\r\n" + h11 + "Content-Length: 0\r\n\r\n", 0, &want{cl: i64(0)}},
		{"Upgrade in HTTP/1.0", "GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n", 400, nil},
		{"HTTP2-Settings in HTTP/1.0", "GET / HTTP/1.0\r\nHTTP2-Settings: AAA\r\n\r\n", 400, nil},
		{"duplicate HTTP2-Settings", "GET / HTTP/1.1\r\n" + h11 + "HTTP2-Settings: a\r\nHTTP2-Settings: b\r\n\r\n", 400, nil},
		{"duplicate Content-Type, same value", "GET / HTTP/1.1\r\n" + h11 + "Content-Type: text/plain\r\nContent-Type: TEXT/plain\r\n\r\n", 0,
			&want{headers: map[string]string{"content-type": "text/plain"}}},
		{"unknown method QUERYX", "QUERYX / HTTP/1.1\r\n" + h11 + "\r\n", 501, nil},
		{"WebDAV method", "PROPFIND /dav/ HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{method: MethodPropfind}},

		// target normalisation
		{"%00", "GET /a%00b HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"%00 in query", "GET /a?b=%00 HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"%0a", "GET /a%0ab HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"%7f", "GET /a%7fb HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"%ff", "GET /a%ffb HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"raw 0xFF", "GET /a\xffb HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"overlong dot %c0%ae", "GET /%c0%ae%c0%ae/etc/passwd HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"overlong slash %c0%af", "GET /a%c0%afb HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"3-byte overlong dot %e0%80%ae", "GET /%e0%80%ae%e0%80%ae/x HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"truncated UTF-8", "GET /a%c3 HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"lone continuation byte", "GET /a%80 HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"UTF-16 surrogate", "GET /a%ed%a0%80 HTTP/1.1\r\n" + h11 + "\r\n", 400, nil},
		{"valid UTF-8", "GET /caf%c3%a9 HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/caf\xc3\xa9"}},
		{"dot-dot", "GET /../../etc/passwd HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/etc/passwd"}},
		{"encoded dot-dot", "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/etc/passwd"}},
		{"mixed-case encoded dot-dot", "GET /a/%2E%2e/%2e./.%2E/b HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/b"}},
		{"encoded slash dot-dot", "GET /a%2f..%2f..%2fetc/passwd HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/etc/passwd"}},
		{"encoded dot-dot-slash", "GET /a/%2e%2e%2f%2e%2e%2fetc HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/etc"}},
		{"double encoded dot-dot stays a name", "GET /%252e%252e/x HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/%2e%2e/x"}},
		{"backslash is a name byte", "GET /a\\..\\b HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/a\\..\\b"}},
		{"trailing dot-dot", "GET /a/b/.. HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/a/"}},
		{"trailing encoded dot-dot", "GET /a/b/%2e%2e HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/a/"}},
		{"double slashes", "GET //a///b// HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/a/b/"}},
		{"fragment dropped", "GET /a#frag?x HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/a", query: str("")}},
		{"query kept encoded", "GET /a?b=%2f&c=%41 HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/a", query: str("b=%2F&c=A")}},
		{"query dot-dot untouched", "GET /a?../../x HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/a", query: str("../../x")}},
		{"percent without hex", "GET /100%-sure HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/100%-sure"}},
		{"encoded question mark", "GET /a%3fb?c HTTP/1.1\r\n" + h11 + "\r\n", 0, &want{path: "/a?b", query: str("c")}},
	})
}

// TestParseOptions runs heads under other server.http-parseopts.
func TestParseOptions(t *testing.T) {
	lenient := optsFor(t, `server.http-parseopts = ( "header-strict" => "disable", "host-strict" => "disable" )`)
	t.Run("lenient", func(t *testing.T) {
		runParseCases(t, lenient, []parseCase{
			{"LF line ends", "GET /a HTTP/1.1\nHost: x\n\n", 0, &want{path: "/a", host: str("x")}},
			{"whitespace before colon trimmed", "GET / HTTP/1.1\r\nHost : x\r\nFoo \t: bar\r\n\r\n", 0,
				&want{host: str("x"), headers: map[string]string{"Foo": "bar"}}},
			{"CL and TE: CL dropped", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 0,
				&want{chunked: flag(true), cl: i64(-1), keepAlive: flag(false), headers: map[string]string{"Content-Length": ""}}},
			{"control in value allowed", "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\x01b\r\n\r\n", 0, &want{headers: map[string]string{"Foo": "a\x01b"}}},
			{"NUL anywhere refused", "GET / HTTP/1.1\r\nHost: x\r\nFoo: a\x00b\r\n\r\n", 400, nil},
			{"NUL in name refused", "GET / HTTP/1.1\r\nHost: x\r\nF\x00oo: ab\r\n\r\n", 400, nil},
			{"relative target simplified", "GET ../a/b HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{path: "/a/b"}},
			{"relative target refused", "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n", 400, nil},
			{"loose Host", "GET / HTTP/1.1\r\nHost: Under_Score:80\r\n\r\n", 0, &want{host: str("under_score:80")}},
			{"loose Host line an absolute-form target overrides", "GET http://a.org/ HTTP/1.1\r\nHost: Under_Score:80\r\n\r\n", 0, &want{host: str("a.org")}},
			{"CONNECT name", "CONNECT example.org:443 HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{path: "example.org:443"}},
			{"space in target encoded", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{path: "/a b"}},
			{"absolute form without path", "GET http://x?q HTTP/1.1\r\n\r\n", 0, &want{host: str("x"), target: "/?q", path: "/", query: str("q")}},
			{"a fragment ends the authority", "GET http://a#b/c HTTP/1.1\r\n\r\n", 0, &want{host: str("a"), path: "/"}},
		})
	})
	t.Run("method-get-body", func(t *testing.T) {
		runParseCases(t, optsFor(t, `server.http-parseopts = ( "method-get-body" => "enable" )`), []parseCase{
			{"GET with body", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n", 0, &want{cl: i64(3)}},
			{"HEAD chunked", "HEAD / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 0, &want{chunked: flag(true)}},
		})
	})
	t.Run("host-normalize", func(t *testing.T) {
		runParseCases(t, optsFor(t, `server.http-parseopts = ( "host-normalize" => "enable" )`), []parseCase{
			{"port 80 dropped", "GET / HTTP/1.1\r\nHost: a.org:80\r\n\r\n", 0, &want{host: str("a.org")}},
			{"port kept", "GET / HTTP/1.1\r\nHost: a.org:8080\r\n\r\n", 0, &want{host: str("a.org:8080"), headers: map[string]string{"Host": "a.org:8080"}}},
			{"IPv6 canonical", "GET / HTTP/1.1\r\nHost: [0:0:0:0:0:0:0:1]:81\r\n\r\n", 0, &want{host: str("[::1]:81")}},
			{"IPv6 upper case", "GET / HTTP/1.1\r\nHost: [2001:DB8::0001]\r\n\r\n", 0, &want{host: str("[2001:db8::1]")}},
			{"IPv4-compatible IPv6", "GET / HTTP/1.1\r\nHost: [::102:304]\r\n\r\n", 0, &want{host: str("[::1.2.3.4]")}},
			{"IPv4-mapped IPv6", "GET / HTTP/1.1\r\nHost: [::ffff:102:304]\r\n\r\n", 0, &want{host: str("[::ffff:1.2.3.4]")}},
			{"bad IPv6", "GET / HTTP/1.1\r\nHost: [1::2::3]\r\n\r\n", 400, nil},
			{"absolute form: the target's host normalised, not the Host line's", "GET http://A.org:80/ HTTP/1.1\r\nHost: b.org:8080\r\n\r\n", 0,
				&want{host: str("a.org"), headers: map[string]string{"Host": "a.org"}}},
			{"absolute form: a Host line normalize refuses", "GET http://a.org/ HTTP/1.1\r\nHost: [1::2::3]\r\n\r\n", 400, nil},
		})
		loose := optsFor(t, `server.http-parseopts = ( "host-strict" => "disable", "host-normalize" => "enable" )`)
		runParseCases(t, loose, []parseCase{
			{"hex port", "GET / HTTP/1.1\r\nHost: a.org:0x50\r\n\r\n", 0, &want{host: str("a.org")}},
			{"octal port", "GET / HTTP/1.1\r\nHost: a.org:0120\r\n\r\n", 0, &want{host: str("a.org")}},
			{"bad octal port", "GET / HTTP/1.1\r\nHost: a.org:080\r\n\r\n", 400, nil},
			{"port 0", "GET / HTTP/1.1\r\nHost: a.org:0\r\n\r\n", 400, nil},
			{"port too big", "GET / HTTP/1.1\r\nHost: a.org:65536\r\n\r\n", 400, nil},
			{"IPv6 zone kept", "GET / HTTP/1.1\r\nHost: [fe80::0001%25eth0]\r\n\r\n", 0, &want{host: str("[fe80::1%25eth0]")}},
			{"IPv4 in brackets", "GET / HTTP/1.1\r\nHost: [1.2.3.4]\r\n\r\n", 400, nil},
		})
	})
	t.Run("url-normalize disabled", func(t *testing.T) {
		runParseCases(t, optsFor(t, `server.http-parseopts = ( "url-normalize" => "disable" )`), []parseCase{
			{"%00 becomes _", "GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{path: "/a_b"}},
			{"%2f decoded then simplified", "GET /a%2f..%2f..%2fb HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{path: "/b"}},
			{"%ff kept as a byte", "GET /a%ffb HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{path: "/a\xffb"}},
			{"query untouched", "GET /a?b=%2f%20 HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{query: str("b=%2f%20")}},
			{"fragment dropped", "GET /a#x HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{path: "/a"}},
		})
	})
	t.Run("url options", func(t *testing.T) {
		runParseCases(t, optsFor(t, `server.http-parseopts = ( "url-path-2f-reject" => "enable", "url-path-2f-decode" => "disable" )`), []parseCase{
			{"%2F refused", "GET /a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n", 400, nil},
			{"%2F in query fine", "GET /a?b%2F HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{query: str("b%2F")}},
		})
		runParseCases(t, optsFor(t, `server.http-parseopts = ( "url-path-dotseg-reject" => "enable" )`), []parseCase{
			{"dot segment refused", "GET /a/../b HTTP/1.1\r\nHost: x\r\n\r\n", 400, nil},
			{"double slash refused", "GET /a//b HTTP/1.1\r\nHost: x\r\n\r\n", 400, nil},
			{"dots in names fine", "GET /a/.b/..c/... HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{path: "/a/.b/..c/..."}},
		})
		runParseCases(t, optsFor(t, `server.http-parseopts = ( "url-path-backslash-trans" => "enable" )`), []parseCase{
			{"backslashes are slashes", "GET /a\\..\\..\\b HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{path: "/b"}},
			{"encoded backslashes are slashes", "GET /a%5c..%5C..%5cb HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{path: "/b"}},
			{"query backslash kept", "GET /a?\\ HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{query: str("%5C")}},
		})
		runParseCases(t, optsFor(t, `server.http-parseopts = ( "url-query-20-plus" => "enable" )`), []parseCase{
			{"%20 in query becomes +", "GET /a%20b?c%20d HTTP/1.1\r\nHost: x\r\n\r\n", 0, &want{path: "/a b", query: str("c+d")}},
		})
		runParseCases(t, optsFor(t, `server.http-parseopts = ( "url-normalize-required" => "enable" )`), []parseCase{
			{"required decoding", "GET /%41%3a%2b?x=%2b%3a HTTP/1.1\r\nHost: x\r\n\r\n", 0,
				&want{path: "/A:+", query: str("x=%2B:")}},
		})
	})
}

// TestParseHeaders checks how headers are stored, merged and removed.
func TestParseHeaders(t *testing.T) {
	opts := optsFor(t, "")
	req := crlf("GET /a HTTP/1.1\n" +
		"Host: Example.ORG\n" +
		"Accept: text/html\n" +
		"Cookie: a=1\n" +
		"X-Empty:\n" +
		"accept: */*\n" +
		"COOKIE: b=2\n" +
		"Cookie: c=3\n" +
		"Expect: 100-continue\n" +
		"X-Trim: \t v \t\n" +
		"\n")
	var r Request
	n, status := r.Parse([]byte(req), opts, 8192)
	if status != 0 || n != len(req) {
		t.Fatalf("Parse = %d, %d", n, status)
	}
	var got []string
	r.HeaderValues(func(name, value string) { got = append(got, name+": "+value) })
	want := []string{
		"Host: example.org",
		"Accept: text/html, */*",
		"Cookie: a=1; b=2; c=3",
		"X-Trim: v",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("HeaderValues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !r.Expect100 || r.Header("expect") != "" {
		t.Errorf("Expect100 = %v, Expect = %q", r.Expect100, r.Header("expect"))
	}
	if r.Header("x-empty") != "" || r.Header("ACCEPT") != "text/html, */*" {
		t.Errorf("Header lookups wrong")
	}

	t.Run("Expect other than 100-continue", func(t *testing.T) {
		var r Request
		if _, st := r.Parse([]byte("PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue, foo\r\nContent-Length: 1\r\n\r\n"), opts, 8192); st != 0 {
			t.Fatal(st)
		}
		if r.Expect100 || r.Header("Expect") != "" {
			t.Errorf("Expect100 = %v, Expect = %q", r.Expect100, r.Header("Expect"))
		}
	})
	t.Run("Upgrade", func(t *testing.T) {
		cases := []struct{ name, hdrs, upgrade, conn, settings string }{
			{"websocket kept", "Connection: Upgrade\r\nUpgrade: websocket\r\n", "websocket", "Upgrade", ""},
			{"without Connection dropped", "Upgrade: websocket\r\n", "", "", ""},
			{"h2c dropped", "Connection: Upgrade, HTTP2-Settings, keep-alive\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n", "", "keep-alive", ""},
			{"h2c only tokens", "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: x\r\n", "", "", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var r Request
				if _, st := r.Parse([]byte("GET / HTTP/1.1\r\nHost: x\r\n"+tc.hdrs+"\r\n"), opts, 8192); st != 0 {
					t.Fatal(st)
				}
				if got := r.Header("Upgrade"); got != tc.upgrade {
					t.Errorf("Upgrade = %q, want %q", got, tc.upgrade)
				}
				if got := r.Header("Connection"); got != tc.conn {
					t.Errorf("Connection = %q, want %q", got, tc.conn)
				}
				if got := r.Header("HTTP2-Settings"); got != tc.settings {
					t.Errorf("HTTP2-Settings = %q, want %q", got, tc.settings)
				}
			})
		}
	})
	t.Run("many repeats stay linear", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("GET / HTTP/1.1\r\nHost: x\r\n")
		for i := 0; i < 4000; i++ {
			fmt.Fprintf(&b, "X-%d: a\r\nCookie: c\r\n", i%50)
		}
		b.WriteString("\r\n")
		var r Request
		if _, st := r.Parse([]byte(b.String()), opts, 1<<20); st != 0 {
			t.Fatal(st)
		}
		if got := r.Header("cookie"); len(got) != 4000*3-2 {
			t.Errorf("Cookie length %d", len(got))
		}
		if got := r.Header("x-7"); got != strings.TrimSuffix(strings.Repeat("a, ", 80), ", ") {
			t.Errorf("X-7 = %q", got)
		}
	})
}

// TestParsePipelined parses heads back to back: each Parse reports where
// the next request starts.
func TestParsePipelined(t *testing.T) {
	opts := optsFor(t, "")
	reqs := []string{
		"GET /one HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
		"hello", // the body of /two
		"\r\nGET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /four HTTP/1.0\r\n\r\n",
	}
	buf := []byte(strings.Join(reqs, ""))
	var r Request
	var paths []string
	for len(buf) > 0 {
		n, status := r.Parse(buf, opts, 8192)
		if status != 0 || n == 0 {
			t.Fatalf("Parse(%q) = %d, %d", buf, n, status)
		}
		paths = append(paths, strings.Clone(r.Path)) // r.Path lives until the next Parse
		buf = buf[n:]
		if r.ContentLength > 0 {
			if string(buf[:r.ContentLength]) != "hello" {
				t.Fatalf("body %q", buf[:r.ContentLength])
			}
			buf = buf[r.ContentLength:]
		}
	}
	if got := strings.Join(paths, " "); got != "/one /two /three /four" {
		t.Errorf("paths %s", got)
	}

	t.Run("excess blank between requests", func(t *testing.T) {
		buf := []byte("GET /a HTTP/1.1\r\nHost: x\r\n\r\n\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
		var r Request
		n, status := r.Parse(buf, opts, 8192)
		if status != 0 {
			t.Fatal(status)
		}
		n2, status := r.Parse(buf[n:], opts, 8192)
		if status != 400 || r.Version != VersionUnknown || r.KeepAlive {
			t.Errorf("second Parse = %d, %d, version %v", n2, status, r.Version)
		}
	})
}

// TestParseIncomplete cuts heads at every byte: every prefix must ask for
// more, and the whole must parse the same as in one piece.
func TestParseIncomplete(t *testing.T) {
	opts := optsFor(t, "")
	heads := []string{
		"GET /a/b?c=d HTTP/1.1\r\nHost: example.org\r\nUser-Agent: test\r\nX-Fold: a\r\n b\r\n\r\n",
		"\r\nPOST http://example.org/x HTTP/1.1\r\nContent-Length: 3\r\n\r\n",
		"\nGET / HTTP/1.0\r\n\r\n",
		"GET /%2e%2e/x HTTP/1.1\r\nHost: [::1]:8080\r\nCookie: a\r\nCookie: b\r\n\r\n",
	}
	for _, head := range heads {
		t.Run(strings.TrimSpace(head[:min(len(head), 20)]), func(t *testing.T) {
			var whole Request
			n, status := whole.Parse([]byte(head), opts, 8192)
			if status != 0 || n != len(head) {
				t.Fatalf("whole: %d, %d", n, status)
			}
			var r Request
			for i := 0; i < len(head); i++ {
				if n, status := r.Parse([]byte(head[:i]), opts, 8192); n != 0 || status != 0 {
					t.Fatalf("prefix %q: %d, %d", head[:i], n, status)
				}
			}
			// Incomplete heads followed by pipelined bytes parse too.
			n, status = r.Parse([]byte(head+"GET"), opts, 8192)
			if n != len(head) || status != 0 {
				t.Fatalf("with trailing bytes: %d, %d", n, status)
			}
			if r.Path != whole.Path || r.Host != whole.Host || r.Query != whole.Query || r.Header("Cookie") != whole.Header("Cookie") {
				t.Errorf("split parse differs: %q %q", r.Path, whole.Path)
			}
		})
	}
}

// TestParseLeadingCRLF: one blank line before a request is skipped and
// counted in n; two are an error.
func TestParseLeadingCRLF(t *testing.T) {
	opts := optsFor(t, "")
	const head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	cases := []struct {
		in     string
		n      int
		status int
	}{
		{"\r\n" + head, len(head) + 2, 0},
		{"\n" + head, len(head) + 1, 0},
		{"\r", 0, 0},
		{"\r\n", 0, 0},
		{"\n", 0, 0},
		{"\r\n\r\n" + head, 0, 400},
		{"\r\n\n" + head, 0, 400},
		{"\n\n" + head, 0, 400},
		{"\r\r\n" + head, 0, 400},
		{"\r\nG", 0, 0},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.in[:min(len(tc.in), 6)]), func(t *testing.T) {
			var r Request
			n, status := r.Parse([]byte(tc.in), opts, 8192)
			if n != tc.n || status != tc.status {
				t.Errorf("Parse(%q) = %d, %d; want %d, %d", tc.in, n, status, tc.n, tc.status)
			}
		})
	}
}

// TestParseFieldSizeLimit tests server.max-request-field-size at its edge.
func TestParseFieldSizeLimit(t *testing.T) {
	opts := optsFor(t, "")
	const max = 8192
	prefix := "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: "
	pad := func(total int) string { // a complete head of exactly total bytes
		return prefix + strings.Repeat("a", total-len(prefix)-4) + "\r\n\r\n"
	}
	cases := []struct {
		name   string
		in     string
		n      int
		status int
	}{
		{"complete at the limit", pad(max), max, 0},
		{"complete one over", pad(max + 1), 0, 431},
		{"incomplete at the limit", pad(max + 10)[:max], 0, 0},
		{"incomplete one over", pad(max + 10)[:max+1], 0, 431},
		{"leading CRLF does not count", "\r\n" + pad(max), max + 2, 0},
		{"long target", "GET /" + strings.Repeat("a", max) + " HTTP/1.1\r\nHost: x\r\n\r\n", 0, 431},
		{"complete at the limit then more", pad(max) + "GET / HTTP/1.1\r\n", max, 0},
		{"many lines", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("a:b\r\n", 9000) + "\r\n", 0, 431},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			limit := max
			if tc.name == "many lines" {
				limit = 65535
			}
			var r Request
			n, status := r.Parse([]byte(tc.in), opts, limit)
			if n != tc.n || status != tc.status {
				t.Errorf("Parse = %d, %d; want %d, %d", n, status, tc.n, tc.status)
			}
		})
	}
}

// TestParseNoAlias: the Request keeps its own copy of the head.
func TestParseNoAlias(t *testing.T) {
	opts := optsFor(t, "")
	buf := []byte("GET /path?q HTTP/1.1\r\nHost: example.org\r\nX-A: b\r\n\r\n")
	var r Request
	if _, st := r.Parse(buf, opts, 8192); st != 0 {
		t.Fatal(st)
	}
	for i := range buf {
		buf[i] = 'Z'
	}
	if r.Path != "/path" || r.Query != "q" || r.Host != "example.org" || r.Header("x-a") != "b" || r.Target != "/path?q" {
		t.Errorf("request changed with buf: %q %q %q %q", r.Path, r.Query, r.Host, r.Header("x-a"))
	}
}

// TestParseReuse: a reused Request shows nothing of the previous one.
func TestParseReuse(t *testing.T) {
	opts := optsFor(t, "")
	var r Request
	first := "POST /a%20b?x HTTP/1.1\r\nHost: one.org\r\nContent-Length: 3\r\nCookie: a\r\nCookie: b\r\nExpect: 100-continue\r\n\r\n"
	if _, st := r.Parse([]byte(first), opts, 8192); st != 0 {
		t.Fatal(st)
	}
	second := "GET /c HTTP/1.0\r\n\r\n"
	if _, st := r.Parse([]byte(second), opts, 8192); st != 0 {
		t.Fatal(st)
	}
	if r.Method != MethodGet || r.Path != "/c" || r.Query != "" || r.Host != "" || r.ContentLength != -1 ||
		r.Expect100 || r.KeepAlive || r.Header("Cookie") != "" || r.Header("Host") != "" {
		t.Errorf("leftovers: %+v", r)
	}
	n := 0
	r.HeaderValues(func(string, string) { n++ })
	if n != 0 {
		t.Errorf("%d headers left", n)
	}
	// An error leaves no framing behind for the reactor to act on.
	if _, st := r.Parse([]byte("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"), opts, 8192); st != 400 {
		t.Fatal(st)
	}
	if r.ContentLength != -1 || r.Chunked || r.KeepAlive {
		t.Errorf("after error: CL %d chunked %v keep-alive %v", r.ContentLength, r.Chunked, r.KeepAlive)
	}
}

// TestParseZeroAlloc: a warm Request parses a browser request without
// allocating.
func TestParseZeroAlloc(t *testing.T) {
	opts := optsFor(t, "")
	var r Request
	heads := [][]byte{[]byte(browserGET), []byte(crlf("GET /a/%2e%2e/b%20c?x=%41 HTTP/1.1\nHost: [::1]:80\nCookie: a\nCookie: b\nConnection: Upgrade\nUpgrade: h2c\n\n")),
		[]byte("GET http://example.org?q HTTP/1.1\r\nHost: example.org\r\n\r\n")}
	for _, h := range heads {
		if _, st := r.Parse(h, opts, 8192); st != 0 {
			t.Fatal(st)
		}
		if a := testing.AllocsPerRun(100, func() { r.Parse(h, opts, 8192) }); a != 0 {
			t.Errorf("%.1f allocs per Parse of %q", a, bytes.SplitN(h, []byte("\r\n"), 2)[0])
		}
	}
}

const browserGET = "GET /static/css/site.css?v=3 HTTP/1.1\r\n" +
	"Host: www.example.org\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/css,*/*;q=0.1\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Connection: keep-alive\r\n" +
	"Referer: https://www.example.org/index.html\r\n" +
	"Cookie: session=4f6a1c2e9b; theme=dark\r\n" +
	"Sec-Fetch-Dest: style\r\n" +
	"Sec-Fetch-Mode: no-cors\r\n" +
	"Sec-Fetch-Site: same-origin\r\n" +
	"If-Modified-Since: Tue, 15 Jul 2025 10:00:00 GMT\r\n" +
	"If-None-Match: \"3147526947\"\r\n" +
	"Priority: u=2\r\n" +
	"\r\n"

// TestParseManyHeaders runs the header rules past linearFields, where
// repeated names are found through the hash index.
func TestParseManyHeaders(t *testing.T) {
	opts := optsFor(t, "")
	pad := ""
	for i := 0; i < 2*linearFields; i++ {
		pad += fmt.Sprintf("X-Pad-%d: %d\r\n", i, i)
	}
	runParseCases(t, opts, []parseCase{
		{"merged", "GET / HTTP/1.1\r\nHost: x\r\nAccept: a\r\n" + pad + "ACCEPT: b\r\ncookie: c\r\n" + pad + "Cookie: d\r\n\r\n", 0,
			&want{headers: map[string]string{"accept": "a, b", "Cookie": "c; d", "x-pad-7": "7, 7"}}},
		{"duplicate Host", "GET / HTTP/1.1\r\nHost: x\r\n" + pad + "Host: y\r\n\r\n", 400, nil},
		{"duplicate Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n" + pad + "Content-Length: 1\r\n\r\n", 400, nil},
		{"duplicate Content-Type", "GET / HTTP/1.1\r\nHost: x\r\nContent-Type: a\r\n" + pad + "content-type: b\r\n\r\n", 400, nil},
		{"duplicate If-None-Match keeps the first", "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: a\r\n" + pad + "If-None-Match: b\r\n\r\n", 0,
			&want{headers: map[string]string{"if-none-match": "a"}}},
	})
}

func TestHashNameFoldsCase(t *testing.T) {
	names := []string{"", "a", "Host", "Content-Length", "X-Forwarded-For-Something-Long", "ABCDEFGH", "abcdefghi"}
	for _, n := range names {
		if hashName([]byte(n)) != hashName([]byte(strings.ToUpper(n))) || hashName([]byte(n)) != hashName([]byte(strings.ToLower(n))) {
			t.Errorf("hashName(%q) depends on case", n)
		}
	}
}

// TestValidValue checks the word-at-a-time test against the byte rule
// for every byte at every position of a 16-byte value.
func TestValidValue(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := !(c < 32 && c != '\t' || c == 127)
		for pos := 0; pos < 16; pos++ {
			v := []byte("abcdefghijklmnop")
			v[pos] = byte(c)
			if got := validValue(v); got != want {
				t.Fatalf("validValue with %#x at %d = %v", c, pos, got)
			}
		}
	}
}

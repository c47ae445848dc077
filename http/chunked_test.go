package http

import (
	"strings"
	"testing"
)

// decodeAll feeds in to a fresh decoder in pieces cut at the given
// offsets, keeping unconsumed bytes as a connection's read buffer would.
// It returns the body, the bytes left after the body, and the status.
func decodeAll(d *ChunkedDecoder, in string, cuts []int) (body, rest string, done bool, status int) {
	var out strings.Builder
	var pending []byte
	prev := 0
	cuts = append(cuts, len(in))
	for _, c := range cuts {
		pending = append(pending, in[prev:c]...)
		prev = c
		n, fin, st := d.Decode(pending, func(p []byte) { out.Write(p) })
		if n < 0 || n > len(pending) {
			panic("consumed out of range")
		}
		pending = pending[n:]
		if st != 0 || fin {
			return out.String(), string(pending) + in[prev:], fin, st
		}
	}
	return out.String(), string(pending), false, 0
}

// TestChunkedRequestT ports the chunked request bodies of tests/request.t.
func TestChunkedRequestT(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		trailer string // the request's Trailer header
		status  int
		want    string
	}{
		{"lc hex", "a\r\n0123456789\r\n0\r\n\r\n", "", 0, "0123456789"},
		{"uc hex", "A\r\n0123456789\r\n0\r\n\r\n", "", 0, "0123456789"},
		{"two hex", "10\r\n0123456789abcdef\r\n0\r\n\r\n", "", 0, "0123456789abcdef"},
		{"with trailer", "a\r\n0123456789\r\n0\r\nTest-Trailer: testing\r\n\r\n", "", 0, "0123456789"},
		{"with trailer matching Trailer", "a\r\n0123456789\r\n0\r\nTest-Trailer: testing\r\n\r\n", "test-trailer", 0, "0123456789"},
		{"with trailer not matching Trailer", "a\r\n0123456789\r\n0\r\nTest-Trailer: testing\r\n\r\n", "not-matching", 400, ""},
		{"disallowed trailer", "a\r\n0123456789\r\n0\r\nContent-Length: 0\r\n\r\n", "Content-Length", 400, ""},
		{"chunked header comment", "a; comment\r\n0123456789\r\n0\r\n\r\n", "", 0, "0123456789"},
		{"comment on final chunk", "a\r\n0123456789\r\n0; comment\r\n\r\n", "", 0, "0123456789"},
		{"bad chunked header", "az\r\n0123456789\r\n0\r\n\r\n", "", 400, ""},
		{"mismatch chunked header size and data size", "a\r\n0123456789xxxxxxxx\r\n0\r\n\r\n", "", 400, ""},
		{"chunked header too long", "a ; " + strings.Repeat("x", 1100) + "\r\n0123456789\r\n0\r\n\r\n", "", 400, ""},
		{"stray \\r", "a;\rx\r\n0123456789\r\n0\r\n\r\n", "", 400, ""},
		{"stray \\n", "a;\nx\r\n0123456789\r\n0\r\n\r\n", "", 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := ChunkedDecoder{Trailer: tc.trailer}
			body, rest, done, st := decodeAll(&d, tc.body, nil)
			if st != tc.status {
				t.Fatalf("status %d, want %d", st, tc.status)
			}
			if st == 0 && (!done || body != tc.want || rest != "") {
				t.Errorf("body %q done %v rest %q", body, done, rest)
			}
		})
	}
}

func TestChunkedDecode(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		status int
		body   string
		rest   string
	}{
		{"empty body", "0\r\n\r\n", 0, "", ""},
		{"several chunks", "3\r\nabc\r\n1\r\nd\r\n000\r\n\r\n", 0, "abcd", ""},
		{"next request follows", "2\r\nhi\r\n0\r\n\r\nGET / HTTP/1.1\r\n", 0, "hi", "GET / HTTP/1.1\r\n"},
		{"trailers then next request", "2\r\nhi\r\n0\r\nX-A: b\r\nX-C: d\r\n\r\nNEXT", 0, "hi", "NEXT"},
		{"leading zeros", "0005\r\nhello\r\n0\r\n\r\n", 0, "hello", ""},
		{"whitespace before CRLF", "5 \t\r\nhello\r\n0\r\n\r\n", 0, "hello", ""},
		{"whitespace before extension", "5 ;a=b\r\nhello\r\n0\r\n\r\n", 0, "hello", ""},
		{"extension with quotes", "5;a=\"b c\"\r\nhello\r\n0\r\n\r\n", 0, "hello", ""},
		{"no size", "\r\nhello\r\n0\r\n\r\n", 400, "", ""},
		{"LF only size line", "5\nhello\r\n0\r\n\r\n", 400, "", ""},
		{"negative size", "-5\r\nhello\r\n0\r\n\r\n", 400, "", ""},
		{"0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", 400, "", ""},
		{"space inside size", "5 5\r\nhello\r\n0\r\n\r\n", 400, "", ""},
		{"size overflow", "fffffffffffffffff\r\nx\r\n0\r\n\r\n", 400, "", ""},
		{"data without CRLF", "5\r\nhelloX\r\n0\r\n\r\n", 400, "hello", ""},
		{"data then CR only", "5\r\nhello\rX0\r\n\r\n", 400, "hello", ""},
		{"data then LF only", "5\r\nhello\n0\r\n\r\n", 400, "hello", ""},
		{"last chunk then LF", "0\r\n\n", 400, "", ""},
		{"trailer without colon", "0\r\nX-A\r\n\r\n", 400, "", ""},
		{"trailer without value", "0\r\nX-A:\r\n\r\n", 400, "", ""},
		{"trailer with LF", "0\r\nX-A: b\n\r\n", 400, "", ""},
		{"trailer bad name", "0\r\nX A: b\r\n\r\n", 400, "", ""},
		{"trailer control in value", "0\r\nX-A: \x01\r\n\r\n", 400, "", ""},
		{"trailer obs-fold", "0\r\nX-A: b\r\n c\r\n\r\n", 400, "", ""},
		{"forbidden trailer Host", "0\r\nHost: x\r\n\r\n", 400, "", ""},
		{"forbidden trailer Trailer", "0\r\nTrailer: x\r\n\r\n", 400, "", ""},
		{"forbidden trailer Transfer-Encoding", "0\r\ntransfer-encoding: x\r\n\r\n", 400, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d ChunkedDecoder
			body, rest, done, st := decodeAll(&d, tc.in, nil)
			if st != tc.status || body != tc.body {
				t.Fatalf("status %d body %q; want %d %q", st, body, tc.status, tc.body)
			}
			if st == 0 && (!done || rest != tc.rest) {
				t.Errorf("done %v rest %q, want rest %q", done, rest, tc.rest)
			}
		})
	}
}

// TestChunkedSplit feeds bodies cut at every byte, and byte by byte.
func TestChunkedSplit(t *testing.T) {
	inputs := []struct{ in, body, rest string }{
		{"a\r\n0123456789\r\n10;x=y\r\n0123456789abcdef\r\n0\r\nTest-Trailer: testing\r\nB: c\r\n\r\nNEXT", "01234567890123456789abcdef", "NEXT"},
		{"1\r\nx\r\n0\r\n\r\n", "x", ""},
	}
	for _, tc := range inputs {
		for cut := 0; cut <= len(tc.in); cut++ {
			var d ChunkedDecoder
			body, rest, done, st := decodeAll(&d, tc.in, []int{cut})
			if st != 0 || !done || body != tc.body || rest != tc.rest {
				t.Fatalf("cut at %d: body %q rest %q done %v status %d", cut, body, rest, done, st)
			}
		}
		var cuts []int
		for i := 1; i < len(tc.in); i++ {
			cuts = append(cuts, i)
		}
		var d ChunkedDecoder
		body, rest, done, st := decodeAll(&d, tc.in, cuts)
		if st != 0 || !done || body != tc.body || rest != tc.rest {
			t.Fatalf("byte by byte: body %q rest %q done %v status %d", body, rest, done, st)
		}
	}
}

func TestChunkedLimits(t *testing.T) {
	t.Run("size line at 1023 bytes", func(t *testing.T) {
		line := "1;" + strings.Repeat("x", 1023-2-2) + "\r\n"
		var d ChunkedDecoder
		if _, _, done, st := decodeAll(&d, line+"a\r\n0\r\n\r\n", nil); st != 0 || !done {
			t.Errorf("status %d", st)
		}
		line = "1;" + strings.Repeat("x", 1024-2-2) + "\r\n"
		d.Reset()
		if _, _, _, st := decodeAll(&d, line+"a\r\n0\r\n\r\n", nil); st != 400 {
			t.Errorf("1024-byte line: status %d", st)
		}
	})
	t.Run("incomplete size line", func(t *testing.T) {
		var d ChunkedDecoder
		if n, _, st := d.Decode([]byte("1;"+strings.Repeat("x", 1021)), nil); n != 0 || st != 0 {
			t.Errorf("1023 bytes: %d %d", n, st)
		}
		if _, _, st := d.Decode([]byte("1;"+strings.Repeat("x", 1022)), nil); st != 400 {
			t.Errorf("1024 bytes without LF: %d", st)
		}
	})
	t.Run("MaxBodySize", func(t *testing.T) {
		d := ChunkedDecoder{MaxBodySize: 10}
		if _, _, done, st := decodeAll(&d, "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", nil); st != 0 || !done {
			t.Errorf("at the limit: %d", st)
		}
		d.Reset()
		body, _, _, st := decodeAll(&d, "5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", nil)
		if st != 413 || body != "hello" {
			t.Errorf("over the limit: %d %q", st, body)
		}
		d.Reset()
		if _, _, _, st := decodeAll(&d, "7fffffffffffffff\r\n", nil); st != 400 && st != 413 {
			t.Errorf("huge chunk: %d", st)
		}
	})
	t.Run("trailers at MaxFieldSize", func(t *testing.T) {
		tr := "X-A: " + strings.Repeat("v", 100-5-2) + "\r\n" // 100 bytes
		d := ChunkedDecoder{MaxFieldSize: 102}
		if _, _, done, st := decodeAll(&d, "0\r\n"+tr+"\r\n", nil); st != 0 || !done {
			t.Errorf("at the limit: %d", st)
		}
		d.Reset()
		d.MaxFieldSize = 101
		if _, _, _, st := decodeAll(&d, "0\r\n"+tr+"\r\n", nil); st != 400 {
			t.Errorf("over the limit: %d", st)
		}
		d.Reset()
		if _, _, st := d.Decode([]byte("0\r\n"+strings.Repeat("x", 102)), nil); st != 400 {
			t.Errorf("incomplete over the limit: %d", st)
		}
	})
	t.Run("done is sticky", func(t *testing.T) {
		var d ChunkedDecoder
		if n, done, st := d.Decode([]byte("0\r\n\r\nGET"), nil); n != 5 || !done || st != 0 {
			t.Fatalf("%d %v %d", n, done, st)
		}
		if n, done, st := d.Decode([]byte("GET"), nil); n != 0 || !done || st != 0 {
			t.Errorf("after done: %d %v %d", n, done, st)
		}
	})
}

func TestChunkedZeroAlloc(t *testing.T) {
	in := []byte("a\r\n0123456789\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: v\r\n\r\n")
	var d ChunkedDecoder
	total := 0
	body := func(p []byte) { total += len(p) }
	if a := testing.AllocsPerRun(100, func() {
		d.Reset()
		d.Decode(in, body)
	}); a != 0 {
		t.Errorf("%.1f allocs per Decode", a)
	}
}

package http

import (
	"bytes"
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
)

// fuzzOpts maps 15 bits to a server.http-parseopts combination, including
// ones config would never produce.
func fuzzOpts(bits uint16) *config.ParseOpts {
	b := func(i uint) bool { return bits&(1<<i) != 0 }
	return &config.ParseOpts{
		HeaderStrict: b(0), HostStrict: b(1), HostNormalize: b(2), MethodGetBody: b(3),
		URLNormalize: b(4), URLNormalizeUnreserved: b(5), URLNormalizeRequired: b(6),
		URLCtrlsReject: b(7), URLPathBackslashTrans: b(8), URLPath2FDecode: b(9),
		URLPath2FReject: b(10), URLPathDotsegRemove: b(11), URLPathDotsegReject: b(12),
		URLQuery20Plus: b(13), URLInvalidUTF8Reject: b(14),
	}
}

// defaultBits are lighttpd's defaults in fuzzOpts' encoding.
const defaultBits = 1<<0 | 1<<1 | 1<<4 | 1<<5 | 1<<7 | 1<<9 | 1<<11 | 1<<14

func FuzzParse(f *testing.F) {
	seeds := []string{
		browserGET,
		"GET / HTTP/1.0\r\n\r\n",
		"\r\nPOST /a%2e%2e/%2fb?c=%20#x HTTP/1.1\r\nHost: Example.ORG:80\r\nContent-Length: 3\r\n\r\nabc",
		"GET http://[::1]:8080/../x HTTP/1.1\r\nCookie: a\r\nCookie: b\r\nX: a\r\n  b\r\n\r\n",
		"PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT 1.2.3.4:443 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /%c0%ae%c0%ae/\\..\\%5c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: x\r\n\r\n",
		"GET ../../a HTTP/1.0\n\n",
		"GET /a?b HTTP/1.1\r\nHost: a.b.\r\nIf-None-Match: x\r\nIf-None-Match: y\r\nContent-Type: a\r\nIf-Modified-Since: b\r\nConnection: close, keep-alive\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: [::ffff:1.2.3.4]:0x50\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
		"GET /%2f%5c%2E%2e%00%7f%c3%a4%ff?q=%20%2b+#f HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET https://Ex.ORG/ HTTP/1.1\r\nHost: ex.org\r\nUpgrade: websocket\r\nConnection: upgrade\r\nHTTP2-Settings: a\r\n\r\n",
		"HEAD / HTTP/1.0\r\nX : y\r\nZ\t:w\r\n\tfold\r\n\r\n",
		"GET http://A.b?x/../y HTTP/1.2\r\nHost: other\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint16(defaultBits), uint16(8192))
		f.Add([]byte(s), uint16(0x7fff), uint16(64))
		f.Add([]byte(s), uint16(0), uint16(8192))
	}
	f.Fuzz(func(t *testing.T, buf []byte, bits uint16, max uint16) {
		opts := fuzzOpts(bits)
		maxFieldSize := int(max)
		in := bytes.Clone(buf)
		var r Request
		n, status := r.Parse(in, opts, maxFieldSize)
		if n < 0 || n > len(buf) {
			t.Fatalf("n = %d of %d bytes", n, len(buf))
		}
		switch status {
		case 0, 400, 411, 431, 501:
		default:
			t.Fatalf("status %d", status)
		}
		if !bytes.Equal(in, buf) {
			t.Fatalf("Parse modified its input")
		}
		if status != 0 {
			if r.KeepAlive || r.Chunked || r.ContentLength != -1 {
				t.Fatalf("framing left after status %d", status)
			}
			return
		}
		if n == 0 {
			return // incomplete
		}
		if n > maxFieldSize+2 {
			t.Fatalf("head of %d bytes accepted with limit %d", n, maxFieldSize)
		}
		checkPathInvariants(t, &r)
		if r.Chunked && r.ContentLength != -1 {
			t.Fatalf("chunked with Content-Length %d", r.ContentLength)
		}
		if r.Version == Version11 && r.Host == "" {
			t.Fatalf("HTTP/1.1 without Host")
		}
		if strings.ContainsAny(r.Host, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Fatalf("Host %q not lower case", r.Host)
		}
		// The Request must not alias buf.
		path, query, host, target := strings.Clone(r.Path), strings.Clone(r.Query), strings.Clone(r.Host), strings.Clone(r.Target)
		for i := range in {
			in[i] = '#'
		}
		if r.Path != path || r.Query != query || r.Host != host || r.Target != target {
			t.Fatalf("Request aliases its input")
		}
		// The head alone parses the same, and no prefix of it is complete.
		var r2 Request
		if n2, st2 := r2.Parse(buf[:n], opts, maxFieldSize); n2 != n || st2 != 0 || r2.Path != r.Path || r2.Query != r.Query {
			t.Fatalf("head alone: %d, %d, %q", n2, st2, r2.Path)
		}
		if k := n / 2; k > 0 {
			if n3, st3 := r2.Parse(buf[:k], opts, maxFieldSize); n3 != 0 || st3 != 0 {
				t.Fatalf("prefix of %d bytes: %d, %d", k, n3, st3)
			}
		}
	})
}

func FuzzParseRange(f *testing.F) {
	seeds := []string{
		"bytes=0-3", "bytes=-3", "bytes=3-", "bytes=0-1,3-4", "bytes=0-1,97-98", "bytes=0--", "bytes=-2-3",
		"bytes=-0", "bytes=25-", "0", "BYTES= 1 - 2 , 4 -", "bytes=500-600,0-10,550-700,20-30",
		"bytes=1000-1001,0-1,200-201,400-401,600-601,800-801,1200-1201,1400-1401,1600-1601,1800-1801,2000-2001",
		"bytes=-9223372036854775807,9223372036854775806-", "bytes=+1-+2,x,,",
	}
	for _, s := range seeds {
		f.Add(s, int64(100))
		f.Add(s, int64(6))
		f.Add(s, int64(1<<40))
	}
	f.Fuzz(func(t *testing.T, header string, size int64) {
		rs, ok := ParseRange(header, size, nil)
		if !ok {
			if len(rs) != 0 {
				t.Fatalf("ranges without ok")
			}
			if size > 0 && hasPrefixFold(header, "bytes=") {
				t.Fatalf("byte range set refused")
			}
			return
		}
		if size <= 0 {
			t.Fatalf("ok for size %d", size)
		}
		checkRangeInvariants(t, rs, size)
		// Appending to a non-empty dst leaves what was there.
		dst := []Range{{-1, -1}}
		rs2, _ := ParseRange(header, size, dst)
		if rs2[0] != (Range{-1, -1}) || fmtRanges(rs2[1:]) != fmtRanges(rs) {
			t.Fatalf("append differs: %s vs %s", fmtRanges(rs2[1:]), fmtRanges(rs))
		}
	})
}

func FuzzChunked(f *testing.F) {
	f.Add("a\r\n0123456789\r\n0\r\nX-T: v\r\n\r\nNEXT", uint16(5))
	f.Add("3;x=y\r\nabc\r\n0\r\n\r\n", uint16(1))
	f.Add("fffffffffffffff\r\n", uint16(3))
	f.Fuzz(func(t *testing.T, in string, cut uint16) {
		whole := ChunkedDecoder{MaxFieldSize: 256}
		b1, r1, d1, s1 := decodeAll(&whole, in, nil)
		c := int(cut) % (len(in) + 1)
		split := ChunkedDecoder{MaxFieldSize: 256}
		b2, r2, d2, s2 := decodeAll(&split, in, []int{c})
		if s1 != s2 || d1 != d2 || b1 != b2 || (s1 == 0 && r1 != r2) {
			t.Fatalf("split at %d differs: %d %v %q %q / %d %v %q %q", c, s1, d1, b1, r1, s2, d2, b2, r2)
		}
		if d1 && len(b1) > len(in) {
			t.Fatalf("body longer than input")
		}
	})
}

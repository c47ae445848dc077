package http

import (
	"testing"
	"time"
)

// BenchmarkParse parses a typical browser GET on a warm Request, as a
// keep-alive connection does for each of its requests.
func BenchmarkParse(b *testing.B) {
	opts := optsFor(b, "")
	buf := []byte(browserGET)
	var r Request
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, st := r.Parse(buf, opts, 8192); st != 0 {
			b.Fatal(st)
		}
	}
}

// BenchmarkParseNormalize parses a head whose target needs the slow path:
// escapes, dot segments and a query.
func BenchmarkParseNormalize(b *testing.B) {
	opts := optsFor(b, "")
	buf := []byte("GET /static/%7Euser/../img/caf%C3%A9%20au%20lait.png?size=large&x=%2f HTTP/1.1\r\nHost: www.example.org\r\nAccept: image/*\r\n\r\n")
	var r Request
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, st := r.Parse(buf, opts, 8192); st != 0 {
			b.Fatal(st)
		}
	}
}

// BenchmarkParseIncomplete is the cost of looking at a head that has not
// fully arrived.
func BenchmarkParseIncomplete(b *testing.B) {
	opts := optsFor(b, "")
	buf := []byte(browserGET[:len(browserGET)-3])
	var r Request
	b.ReportAllocs()
	for b.Loop() {
		if n, st := r.Parse(buf, opts, 8192); n != 0 || st != 0 {
			b.Fatal(n, st)
		}
	}
}

func BenchmarkParseRange(b *testing.B) {
	for _, bc := range []struct{ name, header string }{
		{"single", "bytes=0-1023"},
		{"multi", "bytes=0-99,1000-1999,-500"},
		{"unsorted", "bytes=9000-9100,0-10,5000-5100,20-30,7000-7001"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dst := make([]Range, 0, 16)
			b.ReportAllocs()
			for b.Loop() {
				if rs, ok := ParseRange(bc.header, 100000, dst[:0]); !ok || len(rs) == 0 {
					b.Fatal(rs, ok)
				}
			}
		})
	}
}

func BenchmarkChunkedDecode(b *testing.B) {
	in := []byte("400\r\n" + string(make([]byte, 1024)) + "\r\n400\r\n" + string(make([]byte, 1024)) + "\r\n0\r\n\r\n")
	var d ChunkedDecoder
	n := 0
	body := func(p []byte) { n += len(p) }
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		d.Reset()
		if _, done, st := d.Decode(in, body); !done || st != 0 {
			b.Fatal(done, st)
		}
	}
}

func BenchmarkAppendHTTPDate(b *testing.B) {
	buf := make([]byte, 0, 32)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendHTTPDate(buf[:0], now)
	}
}

func BenchmarkParseHTTPDate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ParseHTTPDate("Tue, 15 Jul 2025 10:00:00 GMT"); !ok {
			b.Fatal()
		}
	}
}

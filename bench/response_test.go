package bench

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// parseAll feeds stream in pieces of size step and returns the statuses of
// the responses completed and the first error.
func parseAll(stream string, step int, head bool) ([]int, error) {
	var r response
	var got []int
	p := []byte(stream)
	for len(p) > 0 {
		piece := p[:min(step, len(p))]
		p = p[len(piece):]
		for len(piece) > 0 {
			n, done, err := r.feed(piece, head)
			if err != nil {
				return got, err
			}
			piece = piece[n:]
			if done {
				got = append(got, r.status)
			}
		}
	}
	if r.eof() {
		got = append(got, r.status)
	}
	return got, nil
}

// Responses split at every byte boundary parse as they do whole.
func TestResponseFraming(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []int
		err    bool
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 404 No\r\ncontent-length:0\r\n\r\n", []int{200, 404}, false},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\nHTTP/1.1 201 C\r\nContent-Length: 1\r\n\r\nx", []int{200, 201}, false},
		{"chunked trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a=b\r\nx\r\n0\r\nT: 1\r\n\r\n", []int{200}, false},
		{"chunk data longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n", nil, true},
		{"until close", "HTTP/1.0 200 OK\r\n\r\nanything", []int{200}, false},
		{"conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx", nil, true},
		{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", nil, true},
		{"unknown coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", nil, true},
		{"header without colon", "HTTP/1.1 200 OK\r\nbogus\r\n\r\n", nil, true},
		{"no status code", "HTTP/1.1 OK\r\n\r\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, step := range []int{1, 2, 7, len(tt.stream)} {
				got, err := parseAll(tt.stream, step, false)
				if tt.err != (err != nil) || (err != nil && !errors.Is(err, errFraming)) {
					t.Fatalf("step %d: error %v, want error %v", step, err, tt.err)
				}
				if !tt.err && fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Fatalf("step %d: statuses %v, want %v", step, got, tt.want)
				}
			}
		})
	}
}

// BenchmarkResponseFeed parses keep-alive responses with a 1 KiB body as
// they arrive from a 64 KiB read; steady state must not allocate.
func BenchmarkResponseFeed(b *testing.B) {
	one := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1024\r\nDate: Thu, 03 Dec 2026 20:00:00 GMT\r\n\r\n" + strings.Repeat("x", 1024)
	buf := []byte(strings.Repeat(one, (64<<10)/len(one)))
	var r response
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		for p := buf; len(p) > 0; {
			n, _, err := r.feed(p, false)
			if err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
	}
}

package http

import (
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
)

// TestAppendHeadOwnDateServer: featherd's Date and Server headers give
// way to the handler's, as lighttpd's do; an empty value does not count.
func TestAppendHeadOwnDateServer(t *testing.T) {
	req := &Request{Version: Version11, Method: MethodGet}
	date := []byte("Thu, 03 Dec 2026 10:00:00 GMT")
	tests := []struct {
		name string
		set  func(w *Response)
		want string
	}{
		{"featherd's", func(w *Response) {},
			"HTTP/1.1 200 OK\r\nDate: Thu, 03 Dec 2026 10:00:00 GMT\r\nServer: featherd\r\n\r\n"},
		{"the handler's", func(w *Response) { w.AddHeader("server", "hidden"); w.AddHeader("DATE", "then") },
			"HTTP/1.1 200 OK\r\nserver: hidden\r\nDATE: then\r\n\r\n"},
		{"empty values do not count", func(w *Response) { w.AddHeader("Server", ""); w.AddHeader("Date", "") },
			"HTTP/1.1 200 OK\r\nDate: Thu, 03 Dec 2026 10:00:00 GMT\r\nServer: featherd\r\n\r\n"},
		{"names of the same length", func(w *Response) { w.AddHeader("Dats", "x"); w.AddHeader("Serves", "y"); w.AddHeader("Via", "z") },
			"HTTP/1.1 200 OK\r\nDats: x\r\nServes: y\r\nVia: z\r\nDate: Thu, 03 Dec 2026 10:00:00 GMT\r\nServer: featherd\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var w Response
			w.Reset()
			w.Status = 200
			w.contentLength = -1
			tc.set(&w)
			if got := string(w.AppendHead(nil, req, true, date, "featherd")); got != tc.want {
				t.Errorf("head\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// TestAcceptRangesFromModule: an Accept-Ranges a module set is kept, and
// "none" turns ranges off, as in lighttpd.
func TestAcceptRangesFromModule(t *testing.T) {
	opts := optsFor(t, "")
	var req Request
	if _, st := req.Parse([]byte("GET /f HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\n\r\n"), opts, 8192); st != 0 {
		t.Fatal(st)
	}
	o := config.Defaults("featherd-test")
	for _, tc := range []struct {
		set    string // the module's Accept-Ranges, "" for none
		status int
		want   []string
	}{
		{"", 206, []string{"bytes"}},
		{"bytes", 206, []string{"bytes"}},
		{"none", 200, []string{"none"}},
	} {
		var w Response
		w.Reset()
		w.Status = 200
		if tc.set != "" {
			w.AddHeader("Accept-Ranges", tc.set)
		}
		w.SendContent([]byte("0123456789"))
		w.Prepare(&req, &o)
		var got []string
		w.HeaderValues(func(name, value string) {
			if name == "Accept-Ranges" {
				got = append(got, value)
			}
		})
		if w.Status != tc.status || strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Accept-Ranges %q: status %d, Accept-Ranges %q; want %d, %q", tc.set, w.Status, got, tc.status, tc.want)
		}
	}
}

package http

import (
	"testing"
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

package http

import (
	"strings"
	"testing"
)

func TestStatusText(t *testing.T) {
	cases := map[int]string{
		200: "OK", 206: "Partial Content", 207: "Multi-status", 304: "Not Modified", 306: "(Unused)",
		400: "Bad Request", 411: "Length Required", 413: "Payload Too Large", 416: "Range Not Satisfiable",
		431: "Request Header Fields Too Large", 501: "Not Implemented", 505: "HTTP Version Not Supported",
		299: "", 0: "", -1: "", 600: "", 1000: "",
	}
	for code, want := range cases {
		if got := StatusText(code); got != want {
			t.Errorf("StatusText(%d) = %q, want %q", code, got, want)
		}
	}
}

// TestErrorPage checks the built-in page byte for byte against the body
// tests/request.t expects for a 416.
func TestErrorPage(t *testing.T) {
	want416 := "<!DOCTYPE html>\n" +
		"<html lang=\"en\">\n" +
		" <head>\n" +
		"  <meta charset=\"UTF-8\" />\n" +
		"  <title>416 Range Not Satisfiable</title>\n" +
		" </head>\n" +
		" <body>\n" +
		"  <h1>416 Range Not Satisfiable</h1>\n" +
		" </body>\n" +
		"</html>\n"
	cases := []struct {
		code int
		want string
	}{
		{416, want416},
		{404, strings.ReplaceAll(want416, "416 Range Not Satisfiable", "404 Not Found")},
		{400, strings.ReplaceAll(want416, "416 Range Not Satisfiable", "400 Bad Request")},
		{431, strings.ReplaceAll(want416, "416 Range Not Satisfiable", "431 Request Header Fields Too Large")},
		{503, strings.ReplaceAll(want416, "416 Range Not Satisfiable", "503 Service Unavailable")},
		{599, strings.ReplaceAll(want416, "416 Range Not Satisfiable", "599 ")},
		{200, strings.ReplaceAll(want416, "416 Range Not Satisfiable", "200 OK")},
	}
	for _, tc := range cases {
		if got := string(ErrorPage(tc.code)); got != tc.want {
			t.Errorf("ErrorPage(%d):\n%s\nwant:\n%s", tc.code, got, tc.want)
		}
	}
	if a := testing.AllocsPerRun(10, func() { ErrorPage(404) }); a != 0 {
		t.Errorf("ErrorPage(404) allocates %.1f", a)
	}
}

func TestAppendStatus(t *testing.T) {
	if got := string(AppendStatus([]byte("HTTP/1.1 "), 404)); got != "HTTP/1.1 404 Not Found" {
		t.Errorf("got %q", got)
	}
	if got := string(AppendStatus(nil, 299)); got != "299 " {
		t.Errorf("got %q", got)
	}
}

func TestMethodString(t *testing.T) {
	for m := MethodUnknown + 1; m < methodCount; m++ {
		name := m.String()
		if name == "" || lookupMethod([]byte(name)) != m {
			t.Errorf("method %d: %q does not round-trip", m, name)
		}
	}
	if MethodUnknown.String() != "" || Method(200).String() != "" {
		t.Errorf("unknown methods have names")
	}
	for _, bad := range []string{"", "get", "GETS", "PRI", "G", "Get", "PROPFIND "} {
		if lookupMethod([]byte(bad)) != MethodUnknown {
			t.Errorf("%q is a method", bad)
		}
	}
	if Version11.String() != "HTTP/1.1" || Version10.String() != "HTTP/1.0" || VersionUnknown.String() != "HTTP/1.0" {
		t.Errorf("version strings")
	}
}

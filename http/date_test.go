package http

import (
	"testing"
	"time"
)

func TestAppendHTTPDate(t *testing.T) {
	cases := []struct {
		t    time.Time
		want string
	}{
		{time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC), "Sun, 06 Nov 1994 08:49:37 GMT"},
		{time.Date(2036, 1, 1, 0, 0, 2, 999, time.UTC), "Tue, 01 Jan 2036 00:00:02 GMT"},
		{time.Date(2025, 7, 15, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600)), "Tue, 15 Jul 2025 10:00:00 GMT"},
		{time.Unix(0, 0), "Thu, 01 Jan 1970 00:00:00 GMT"},
		{time.Date(2000, 2, 29, 23, 59, 59, 0, time.UTC), "Tue, 29 Feb 2000 23:59:59 GMT"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			got := string(AppendHTTPDate([]byte("x"), tc.t))
			if got != "x"+tc.want {
				t.Errorf("got %q", got)
			}
			if tc.t.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT") != tc.want {
				t.Errorf("disagrees with time.Format")
			}
		})
	}
	buf := make([]byte, 0, 64)
	now := time.Now()
	if a := testing.AllocsPerRun(100, func() { AppendHTTPDate(buf[:0], now) }); a != 0 {
		t.Errorf("%.1f allocs", a)
	}
}

func TestParseHTTPDate(t *testing.T) {
	ref := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)
	cases := []struct {
		in   string
		ok   bool
		want time.Time
	}{
		{"Sun, 06 Nov 1994 08:49:37 GMT", true, ref},
		{"Sunday, 06-Nov-94 08:49:37 GMT", true, ref},
		{"Sun Nov  6 08:49:37 1994", true, ref},
		{"Sun Nov 06 08:49:37 1994", true, ref},
		{"Mon, 06 Nov 1994 08:49:37 GMT", true, ref}, // the week day is not checked
		{"Sun, 01 Jan 2036 00:00:02 GMT", true, time.Date(2036, 1, 1, 0, 0, 2, 0, time.UTC)},
		{"Thu, 31 Dec 1999 23:59:60 GMT", true, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}, // normalised as timegm
		{"Sun, 06 Nov 1994 08:49:37 UTC", false, time.Time{}},
		{"Sun, 06 Nov 1994 08:49:37 GMT ", false, time.Time{}},
		{"sun, 06 Nov 1994 08:49:37 GMT", false, time.Time{}},
		{"Sun, 06 nov 1994 08:49:37 GMT", false, time.Time{}},
		{"Sun, 6 Nov 1994 08:49:37 GMT", false, time.Time{}},
		{"Sun, 06 Nov 94 08:49:37 GMT", false, time.Time{}},
		{"Sun, 06 Nov 1994 08.49.37 GMT", false, time.Time{}},
		{"Sun, 06 Xyz 1994 08:49:37 GMT", false, time.Time{}},
		{"Xyz, 06 Nov 1994 08:49:37 GMT", false, time.Time{}},
		{"Sunday, 06-Nov-1994 08:49:37 GMT", false, time.Time{}},
		{"Sunday, 06 Nov 94 08:49:37 GMT", false, time.Time{}},
		{"Sun Nov  6 08:49:37 1994 ", false, time.Time{}},
		{"Sun Nov x6 08:49:37 1994", false, time.Time{}},
		{"", false, time.Time{}},
		{"12345", false, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseHTTPDate(tc.in)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("ParseHTTPDate(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
	t.Run("round trip", func(t *testing.T) {
		for ts := int64(-1e10); ts < 2e10; ts += 123456789 {
			tm := time.Unix(ts, 0).UTC()
			if tm.Year() < 0 || tm.Year() > 9999 {
				continue
			}
			got, ok := ParseHTTPDate(string(AppendHTTPDate(nil, tm)))
			if !ok || !got.Equal(tm) {
				t.Fatalf("%v: %v %v", tm, got, ok)
			}
		}
	})
}

func TestRFC850Year(t *testing.T) {
	cases := []struct{ yy, now, want int }{
		{94, 2026, 1994},
		{26, 2026, 2026},
		{76, 2026, 2076},
		{77, 2026, 1977},
		{0, 2099, 2100},
		{49, 2099, 2149},
		{50, 2099, 2050},
		{99, 2000, 1999},
		{50, 2000, 2050},
		{51, 2000, 1951},
	}
	for _, tc := range cases {
		if got := rfc850Year(tc.yy, tc.now); got != tc.want {
			t.Errorf("rfc850Year(%d, %d) = %d, want %d", tc.yy, tc.now, got, tc.want)
		}
	}
}

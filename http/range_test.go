package http

import (
	"fmt"
	"strings"
	"testing"
)

func fmtRanges(rs []Range) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d-%d", r.Start, r.End)
	}
	return b.String()
}

func TestParseRange(t *testing.T) {
	many := func(n, step, width int) string {
		var b strings.Builder
		b.WriteString("bytes=")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%d-%d", i*step, i*step+width)
		}
		return b.String()
	}
	manyRanges := func(n, step, width int) string {
		var parts []string
		for i := 0; i < n; i++ {
			parts = append(parts, fmt.Sprintf("%d-%d", i*step, i*step+width))
		}
		return strings.Join(parts, ",")
	}
	cases := []struct {
		name   string
		header string
		size   int64
		ok     bool
		want   string // "" with ok means 416
	}{
		// tests/request.t, on the 6-byte "12345\n" and the 100-byte 100.txt
		{"0-3", "bytes=0-3", 6, true, "0-3"},
		{"-3", "bytes=-3", 6, true, "3-5"},
		{"3-", "bytes=3-", 6, true, "3-5"},
		{"0-1,3-4 merged", "bytes=0-1,3-4", 6, true, "0-4"},
		{"0-1,97-98 not merged", "bytes=0-1,97-98", 100, true, "0-1,97-98"},
		{"0-", "bytes=0-", 6, true, "0-5"},
		{"0--", "bytes=0--", 6, true, ""},
		{"-2-3", "bytes=-2-3", 6, true, ""},
		{"-0", "bytes=-0", 6, true, ""},
		{"start out of range", "bytes=25-", 6, true, ""},
		{"invalid range-unit (first)", "0, bytes=0-3", 6, false, ""},
		{"ignore invalid range (second)", "bytes=0-3, 0", 6, true, "0-3"},

		{"not bytes", "items=0-3", 6, false, ""},
		{"bytes without =", "bytes 0-3", 6, false, ""},
		{"case-insensitive unit", "BYTES=0-3", 6, true, "0-3"},
		{"empty set", "bytes=", 6, true, ""},
		{"empty body", "bytes=0-3", 0, false, ""},
		{"end clamped", "bytes=2-100", 6, true, "2-5"},
		{"suffix longer than body", "bytes=-100", 6, true, "0-5"},
		{"end before start", "bytes=3-2", 6, true, ""},
		{"single byte", "bytes=5-5", 6, true, "5-5"},
		{"whitespace", "bytes= 1 - 2 , 400 -\t", 1000, true, "1-2,400-999"},
		{"plus signs", "bytes=+1-+2", 100, true, "1-2"},
		{"-0-5 is 0-5", "bytes=-0-5", 100, true, "0-5"},
		{"0--0 is 0-0", "bytes=0--0", 100, true, "0-0"},
		{"garbage after", "bytes=0-3x", 100, true, ""},
		{"garbage between", "bytes=0-3 4-5", 100, true, ""},
		{"skip invalid keep valid", "bytes=x,5-6,-,900-", 1000, true, "5-6,900-999"},
		{"empty elements", "bytes=,,0-1,,", 100, true, "0-1"},
		{"overflow start", "bytes=99999999999999999999-", 100, true, ""},
		{"overflow end", "bytes=0-99999999999999999999", 100, true, ""},
		{"max int64 start", "bytes=9223372036854775807-", 1 << 62, true, ""},
		{"max int64 suffix", "bytes=-9223372036854775807", 100, true, "0-99"},
		{"min int64 suffix", "bytes=-9223372036854775808", 100, true, ""},
		{"overlapping sorted merged", "bytes=0-10,5-20,15-30", 1000, true, "0-30"},
		{"gap of 79 merged", "bytes=0-9,89-99", 1000, true, "0-99"},
		{"gap of 80 kept", "bytes=0-9,90-99", 1000, true, "0-9,90-99"},
		{"contained range", "bytes=0-100,10-20", 1000, true, "0-100"},
		{"same start", "bytes=10-20,10-15", 1000, true, "10-20"},
		{"unsorted kept in order", "bytes=500-600,0-10", 1000, true, "500-600,0-10"},
		{"unsorted coalesced", "bytes=500-600,0-10,550-700,20-30", 1000, true, "500-700,0-30"},
		{"unsorted chain", "bytes=300-310,0-10,200-210,100-110", 1000, true, "300-310,0-10,200-210,100-110"},
		{"unsorted chain closes", "bytes=300-310,0-10,200-250,100-150,150-200,250-300", 1000, true, "100-310,0-10"},
		{"128 sorted ranges", many(128, 200, 10), 100000, true, manyRanges(128, 200, 10)},
		{"more than 128 sorted ranges", many(140, 200, 10), 100000, true, manyRanges(128, 200, 10)},
		{"many adjacent ranges merged", many(1000, 20, 10), 100000, true, "0-19990"},
		{"11 sorted then unsorted: unsorted dropped", many(11, 200, 10) + ",0-5", 100000, true, manyRanges(11, 200, 10)},
		{"unsorted limited to 10", "bytes=1000-1001,0-1,200-201,400-401,600-601,800-801,1200-1201,1400-1401,1600-1601,1800-1801,2000-2001,2200-2201", 100000, true,
			"1000-1001,0-1,200-201,400-401,600-601,800-801,1200-1201,1400-1401,1600-1601,1800-1801"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs, ok := ParseRange(tc.header, tc.size, nil)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if got := fmtRanges(rs); ok && got != tc.want {
				t.Errorf("ranges %s, want %s", got, tc.want)
			}
			checkRangeInvariants(t, rs, tc.size)
		})
	}
}

// checkRangeInvariants asserts what every result of ParseRange holds:
// ranges inside the representation, at most 128 of them, and no two that
// overlap or lie closer than 80 bytes.
func checkRangeInvariants(t testing.TB, rs []Range, size int64) {
	t.Helper()
	if len(rs) > maxRanges {
		t.Errorf("%d ranges", len(rs))
	}
	for i, r := range rs {
		if r.Start < 0 || r.Start > r.End || r.End >= size {
			t.Errorf("range %d-%d outside 0..%d", r.Start, r.End, size-1)
		}
		for _, o := range rs[i+1:] {
			a, b := r, o
			if a.Start > b.Start {
				a, b = b, a
			}
			if a.End >= b.Start-rangeGap {
				t.Errorf("ranges %d-%d and %d-%d should have been merged", r.Start, r.End, o.Start, o.End)
			}
		}
	}
}

func TestParseRangeAppends(t *testing.T) {
	dst := make([]Range, 1, 8)
	dst[0] = Range{7, 7}
	rs, ok := ParseRange("bytes=500-600,0-10,550-700", 1000, dst)
	if !ok || fmtRanges(rs) != "7-7,500-700,0-10" {
		t.Errorf("got %s", fmtRanges(rs))
	}
	if a := testing.AllocsPerRun(100, func() { ParseRange("bytes=0-1,97-98,-5", 1000, dst[:0]) }); a != 0 {
		t.Errorf("%.1f allocs", a)
	}
}

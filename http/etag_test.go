package http

import "testing"

func TestETagMatches(t *testing.T) {
	cases := []struct {
		list, etag string
		weakOK     bool
		want       bool
	}{
		{`*`, `"123"`, false, true},
		{`*`, ``, false, true},
		{`"123"`, ``, true, false},
		{`"123"`, `"123"`, false, true},
		{`"123"`, `"1234"`, true, false},
		{`"1234"`, `"123"`, true, false},
		{`"abc", "123"`, `"123"`, false, true},
		{`"abc" , "123" ,`, `"123"`, false, true},
		{`"abc","123"`, `"123"`, false, true},
		{"\t\"abc\",\t\"123\"\t", `"123"`, false, true},
		{`"abc", "12"`, `"123"`, false, false},
		{`W/"123"`, `"123"`, true, true},
		{`W/"123"`, `"123"`, false, false},
		{`"123"`, `W/"123"`, true, true},
		{`"123"`, `W/"123"`, false, false},
		{`W/"123"`, `W/"123"`, true, true},
		{`"abc", *`, `"123"`, false, true},
		{`"abc", *x`, `"123"`, false, false},
		{`"123"x`, `"123"`, false, false},
		{`x"123"`, `"123"`, false, false},
		{``, `"123"`, true, false},
		{`,,,`, `"123"`, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.list+"|"+tc.etag, func(t *testing.T) {
			if got := ETagMatches(tc.list, tc.etag, tc.weakOK); got != tc.want {
				t.Errorf("ETagMatches(%q, %q, %v) = %v", tc.list, tc.etag, tc.weakOK, got)
			}
		})
	}
}

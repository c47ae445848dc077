package expire

import "testing"

// TestParseSpec: the time specifications lighttpd accepts, and the
// seconds they mean.
func TestParseSpec(t *testing.T) {
	const day = 24 * 3600
	for _, tc := range []struct {
		spec         string
		modification bool
		offset       int64
	}{
		{"access plus 1 years", false, 365 * day},
		{"access plus 1 year", false, 365 * day},
		{"access plus 2 months", false, 60 * day},
		{"access plus 1 month", false, 30 * day},
		{"access plus 3 weeks", false, 21 * day},
		{"access plus 1 week", false, 7 * day},
		{"access plus 2 days", false, 2 * day},
		{"access plus 1 day", false, day},
		{"access plus 4 hours", false, 4 * 3600},
		{"access plus 1 hour", false, 3600},
		{"access plus 5 minutes", false, 300},
		{"access plus 1 minute", false, 60},
		{"access plus 5 mins", false, 300},
		{"access plus 1 min", false, 60},
		{"access plus 30 seconds", false, 30},
		{"access plus 1 second", false, 1},
		{"access plus 30 secs", false, 30},
		{"access plus 1 sec", false, 1},
		{"access 1 hours", false, 3600},   // "plus" is optional
		{"now plus 1 hours", false, 3600}, // "now" is "access"
		{"modification plus 2 days 3 minutes", true, 2*day + 180},
		{"modification 1 hours", true, 3600},
		{"access plus 1 days 2 hours 3 minutes 4 seconds", false, day + 7200 + 180 + 4},
		{"access plus 1hour", false, 3600},           // no space needed
		{"access plus 1 hour2 minutes", false, 3720}, // nor between pairs
		{"access plus  \t1 hours  ", false, 3600},    // strtol skips white space
		{"access plus hours", false, 0},              // a missing number is 0
		{"access plus +2 hours", false, 7200},
		{"access plus -1 hours", false, -3600}, // lighttpd takes it too
		{"access plus 0 seconds", false, 0},
		{"access plus 100 years", false, 100 * 365 * day},
	} {
		sp, err := parseSpec(tc.spec)
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if sp.modification != tc.modification || sp.offset != tc.offset {
			t.Errorf("%q = modification %v, %d s; want %v, %d s", tc.spec, sp.modification, sp.offset, tc.modification, tc.offset)
		}
	}
}

// TestParseSpecErrors: what lighttpd refuses, and what is too far away
// to make an HTTP-date of.
func TestParseSpecErrors(t *testing.T) {
	const units = "expected a number followed by years, months, weeks, days, hours, minutes or seconds, found "
	for _, tc := range []struct{ spec, err string }{
		{"", `it must start with "access ", "now " or "modification "`},
		{"access", `it must start with "access ", "now " or "modification "`},
		{"Access plus 1 hours", `it must start with "access ", "now " or "modification "`},
		{"later plus 1 hours", `it must start with "access ", "now " or "modification "`},
		{"access ", units + "the end"},
		{"access plus", units + `"plus"`},
		{"access plus 1", units + "the end"},
		{"access plus 1 fortnight", units + `"fortnight"`},
		{"access plus 1 Hours", units + `"Hours"`},
		{"access plus 1 hoursx", units + `"x"`},
		{"access plus 1 hourss", units + `"s"`},
		{"access plus 1 hours 5", units + "the end"},
		{"access plus 1 hours, 5 minutes", units + `","`},
		{"access plus \t1 hours", ""}, // strtol's white space, not a missing number
		{"access plus \thours", units + `"\thours"`},
		{"access plus 5001 years", "the time is more than 5000 years away"},
		{"access plus 99999999999999999999 seconds", "the time is more than 5000 years away"},
		{"access plus 5000 years 5000 years", "the time is more than 5000 years away"},
	} {
		_, err := parseSpec(tc.spec)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.err {
			t.Errorf("%q: error %q, want %q", tc.spec, got, tc.err)
		}
	}
}

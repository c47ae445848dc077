package expire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// spec is one parsed time specification, "access plus 1 hours" or
// "modification plus 2 days 3 minutes" (lighttpd's
// mod_expire_get_offset). It is immutable and shared by every loop.
type spec struct {
	// modification counts offset from the file's mtime rather than from
	// the time of the request ("access" or "now").
	modification bool
	offset       int64 // seconds
	// maxAge is the Cache-Control value of an access spec, which is the
	// same for every request.
	maxAge string
}

// units are lighttpd's, tried in this order: the longest match first,
// each optionally followed by an 's'.
var units = [...]struct {
	name    string
	seconds int64
}{
	{"year", 365 * 24 * 3600},
	{"month", 30 * 24 * 3600},
	{"week", 7 * 24 * 3600},
	{"day", 24 * 3600},
	{"hour", 3600},
	{"minute", 60},
	{"min", 60},
	{"second", 1},
	{"sec", 1},
}

// maxOffset bounds a spec's offset, so that the dates it gives stay
// within the four-digit years of an HTTP-date.
const maxOffset = 5000 * 365 * 24 * 3600

// parseSpec parses "(access|now|modification) [plus] {<num> <unit>}…" as
// lighttpd does: the word and "plus" must each be followed by a space;
// a number may be signed, may touch its unit and, left out, counts as 0;
// a unit may be plural; at least one unit is required.
func parseSpec(s string) (*spec, error) {
	sp := &spec{}
	rest, ok := strings.CutPrefix(s, "access ")
	if !ok {
		rest, ok = strings.CutPrefix(s, "now ")
	}
	if !ok {
		rest, ok = strings.CutPrefix(s, "modification ")
		sp.modification = ok
	}
	if !ok {
		return nil, errors.New(`it must start with "access ", "now " or "modification "`)
	}
	rest, _ = strings.CutPrefix(rest, "plus ")
	for {
		num, r, err := leadingInt(rest)
		if err != nil {
			return nil, err
		}
		rest = strings.TrimLeft(r, " ")
		i := 0
		for i < len(units) && !strings.HasPrefix(rest, units[i].name) {
			i++
		}
		if i == len(units) {
			found := "the end"
			if rest != "" {
				found = strconv.Quote(word(rest))
			}
			return nil, fmt.Errorf("expected a number followed by years, months, weeks, days, hours, minutes or seconds, found %s", found)
		}
		if num > maxOffset/units[i].seconds || num < -maxOffset/units[i].seconds {
			return nil, errTooFar
		}
		sp.offset += num * units[i].seconds
		if sp.offset > maxOffset || sp.offset < -maxOffset {
			return nil, errTooFar
		}
		rest = rest[len(units[i].name):]
		rest, _ = strings.CutPrefix(rest, "s")
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
	}
	if !sp.modification {
		sp.maxAge = "max-age=" + strconv.FormatInt(sp.offset, 10)
	}
	return sp, nil
}

var errTooFar = errors.New("the time is more than 5000 years away")

// leadingInt reads a number as C's strtol does: white space, a sign,
// digits. Without digits it is 0 and nothing is consumed.
func leadingInt(s string) (int64, string, error) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == digits {
		return 0, s, nil
	}
	n, err := strconv.ParseInt(s[start:i], 10, 64)
	if err != nil {
		return 0, s, errTooFar
	}
	return n, s[i:], nil
}

// word returns what a message quotes of an unknown unit: up to the next
// space.
func word(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

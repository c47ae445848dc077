package http

import "time"

const (
	dayNames   = "SunMonTueWedThuFriSat"
	monthNames = "JanFebMarAprMayJunJulAugSepOctNovDec"
)

// AppendHTTPDate appends t in IMF-fixdate form, "Sun, 06 Nov 1994 08:49:37
// GMT" (RFC 9110 §5.6.7), converted to UTC; the year must be 0…9999. It
// allocates nothing when dst has 29 bytes to spare.
func AppendHTTPDate(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	wd := int(t.Weekday()) * 3
	mo := (int(month) - 1) * 3
	return append(dst,
		dayNames[wd], dayNames[wd+1], dayNames[wd+2], ',', ' ',
		byte('0'+day/10), byte('0'+day%10), ' ',
		monthNames[mo], monthNames[mo+1], monthNames[mo+2], ' ',
		byte('0'+year/1000%10), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), ' ',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), ' ', 'G', 'M', 'T')
}

// ParseHTTPDate parses an HTTP-date in any of the three forms a recipient
// must accept (RFC 9110 §5.6.7), told apart by length as lighttpd's
// http_date.c does:
//
//	Sun, 06 Nov 1994 08:49:37 GMT   IMF-fixdate (29 bytes)
//	Sunday, 06-Nov-94 08:49:37 GMT  RFC 850 (longer)
//	Sun Nov  6 08:49:37 1994        asctime (shorter)
//
// Names are case-sensitive and the week day is not checked against the
// date; out-of-range fields are normalised as timegm does. An RFC 850
// two-digit year is the one at most 50 years ahead of the current year
// (RFC 9110 §5.6.7). Unlike lighttpd, trailing bytes make the date invalid.
func ParseHTTPDate(s string) (time.Time, bool) {
	var year, month, day, hour, minute, sec int
	switch {
	case len(s) == 29: // Sun, 06 Nov 1994 08:49:37 GMT
		if indexName(dayNames, s[0:3]) < 0 || s[3] != ',' || s[4] != ' ' ||
			!digits2(s[5:7], &day) || s[7] != ' ' ||
			!monthAt(s[8:11], &month) || s[11] != ' ' ||
			!digits4(s[12:16], &year) || s[16] != ' ' ||
			!clockAt(s[17:25], &hour, &minute, &sec) || s[25:29] != " GMT" {
			return time.Time{}, false
		}
	case len(s) > 29: // Sunday, 06-Nov-94 08:49:37 GMT
		if len(s) < 3 || indexName(dayNames, s[0:3]) < 0 {
			return time.Time{}, false
		}
		c := indexByteString(s, ',')
		if c < 0 || len(s)-c != 24 {
			return time.Time{}, false
		}
		r := s[c:] // ", 06-Nov-94 08:49:37 GMT"
		var yy int
		if r[1] != ' ' || !digits2(r[2:4], &day) || r[4] != '-' ||
			!monthAt(r[5:8], &month) || r[8] != '-' || !digits2(r[9:11], &yy) ||
			r[11] != ' ' || !clockAt(r[12:20], &hour, &minute, &sec) || r[20:24] != " GMT" {
			return time.Time{}, false
		}
		year = rfc850Year(yy, time.Now().UTC().Year())
	case len(s) == 24: // Sun Nov  6 08:49:37 1994
		if indexName(dayNames, s[0:3]) < 0 || s[3] != ' ' ||
			!monthAt(s[4:7], &month) || s[7] != ' ' {
			return time.Time{}, false
		}
		if s[8] == ' ' {
			if !isDigit(s[9]) {
				return time.Time{}, false
			}
			day = int(s[9] - '0')
		} else if !digits2(s[8:10], &day) {
			return time.Time{}, false
		}
		if s[10] != ' ' || !clockAt(s[11:19], &hour, &minute, &sec) || s[19] != ' ' ||
			!digits4(s[20:24], &year) {
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
}

// rfc850Year expands a two-digit year to the one within 50 years ahead of
// now or 49 behind. (lighttpd only looks in the current and the previous
// century, which goes wrong in a century's second half.)
func rfc850Year(yy, now int) int {
	y := now - now%100 + yy
	switch {
	case y > now+50:
		y -= 100
	case y+100 <= now+50:
		y += 100
	}
	return y
}

// indexName returns the index of the 3-letter name in names, -1 if absent.
func indexName(names, s string) int {
	for i := 0; i+3 <= len(names); i += 3 {
		if names[i:i+3] == s {
			return i / 3
		}
	}
	return -1
}

func monthAt(s string, month *int) bool {
	i := indexName(monthNames, s)
	*month = i + 1
	return i >= 0
}

func digits2(s string, v *int) bool {
	if !isDigit(s[0]) || !isDigit(s[1]) {
		return false
	}
	*v = int(s[0]-'0')*10 + int(s[1]-'0')
	return true
}

func digits4(s string, v *int) bool {
	var hi, lo int
	if !digits2(s[0:2], &hi) || !digits2(s[2:4], &lo) {
		return false
	}
	*v = hi*100 + lo
	return true
}

// clockAt reads "hh:mm:ss".
func clockAt(s string, h, m, sec *int) bool {
	return digits2(s[0:2], h) && s[2] == ':' && digits2(s[3:5], m) && s[5] == ':' && digits2(s[6:8], sec)
}

package http

// Range is one byte range of a representation: Start and End are offsets
// of the first and the last byte (End is inclusive), 0 <= Start <= End.
type Range struct{ Start, End int64 }

const (
	// maxRanges bounds the ranges honoured in one Range header; more are
	// ignored (lighttpd's RMAX).
	maxRanges = 128
	// maxUnsortedRanges bounds a set whose ranges are not in ascending
	// order, which costs quadratic time to coalesce (RMAX_UNSORTED).
	maxUnsortedRanges = 10
	// rangeGap is the gap below which two ranges are sent as one: the
	// overhead of a multipart part is about that size (RFC 9110 §14.6).
	rangeGap = 80
)

// ParseRange parses a Range header for a representation of size bytes with
// lighttpd's rules (http_range.c) and appends the ranges to serve to dst,
// allocating nothing when dst has room for them.
//
// ok is false when the header is not a byte range set ("bytes=" prefix,
// ASCII case-insensitive) or size is 0: the Range is ignored and the
// response is a full 200. Otherwise each range-spec "a-b", "a-" or "-n"
// (whitespace allowed around numbers) is clamped to the representation;
// specs that are malformed, start at or beyond size, or are "-0" are
// skipped. ok with no ranges means 416. At most 128 ranges are read; while
// ranges come in ascending order, one closer than 80 bytes to the previous
// (or overlapping it) is merged into it; once one comes out of order, at
// most 10 are kept and then every pair that overlaps or is closer than 80
// bytes is coalesced, the rest keeping the client's order.
func ParseRange(header string, size int64, dst []Range) (ranges []Range, ok bool) {
	if size <= 0 || !hasPrefixFold(header, "bytes=") {
		return dst, false
	}
	s := header[len("bytes="):]
	base := len(dst)
	limit := maxRanges
	for {
		r, rest, valid := parseRangeSpec(s, size)
		s = rest
		if valid {
			dst = append(dst, r)
			if n := len(dst) - base; n >= 2 {
				prev := &dst[len(dst)-2]
				if prev.Start <= r.Start {
					if prev.End >= r.Start-rangeGap {
						if prev.End < r.End {
							prev.End = r.End
						}
						dst = dst[:len(dst)-1]
					}
				} else {
					if n > maxUnsortedRanges {
						dst = dst[:len(dst)-1]
						break
					}
					limit = maxUnsortedRanges
				}
			}
		} else {
			for len(s) > 0 && s[0] != ',' {
				s = s[1:]
			}
		}
		if len(s) == 0 || len(dst)-base >= limit {
			break
		}
		s = s[1:] // the ','
	}
	if limit == maxUnsortedRanges && len(dst)-base > 1 {
		dst = dst[:base+coalesceRanges(dst[base:])]
	}
	return dst, true
}

// parseRangeSpec reads one range-spec at the start of s and returns the
// rest of s, which starts at ',' or is empty when the spec is valid.
func parseRangeSpec(s string, size int64) (r Range, rest string, valid bool) {
	first, s, neg, ok := parseRangeNumber(s)
	switch {
	case !ok:
		return r, s, false
	case neg:
		// "-n": the last n bytes ("-0" reads as 0 and is not a suffix).
		if first >= size {
			r.Start = 0
		} else {
			r.Start = size - first
		}
		r.End = size - 1
	default:
		if first >= size {
			return r, s, false
		}
		r.Start = first
		s = trimRangeSpace(s)
		if len(s) == 0 || s[0] != '-' {
			return r, s, false
		}
		last, rest, negLast, ok := parseRangeNumber(s[1:])
		switch {
		case len(rest) == len(s)-1:
			r.End = size - 1 // "a-": no digits were read
			s = rest
		case !ok || negLast || last < first:
			return r, rest, false
		default:
			r.End = min(last, size-1)
			s = rest
		}
	}
	s = trimRangeSpace(s)
	if len(s) > 0 && s[0] != ',' {
		return r, s, false
	}
	return r, s, true
}

// parseRangeNumber reads an integer as strtoll does (leading whitespace,
// optional sign, decimal digits) and returns its magnitude, the rest of s
// (s itself when there are no digits), and whether it was negative. ok is
// false without digits or on overflow.
func parseRangeNumber(s string) (n int64, rest string, neg bool, ok bool) {
	i := 0
	for i < len(s) && isRangeSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	overflow := false
	for i < len(s) && isDigit(s[i]) {
		d := int64(s[i] - '0')
		if n > (1<<63-1-d)/10 {
			overflow = true
		} else {
			n = n*10 + d
		}
		i++
	}
	if i == start {
		return 0, s, false, false
	}
	if neg && n == 0 {
		neg = false // "-0" is zero, not a suffix length
	}
	// strtoll saturates; lighttpd refuses the saturated values, and so a
	// positive value of exactly 1<<63-1 too.
	return n, s[i:], neg, !overflow && (neg || n != 1<<63-1)
}

// isRangeSpace is C's isspace, which strtoll skips.
func isRangeSpace(c byte) bool { return c == ' ' || c-'\t' < 5 }

func trimRangeSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

// coalesceRanges merges, in place, every pair of ranges that overlap or lie
// closer than 80 bytes, keeping the first one's place, until no pair does;
// it returns the new count. The set is at most 10 ranges, so the
// quadratic rescan is cheap.
func coalesceRanges(r []Range) int {
	n := len(r)
	for i := 0; i+1 < n; i++ {
		for j := i + 1; j < n; j++ {
			a, b := r[i], r[j]
			if a.Start <= b.Start {
				if a.End < b.Start-rangeGap {
					continue
				}
			} else if b.End < a.Start-rangeGap {
				continue
			}
			r[i] = Range{min(a.Start, b.Start), max(a.End, b.End)}
			copy(r[j:], r[j+1:n])
			n--
			i = -1 // start over: the grown range may now reach others
			break
		}
	}
	return n
}

package keyvalue

// With url-normalize on (server.http-parseopts; lighttpd's default), the
// targets rules are matched against are normalised: escapes in upper-case
// hex, bytes above 0x7F escaped. lighttpd normalises the rules the same
// way when it loads them (pcre_keyvalue_burl_normalize_key and _value),
// so that "%c3%a9" or "é" in a rule matches what a client sent either
// way. It leaves the rest alone: a regex's metacharacters cannot be told
// from the URL's own.

// normalizeKey upper-cases the hex of each %XX escape in a regex and
// escapes the bytes above 0x7F.
func normalizeKey(k string) string {
	return normalize(k, "%")
}

// normalizeValue does the same to a substitution, where a literal '%' is
// written "%%": "%%xx" gets upper-case hex, and a byte above 0x7F becomes
// "%%XX".
func normalizeValue(v string) string {
	return normalize(v, "%%")
}

func normalize(s, esc string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c > 0x7F:
			if b == nil {
				b = append(make([]byte, 0, len(s)+8), s[:i]...)
			}
			b = append(b, esc...)
			b = append(b, upperHex[c>>4], upperHex[c&15])
			continue
		case c == '%' && hasEscape(s, i, esc):
			j := i + len(esc)
			if b == nil && (s[j] >= 'a' || s[j+1] >= 'a') {
				b = append(make([]byte, 0, len(s)+8), s[:i]...)
			}
			if b != nil {
				b = append(b, esc...)
				b = append(b, upperHexDigit(s[j]), upperHexDigit(s[j+1]))
			}
			i = j + 1
			continue
		}
		if b != nil {
			b = append(b, c)
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}

// hasEscape reports esc followed by two hex digits at s[i:].
func hasEscape(s string, i int, esc string) bool {
	j := i + len(esc)
	return j+1 < len(s) && s[i:j] == esc && isHexDigit(s[j]) && isHexDigit(s[j+1])
}

func upperHexDigit(c byte) byte {
	if c >= 'a' && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

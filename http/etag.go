package http

// ETagMatches reports whether the entity-tag list of an If-None-Match or
// If-Match header matches etag, with lighttpd's rules (http_etag.c): "*"
// matches any representation; otherwise list elements, separated by
// commas and whitespace, are compared byte for byte with etag. With weakOK
// (weak comparison, If-None-Match without Range) a "W/" prefix on either
// side is ignored; without it a weak tag never matches. An empty etag
// matches only "*". Quoted strings are not parsed, so a comma inside an
// entity-tag splits it, as in lighttpd.
func ETagMatches(list, etag string, weakOK bool) bool {
	if list == "*" {
		return true
	}
	if etag == "" {
		return false
	}
	if len(etag) >= 2 && etag[0] == 'W' && etag[1] == '/' {
		if !weakOK {
			return false
		}
		etag = etag[2:]
	}
	s := list
	for len(s) > 0 {
		for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == ',') {
			s = s[1:]
		}
		candidate := true
		if len(s) >= 2 && s[0] == 'W' && s[1] == '/' {
			s = s[2:]
			candidate = weakOK
		}
		if candidate {
			n := 0
			if len(s) > 0 && s[0] == '*' {
				n = 1
			} else if len(s) >= len(etag) && s[:len(etag)] == etag {
				n = len(etag)
			}
			if n > 0 && (n == len(s) || s[n] == ' ' || s[n] == '\t' || s[n] == ',') {
				return true
			}
		}
		for len(s) > 0 && s[0] != ',' {
			s = s[1:]
		}
	}
	return false
}

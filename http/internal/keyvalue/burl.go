package keyvalue

import "encoding/base64"

// encoding is how a substituted value is written into the result,
// lighttpd's burl_recoding_e: at most one way of escaping (the first
// set, in the order below), then at most one change of case.
type encoding uint16

const (
	encToLower encoding = 1 << iota // ${tolower:…}
	encToUpper                      // ${toupper:…}
	encNone                         // ${noesc:…}: as it is
	encAll                          // ${esc:…}: escape all but unreserved, '%' too
	encNDE                          // ${escnde:…}: the same, leaving escapes alone
	encPSNDE                        // ${escpsnde:…}: the same, leaving '/' too
	encB64U                         // ${encb64u:…}: base64url without padding
	decB64U                         // ${decb64u:…}: from base64url

	encCase   = encToLower | encToUpper
	encEscape = encNone | encAll | encNDE | encPSNDE | encB64U | decB64U
)

const upperHex = "0123456789ABCDEF"

// appendEncoded appends s to dst as enc says (lighttpd's burl_append). A
// case change alone keeps s as it is before changing its case (lighttpd
// 1.4 appends nothing then; see the README).
func appendEncoded(dst []byte, s string, enc encoding) []byte {
	if len(s) == 0 {
		return dst
	}
	off := len(dst)
	switch {
	case enc&encNone != 0:
		dst = append(dst, s...)
	case enc&encAll != 0:
		dst = appendEscapeAll(dst, s)
	case enc&encNDE != 0:
		dst = appendEscapeNDE(dst, s, false)
	case enc&encPSNDE != 0:
		dst = appendEscapeNDE(dst, s, true)
	case enc&encB64U != 0:
		dst = base64.RawURLEncoding.AppendEncode(dst, []byte(s))
	case enc&decB64U != 0:
		dst = appendDecodeB64U(dst, s)
	default:
		dst = append(dst, s...)
	}
	switch {
	case enc&encToLower != 0:
		changeCase(dst[off:], 'A', 'Z')
	case enc&encToUpper != 0:
		changeCase(dst[off:], 'a', 'z')
	}
	return dst
}

// isUnreserved reports an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// escapeAt reports whether s has a %XX escape at i, and the byte it
// stands for.
func escapeAt(s string, i int) (byte, bool) {
	if s[i] != '%' || i+2 >= len(s) {
		return 0, false
	}
	hi, ok1 := hexValue(s[i+1])
	lo, ok2 := hexValue(s[i+2])
	return hi<<4 | lo, ok1 && ok2
}

// appendEscapeAll percent-encodes every byte but the unreserved ones, a
// '%' included (burl_append_encode_all).
func appendEscapeAll(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; isUnreserved(c) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// appendEscapeNDE percent-encodes every byte but the unreserved ones (and
// '/' when keepSlash), without encoding escapes again: an escape of an
// unreserved byte is decoded, any other escape kept as it was written
// (burl_append_encode_nde and _psnde).
func appendEscapeNDE(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if x, ok := escapeAt(s, i); ok {
			if isUnreserved(x) {
				dst = append(dst, x)
			} else {
				dst = append(dst, s[i:i+3]...)
			}
			i += 2
			continue
		}
		if isUnreserved(c) || keepSlash && c == '/' {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

// appendDecodeB64U decodes base64url as lighttpd's li_base64_dec does:
// controls and spaces are skipped, padding or any other byte ends the
// input, and an input that leaves a lone sextet, or has a NUL, decodes
// to nothing.
func appendDecodeB64U(dst []byte, s string) []byte {
	var acc uint32
	n, start := 0, len(dst)
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v byte
		switch {
		case c >= 'A' && c <= 'Z':
			v = c - 'A'
		case c >= 'a' && c <= 'z':
			v = c - 'a' + 26
		case c >= '0' && c <= '9':
			v = c - '0' + 52
		case c == '-':
			v = 62
		case c == '_':
			v = 63
		case c > 0 && c <= ' ':
			continue
		case c == 0:
			return dst[:start] // as lighttpd, which takes a NUL for a truncated input
		default:
			i = len(s) // padding, or not base64url: the input ends here
			continue
		}
		acc = acc<<6 | uint32(v)
		if n++; n%4 == 0 {
			dst = append(dst, byte(acc>>16), byte(acc>>8), byte(acc))
			acc = 0
		}
	}
	switch n % 4 {
	case 1:
		return dst[:start]
	case 2:
		dst = append(dst, byte(acc>>4))
	case 3:
		dst = append(dst, byte(acc>>10), byte(acc>>2))
	}
	return dst
}

// changeCase adds 'a'-'A' to every byte from lo to hi in b, skipping
// percent escapes so their hex digits keep their case.
func changeCase(b []byte, lo, hi byte) {
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c >= lo && c <= hi:
			b[i] = c ^ 0x20
		case c == '%' && i+2 < len(b) && isHexDigit(b[i+1]) && isHexDigit(b[i+2]):
			i += 2
		}
	}
}

func isHexDigit(c byte) bool {
	_, ok := hexValue(c)
	return ok
}

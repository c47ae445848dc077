package http

import (
	"encoding/binary"
	"math/rand/v2"
)

// headerID names the request headers the parser treats specially; every
// other header is hdrOther.
type headerID uint8

const (
	hdrOther headerID = iota
	hdrHost
	hdrContentLength
	hdrTransferEncoding
	hdrConnection
	hdrContentType
	hdrIfModifiedSince
	hdrIfNoneMatch
	hdrHTTP2Settings
	hdrUpgrade
	hdrExpect
	hdrCookie
)

// lookupHeader identifies name case-insensitively. It switches on the
// length first so that an unknown name costs one comparison at most.
func lookupHeader(name []byte) headerID {
	switch len(name) {
	case 4:
		if equalFoldLower(name, "host") {
			return hdrHost
		}
	case 6:
		if equalFoldLower(name, "cookie") {
			return hdrCookie
		}
		if equalFoldLower(name, "expect") {
			return hdrExpect
		}
	case 7:
		if equalFoldLower(name, "upgrade") {
			return hdrUpgrade
		}
	case 10:
		if equalFoldLower(name, "connection") {
			return hdrConnection
		}
	case 12:
		if equalFoldLower(name, "content-type") {
			return hdrContentType
		}
	case 13:
		if equalFoldLower(name, "if-none-match") {
			return hdrIfNoneMatch
		}
	case 14:
		if equalFoldLower(name, "content-length") {
			return hdrContentLength
		}
		if equalFoldLower(name, "http2-settings") {
			return hdrHTTP2Settings
		}
	case 17:
		if equalFoldLower(name, "transfer-encoding") {
			return hdrTransferEncoding
		}
		if equalFoldLower(name, "if-modified-since") {
			return hdrIfModifiedSince
		}
	}
	return hdrOther
}

// field is one request header as handlers see it: repeated lines of the
// same name are merged into value. name and value point into the
// Request's buffers.
type field struct {
	name  string
	value string
	id    headerID
	// count is how many lines make up value; with more than one, the
	// values wait in Request.parts (first..last) until the head is
	// complete, and are joined once, so a flood of repeats costs linear
	// time and space.
	count       int32
	first, last int32
}

// part is one line's value of a header that occurs more than once.
type part struct {
	value string
	next  int32 // index in Request.parts, -1 at the end
}

// lower maps ASCII upper case to lower case and leaves every other byte.
func lower(c byte) byte {
	if c-'A' < 26 {
		return c | 0x20
	}
	return c
}

// equalFoldLower reports whether b equals the lower-case ASCII string s,
// ignoring ASCII case in b.
func equalFoldLower(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// EqualFold reports whether a and b are equal ignoring ASCII case only
// (lighttpd's buffer_eq_icase_ssn): unlike strings.EqualFold, no Unicode
// folding, so "K" (Kelvin sign) is not "k".
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] && lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s begins with the lower-case ASCII prefix,
// ignoring ASCII case in s.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// hashSeed keys hashName per process, so that names which collide in
// the index cannot be prepared in advance to make a head cost quadratic
// time.
var hashSeed = rand.Uint64()

// hashName hashes a header name ignoring ASCII case, eight bytes at a
// time. OR-ing 0x20 folds upper to lower case (and a few non-letters
// together, which only costs a comparison); the splitmix64 finaliser
// spreads every input bit over the high bits the index uses.
func hashName(name []byte) uint32 {
	h := hashSeed ^ uint64(len(name))*0x9e3779b97f4a7c15
	for len(name) >= 8 {
		h = (h ^ (binary.LittleEndian.Uint64(name) | 0x2020202020202020)) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
		name = name[8:]
	}
	var w uint64
	for i, c := range name {
		w |= uint64(c|0x20) << (8 * i)
	}
	h ^= w
	h = (h ^ h>>30) * 0xbf58476d1ce4e5b9
	h = (h ^ h>>27) * 0x94d049bb133111eb
	h ^= h >> 31
	return uint32(h >> 32)
}

// containsToken reports whether the comma-separated list s holds the token
// tok (case-insensitively), as lighttpd's http_header_str_contains_token:
// empty elements and whitespace are skipped, and a token may be followed by
// parameters (";…"). Quoted strings are not understood, as in lighttpd.
func containsToken(s, tok string) bool {
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if len(s)-i < len(tok) {
			return false
		}
		if EqualFold(s[i:i+len(tok)], tok) {
			i += len(tok)
			if i == len(s) || s[i] == ' ' || s[i] == '\t' || s[i] == ',' || s[i] == ';' {
				return true
			}
		}
		for i < len(s) && s[i] != ',' {
			i++
		}
		if i >= len(s) {
			return false
		}
	}
}

// tokenClass marks the bytes lighttpd refuses in a header name whatever
// the header-strict setting: whitespace and the RFC 9110 delimiters.
var tokenClass = func() (t [256]bool) {
	for _, c := range []byte(" \t\r\n()<>@,:;\\\"/[]?={}") {
		t[c] = true
	}
	return t
}()

// validName reports whether a header name is acceptable: with strict, an
// RFC 9110 token; otherwise anything but delimiters, whitespace and NUL.
func validName(name []byte, strict bool) bool {
	if strict {
		for _, c := range name {
			if !tchar[c] {
				return false
			}
		}
		return true
	}
	for _, c := range name {
		if c-'a' < 26 || c-'A' < 26 || c == '-' {
			continue
		}
		if tokenClass[c] || c == 0 {
			return false
		}
	}
	return true
}

// tchar marks the bytes of an RFC 9110 token, the header-strict name.
var tchar = func() (t [256]bool) {
	for c := 33; c < 127; c++ {
		t[c] = !tokenClass[c]
	}
	return t
}()

// validValue reports whether a header value has no control character
// other than HTAB and no DEL (lighttpd's header-strict rule; obs-text is
// allowed). Values are checked eight bytes at a time: the common value
// has no byte below 0x20 and no DEL, which two word operations show.
func validValue(v []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(v) >= 8 {
		x := binary.LittleEndian.Uint64(v)
		y := x ^ 0x7f7f7f7f7f7f7f7f
		if ((x-ones*0x20)&^x|(y-ones)&^y)&highs != 0 {
			break
		}
		v = v[8:]
	}
	for _, c := range v {
		if (c < 32 && c != '\t') || c == 127 {
			return false
		}
	}
	return true
}

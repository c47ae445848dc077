package http

import (
	"bytes"
	"unicode/utf8"

	"github.com/featherd/featherd/config"
)

// mustEncode marks the bytes a normalised URL never carries raw (burl.c's
// table): everything except ! $ & ' ( ) * + , - . / 0-9 : ; = ? @ A-Z _ a-z
// ~. '%' is marked too; well-formed escapes are handled before the table
// is consulted.
var mustEncode = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = true
	}
	for _, c := range []byte("!$&'()*+,-./:;=?@_~") {
		t[c] = false
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = false
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = false
		t[c+'a'-'A'] = false
	}
	return t
}()

const upperHex = "0123456789ABCDEF"

// isUnreserved reports whether c is an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

// invalidUTF8Byte reports the bytes that never occur in UTF-8 (lighttpd's
// cheap test: 0xC0, 0xC1 and 0xF5..0xFF).
func invalidUTF8Byte(c byte) bool { return c >= 0xF5 || c|1 == 0xC1 }

// parseTarget splits r.Current into Path and Query (lighttpd's
// http_request_parse_target): URL normalisation per server.http-parseopts,
// then percent-decoding of the path and removal of dot segments, so that
// Path can be appended to a document root without escaping it. As
// lighttpd's r->target, Current becomes the normalised target, without
// its fragment: what mod_rewrite and mod_redirect match their rules
// against.
func (r *Request) parseTarget(o *config.ParseOpts) int {
	t := r.Current
	switch {
	case r.Method == MethodConnect:
		// The authority is the whole target. lighttpd leaves it to
		// mod_proxy; featherd checks it as a hostname so that Path can
		// never hold a '/' segment.
		var ok bool
		start := len(r.extra)
		if r.extra, ok = appendStrictHost(r.extra, t); !ok {
			return 400
		}
		r.extra = r.extra[:start]
		r.Path = t
		return 0
	case r.Method == MethodOptions && t == "*":
		r.Path = t
		return 0
	}

	qs := -1
	if o.URLNormalize {
		if plainTarget(t) {
			qs = indexByteString(t, '?')
		} else {
			var ok bool
			r.norm, qs, ok = normalizeTarget(r.norm[:0], t, o)
			if !ok {
				return 400
			}
			t = bstr(r.norm)
		}
	} else {
		if i := indexByteString(t, '#'); i >= 0 {
			t = t[:i]
		}
		qs = indexByteString(t, '?')
	}
	r.Current = t
	path := t
	if qs >= 0 {
		path, r.Query = t[:qs], t[qs+1:]
	}

	if indexByteString(path, '%') >= 0 {
		r.path = appendDecodedPath(r.path[:0], path)
		r.path = simplifyPath(r.path)
		path = bstr(r.path)
	} else if needsSimplify(path) {
		r.path = simplifyPath(append(r.path[:0], path...))
		path = bstr(r.path)
	}
	if len(path) == 0 || path[0] != '/' {
		return 400
	}
	// lighttpd's url-invalid-utf8-reject only refuses bytes that never
	// occur in UTF-8; featherd also refuses malformed and overlong
	// sequences in the decoded path (%C0%AE, %E0%80%AE…), so that what
	// reaches the file system is valid UTF-8.
	if o.URLNormalize && o.URLInvalidUTF8Reject && !utf8.ValidString(path) {
		return 400
	}
	r.Path = path
	return 0
}

// plainTarget reports whether normalisation would leave t unchanged
// whatever the options: no byte to encode, no escape, no fragment, no
// backslash, and no dot segment or empty segment in the path.
func plainTarget(t string) bool {
	q := len(t)
	for i := 0; i < len(t); i++ {
		c := t[i]
		if mustEncode[c] {
			return false
		}
		if c == '?' && q == len(t) {
			q = i
		}
	}
	return !needsSimplify(t[:q])
}

// needsSimplify reports whether a path has a "." or ".." segment or an
// empty segment other than the first (a "//").
func needsSimplify(p string) bool {
	for i := 0; i < len(p); {
		j := i
		for j < len(p) && p[j] != '/' {
			j++
		}
		switch j - i {
		case 0:
			if i != 0 && j < len(p) {
				return true
			}
		case 1:
			if p[i] == '.' {
				return true
			}
		case 2:
			if p[i] == '.' && p[i+1] == '.' {
				return true
			}
		}
		i = j + 1
	}
	return false
}

// normalizeTarget appends t to dst normalised as lighttpd's burl_normalize
// does and returns the offset of the query's '?' in the result (-1 if
// none); ok is false for a target to refuse with 400.
//
// Steps, each per server.http-parseopts: backslashes in the path become
// '/' (url-path-backslash-trans); escapes of unreserved characters are
// decoded (url-normalize-unreserved) or, with url-normalize-required, of
// every character that need not be escaped, except '/' and '?' in the path
// and '&' '=' ';' '+' in the query; remaining escapes get upper-case hex,
// bytes that must be escaped are escaped, the fragment is dropped; bytes
// that never occur in UTF-8 refuse the target (url-invalid-utf8-reject),
// as do escaped controls (url-ctrls-reject); %2F in the path is decoded
// (url-path-2f-decode) or refused (url-path-2f-reject); dot segments are
// removed (url-path-dotseg-remove) or refused (url-path-dotseg-reject);
// %20 in the query becomes '+' (url-query-20-plus).
func normalizeTarget(dst []byte, t string, o *config.ParseOpts) ([]byte, int, bool) {
	qs := -1
	badUTF8 := false
	rawQ := indexByteString(t, '?') // backslash-trans stops at the raw '?'
	if rawQ < 0 {
		rawQ = len(t)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == '\\' && o.URLPathBackslashTrans && i < rawQ {
			c = '/'
		}
		if !mustEncode[c] {
			if c == '?' && qs < 0 {
				qs = len(dst)
			}
			dst = append(dst, c)
			continue
		}
		if c == '%' && i+2 < len(t) && isHex(t[i+1]) && isHex(t[i+2]) {
			x := byte(hexValue(t[i+1])<<4 | hexValue(t[i+2]))
			if x == '\\' && o.URLPathBackslashTrans && i < rawQ {
				x = '/'
			}
			i += 2
			if keepDecoded(x, qs >= 0, o.URLNormalizeRequired) {
				dst = append(dst, x)
			} else {
				dst = append(dst, '%', upperHex[x>>4], upperHex[x&15])
				badUTF8 = badUTF8 || invalidUTF8Byte(x)
			}
			continue
		}
		if c == '#' {
			break
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		badUTF8 = badUTF8 || invalidUTF8Byte(c)
	}
	if badUTF8 && o.URLInvalidUTF8Reject {
		return dst, 0, false
	}
	if o.URLCtrlsReject && hasEscapedControl(dst) {
		return dst, 0, false
	}
	pathEnd := qs
	if pathEnd < 0 {
		pathEnd = len(dst)
	}
	if o.URLPath2FDecode || o.URLPath2FReject {
		if i := bytes.Index(dst[:pathEnd], []byte("%2F")); i >= 0 {
			if o.URLPath2FReject {
				return dst, 0, false
			}
			dst, pathEnd = decodeSlashes(dst, i, pathEnd)
		}
	}
	if (o.URLPathDotsegRemove || o.URLPathDotsegReject) && needsSimplify(bstr(dst[:pathEnd])) {
		if o.URLPathDotsegReject {
			return dst, 0, false
		}
		p := simplifyPath(dst[:pathEnd])
		n := copy(dst[len(p):], dst[pathEnd:])
		dst = dst[:len(p)+n]
		pathEnd = len(p)
	}
	if qs >= 0 {
		qs = pathEnd
		if o.URLQuery20Plus {
			dst = spacesToPlus(dst, qs+1)
		}
	}
	return dst, qs, true
}

// keepDecoded reports whether the escaped byte x is written decoded.
func keepDecoded(x byte, inQuery, required bool) bool {
	if !required {
		return isUnreserved(x)
	}
	if mustEncode[x] {
		return false
	}
	if inQuery {
		return x != '&' && x != '=' && x != ';' && x != '+'
	}
	return x != '/' && x != '?'
}

// hasEscapedControl reports an escape of a C0 control or DEL in a
// normalised target (where every '%' starts an escape with upper-case hex).
func hasEscapedControl(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '%' {
			continue
		}
		if i+1 >= len(b) || b[i+1] < '2' || (b[i+1] == '7' && i+2 < len(b) && b[i+2] == 'F') {
			return true
		}
	}
	return false
}

// decodeSlashes turns every "%2F" in b[from:pathEnd] into '/', keeping
// what follows pathEnd, and returns b and the new end of the path.
func decodeSlashes(b []byte, from, pathEnd int) ([]byte, int) {
	w := from
	for i := from; i < pathEnd; i++ {
		if b[i] == '%' && i+2 < pathEnd && b[i+1] == '2' && b[i+2] == 'F' {
			b[w] = '/'
			w++
			i += 2
			continue
		}
		b[w] = b[i]
		w++
	}
	n := copy(b[w:], b[pathEnd:])
	return b[:w+n], w
}

// spacesToPlus turns every "%20" in b[from:] into '+'.
func spacesToPlus(b []byte, from int) []byte {
	w := from
	for i := from; i < len(b); i++ {
		if b[i] == '%' && i+2 < len(b) && b[i+1] == '2' && b[i+2] == '0' {
			b[w] = '+'
			w++
			i += 2
			continue
		}
		b[w] = b[i]
		w++
	}
	return b[:w]
}

// appendDecodedPath appends p with its %XX escapes decoded; a decoded
// control character or DEL becomes '_' (so Path never holds a NUL), and a
// '%' that does not start an escape is kept.
func appendDecodedPath(dst []byte, p string) []byte {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
			c = byte(hexValue(p[i+1])<<4 | hexValue(p[i+2]))
			if c < 32 || c == 127 {
				c = '_'
			}
			i += 2
		}
		dst = append(dst, c)
	}
	return dst
}

// simplifyPath removes empty, "." and ".." segments from p in place, as
// lighttpd's buffer_path_simplify: ".." removes the segment before it and
// never climbs above the root; a path ending in "/", "/." or "/.." keeps a
// trailing '/'. A relative path keeps its first segment unless a ".."
// removes it, which makes the result absolute; a leading "./" or "../" is
// read as "/"; "." and ".." alone become "".
func simplifyPath(p []byte) []byte {
	n := len(p)
	if n == 0 {
		return p
	}
	i, w := 0, 0 // read and write offsets; the result is p[:w], w <= i
	relative := false
	if p[0] != '/' {
		j := bytes.IndexByte(p, '/')
		if j < 0 {
			j = n
		}
		if j == 1 && p[0] == '.' || j == 2 && p[0] == '.' && p[1] == '.' {
			if j == n {
				return p[:0]
			}
		} else {
			if j == n {
				return p
			}
			w, relative = j, true
		}
		i = j
	}
	trailing := false
	for i < n { // p[i] == '/'
		i++
		j := i
		for j < n && p[j] != '/' {
			j++
		}
		switch seg := p[i:j]; {
		case len(seg) == 0 || len(seg) == 1 && seg[0] == '.':
			trailing = true
		case len(seg) == 2 && seg[0] == '.' && seg[1] == '.':
			if k := bytes.LastIndexByte(p[:w], '/'); k >= 0 {
				w = k
			} else {
				w, relative = 0, false
			}
			trailing = true
		default:
			p[w] = '/'
			w += 1 + copy(p[w+1:], seg)
			trailing = false
		}
		i = j
	}
	if !relative && w == 0 {
		p[0] = '/'
		return p[:1]
	}
	if trailing {
		p[w] = '/'
		w++
	}
	return p[:w]
}

package http

import (
	"bytes"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/internal/unsafeconv"
)

// maxHeaderLines is lighttpd's bound on the lines of one head (its line
// offset table has 8192 entries); more is 431 whatever the byte size.
const maxHeaderLines = 8190

// maxHostLen bounds a Host header or absolute-form authority (lighttpd
// expects < 256 and refuses 1024 or more with 400).
const maxHostLen = 1024

// Parse parses one request head from buf, the bytes received so far on the
// connection. It returns:
//
//   - (n, 0) when a complete head of n bytes was parsed: the request line,
//     the headers, the final blank line, and one blank line before the
//     request if there was one (tolerated as RFC 9112 §2.2 and lighttpd
//     between keep-alive requests allow). The next request, or the body,
//     starts at buf[n:].
//   - (0, 0) when the head is incomplete and more bytes are needed.
//   - (n, status) with status 400, 411, 431 or 501 when the request is bad;
//     n is the number of bytes the head took (0 when it was not delimited).
//     The connection must be closed after the error response; KeepAlive is
//     false.
//
// The Request does not alias buf: the head is copied into r's own buffer.
// opts is server.http-parseopts and must not be nil. maxFieldSize is
// server.max-request-field-size: an incomplete head already longer, or a
// complete one longer, is 431.
func (r *Request) Parse(buf []byte, opts *config.ParseOpts, maxFieldSize int) (n int, status int) {
	r.Reset()
	skip := 0
	if len(buf) > 0 && (buf[0] == '\r' || buf[0] == '\n') {
		skip = 1
		if buf[0] == '\r' {
			if len(buf) == 1 {
				return 0, 0
			}
			if buf[1] != '\n' {
				return 0, 400 // a control character cannot start a request
			}
			skip = 2
		}
		if len(buf) == skip {
			return 0, 0
		}
		if buf[skip] == '\r' || buf[skip] == '\n' {
			// Only one blank line is forgiven (lighttpd's "excess blank
			// b/w requests" test expects 400).
			return 0, 400
		}
	}
	b := buf[skip:]
	headLen, status := r.scanHead(b, maxFieldSize)
	if status != 0 || headLen == 0 {
		return 0, status
	}
	n = skip + headLen
	r.head = append(r.head[:0], b[:headLen]...)
	if status = r.parseHead(opts); status != 0 {
		r.KeepAlive = false
		r.ContentLength = -1
		r.Chunked = false
		r.Expect100 = false
		return n, status
	}
	return n, 0
}

// scanHead finds the end of the head at the start of b and records where
// each line starts. It returns the head's length, 0 if incomplete, or an
// error status.
func (r *Request) scanHead(b []byte, maxFieldSize int) (headLen int, status int) {
	// Bytes past maxFieldSize cannot belong to an acceptable head, so the
	// search never reads further: an attacker's endless line costs one
	// bounded scan per call.
	limit := len(b)
	if limit > maxFieldSize {
		limit = maxFieldSize
	}
	off := 0
	r.lines = append(r.lines[:0], 0)
	for {
		i := bytes.IndexByte(b[off:limit], '\n')
		if i < 0 {
			break
		}
		lineLen := i + 1
		if lineLen == 1 || (lineLen == 2 && b[off] == '\r') {
			r.lines = append(r.lines, int32(off))
			headLen = off + lineLen
			if b[0] < 32 {
				return 0, 400
			}
			return headLen, 0
		}
		if off != 0 && (b[off] == ' ' || b[off] == '\t') {
			r.folds = append(r.folds, int32(off))
		} else if off != 0 {
			if len(r.lines) >= maxHeaderLines {
				return 0, 431
			}
			r.lines = append(r.lines, int32(off))
		}
		off += lineLen
	}
	if len(b) > maxFieldSize {
		return 0, 431
	}
	if len(b) > 0 && b[0] < 32 {
		return 0, 400 // e.g. a TLS ClientHello on a clear-text port
	}
	return 0, 0
}

// parseHead parses the copied head in r.head.
func (r *Request) parseHead(o *config.ParseOpts) int {
	h := r.head
	// Unfold obs-fold lines in place: the line break before a continuation
	// becomes spaces, as lighttpd does.
	for _, off := range r.folds {
		h[off-1] = ' '
		if h[off-2] == '\r' {
			h[off-2] = ' '
		}
	}
	strict := o.HeaderStrict
	last := len(r.lines) - 1 // r.lines[last] is where the blank line starts
	r.prepareIndex(last)
	if st := r.parseRequestLine(h[:r.lines[1]], strict); st != 0 {
		return st
	}
	// Without header-strict, values are not checked character by
	// character; a NUL anywhere still refuses the request.
	if !strict && bytes.IndexByte(h, 0) >= 0 {
		return 400
	}
	for i := 1; i < last; i++ {
		if st := r.parseHeaderLine(h[r.lines[i]:r.lines[i+1]], strict); st != 0 {
			return st
		}
	}
	if strict && len(h)-int(r.lines[last]) != 2 {
		return 400 // the head must end with CRLF CRLF
	}
	r.joinRepeated()
	return r.finish(o)
}

// parseRequestLine parses "method SP target SP HTTP/1.x" (line includes its
// line break), lighttpd's way: the version is read from the end first.
// HTTP/1.2 to HTTP/1.9 are read as HTTP/1.1.
func (r *Request) parseRequestLine(line []byte, strict bool) int {
	n := len(line)
	if n < 13 { // the shortest is "x x HTTP/1.0\n"
		return 400
	}
	switch {
	case line[n-2] == '\r':
		n -= 2
	case !strict:
		n--
	default:
		return 400
	}
	p := n - 8
	if line[p-1] != ' ' {
		return 400
	}
	switch string(line[p:n]) {
	case "HTTP/1.1":
		r.Version = Version11
		r.KeepAlive = true
	case "HTTP/1.0":
		r.Version = Version10
		r.KeepAlive = false
	default:
		// RFC 9112 §2.6: a later minor version of HTTP/1 is processed as
		// the highest one implemented, 1.1 (lighttpd answers 400). Any
		// other version is 400 too: lighttpd's 505 path is disabled.
		if string(line[p:n-1]) != "HTTP/1." || line[n-1] < '2' || line[n-1] > '9' {
			return 400
		}
		r.Version = Version11
		r.KeepAlive = true
	}
	if line[p-2] == ' ' {
		return 400
	}
	sp := bytes.IndexByte(line, ' ') // exists: line[p-1] is one
	r.Method = lookupMethod(line[:sp])
	if r.Method == MethodUnknown {
		return 501
	}
	start, end := sp+1, p-1
	if start >= end {
		return 400
	}
	uri := line[start:end]
	if uri[0] != '/' {
		var ok bool
		if uri, ok = r.targetAuthority(uri, strict); !ok {
			return 400
		}
	}
	// RFC 9112 §3.2: whitespace and controls are not allowed in a target.
	// (lighttpd skips this check when url-ctrls-reject will look later,
	// and would then accept a raw space percent-encoded; featherd refuses
	// it.)
	if strict && !validTarget(uri) {
		return 400
	}
	r.Target = bstr(uri)
	r.Current = r.Target
	return 0
}

// targetAuthority handles a target that does not start with '/': the
// absolute form (its authority becomes the Host header, and the rest the
// target, "/" if it has no path), OPTIONS *, a CONNECT authority, or
// anything when header-strict is off.
func (r *Request) targetAuthority(uri []byte, strict bool) ([]byte, bool) {
	hostStart := 0
	switch {
	case len(uri) > 7 && equalFoldLower(uri[:7], "http://"):
		hostStart = 7
	case len(uri) > 8 && equalFoldLower(uri[:8], "https://"):
		hostStart = 8
	}
	if hostStart != 0 {
		end := hostStart // RFC 3986 §3.2: the authority ends at '/', '?' or '#'
		for end < len(uri) && uri[end] != '/' && uri[end] != '?' && uri[end] != '#' {
			end++
		}
		host := uri[hostStart:end]
		if len(host) == 0 || len(host) >= maxHostLen {
			return nil, false
		}
		r.setHost(host)
		if end < len(uri) && uri[end] == '/' {
			return uri[end:], true
		}
		// RFC 9112 §3.2.2 and RFC 3986 §6.2.3: an empty path is "/".
		// (lighttpd answers 400.)
		start := len(r.extra)
		r.extra = append(append(r.extra, '/'), uri[end:]...)
		return r.extra[start:], true
	}
	if !strict ||
		(r.Method == MethodConnect && (uri[0] == ':' || isDigit(uri[0]))) ||
		(r.Method == MethodOptions && len(uri) == 1 && uri[0] == '*') {
		return uri, true
	}
	return nil, false
}

// validTarget reports whether a request-target is free of whitespace,
// controls, DEL and 0xFF (lighttpd's strict URI check).
func validTarget(uri []byte) bool {
	for _, c := range uri {
		if c <= ' ' || c&0x7f == 0x7f {
			return false
		}
	}
	return true
}

var hostName = []byte("Host")

// setHost records host (lower-cased in place) as the Host header.
func (r *Request) setHost(host []byte) {
	for i, c := range host {
		host[i] = lower(c)
	}
	r.Host = bstr(host)
	r.addField(hdrHost, "Host", r.Host, hostName)
}

// parseHeaderLine parses one "name: value" line (line includes its line
// break).
func (r *Request) parseHeaderLine(line []byte, strict bool) int {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return 400
	}
	k := colon
	if k > 0 && (line[k-1] == ' ' || line[k-1] == '\t') {
		// RFC 9112 §5.1: whitespace between name and colon is an error.
		if strict {
			return 400
		}
		for k > 0 && (line[k-1] == ' ' || line[k-1] == '\t') {
			k--
		}
	}
	if k == 0 {
		return 400
	}
	name := line[:k]
	if !validName(name, strict) {
		return 400
	}
	id := lookupHeader(name)
	if id == hdrHost {
		// RFC 9112 §3.2: more than one Host line is 400, even an empty
		// one or one with the same value (which lighttpd ignores).
		if r.hostLine {
			return 400
		}
		r.hostLine = true
	}

	v := colon + 1
	for v < len(line) && (line[v] == ' ' || line[v] == '\t') {
		v++
	}
	e := len(line)
	switch {
	case e >= 2 && line[e-2] == '\r':
		e -= 2
	case !strict:
		e--
	default:
		return 400 // LF without CR
	}
	for e > v && (line[e-1] == ' ' || line[e-1] == '\t') {
		e--
	}
	if e <= v {
		if id == hdrContentLength {
			return 400
		}
		return 0 // empty values are dropped
	}
	value := line[v:e]
	if strict && !validValue(value) {
		return 400
	}
	return r.addHeader(id, name, value)
}

// addHeader applies lighttpd's rules for the headers it understands and
// stores the header.
func (r *Request) addHeader(id headerID, name, value []byte) int {
	switch id {
	case hdrHost:
		if len(value) >= maxHostLen {
			return 400
		}
		if r.has(hdrHost) {
			// Only an absolute-form target sets Host before the one
			// Host line: its authority is the Host, and the line is not
			// used whatever host it names (RFC 9112 §3.2.2; lighttpd
			// answers 400 when they differ).
			r.overriddenHost = bstr(value)
			return 0
		}
		r.setHost(value)
		return 0
	case hdrIfModifiedSince, hdrIfNoneMatch, hdrContentType, hdrHTTP2Settings:
		if r.has(id) {
			return r.duplicate(id, value)
		}
	case hdrConnection:
		v := bstr(value)
		if containsToken(v, "close") {
			r.KeepAlive = false
		} else if containsToken(v, "keep-alive") {
			r.KeepAlive = true
		}
	case hdrContentLength:
		if r.has(id) {
			return 400 // any repeat, even of the same value (RFC 9112 §6.3)
		}
		cl, ok := parseContentLength(value)
		if !ok {
			return 400
		}
		r.ContentLength = cl
	case hdrTransferEncoding:
		if r.Version != Version11 {
			return 400 // RFC 9112 §6.1: faulty framing in HTTP/1.0
		}
		if !equalFoldLower(value, "chunked") {
			return 501
		}
		if r.Chunked {
			// "chunked" twice means chunked twice; lighttpd lets it
			// through, featherd refuses the ambiguous framing.
			return 400
		}
		r.Chunked = true
		return 0 // hop-by-hop: not shown to handlers
	}
	r.addField(id, bstr(name), bstr(value), name)
	return 0
}

// duplicate handles a repeat of a header that may appear only once: the
// same value (ignoring case) is dropped, a repeated If-None-Match keeps
// the first, anything else is 400.
func (r *Request) duplicate(id headerID, value []byte) int {
	if id == hdrIfNoneMatch {
		return 0
	}
	if i := r.fieldByID(id); i >= 0 && EqualFold(r.fields[i].value, bstr(value)) {
		return 0
	}
	return 400
}

// parseContentLength reads a Content-Length: decimal digits only, no sign,
// no overflow.
func parseContentLength(v []byte) (int64, bool) {
	var n int64
	for _, c := range v {
		d := int64(c) - '0'
		if d < 0 || d > 9 || n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// linearFields is the header count up to which repeated names are found
// by scanning the fields: cheaper than hashing for the heads browsers
// send. Longer heads use a hash index, so that a flood of headers costs
// linear time.
const linearFields = 24

// prepareIndex sizes and clears the name index for up to lines headers.
func (r *Request) prepareIndex(lines int) {
	if lines <= linearFields {
		r.slots = r.slots[:0]
		return
	}
	size := 64
	for size < 2*lines {
		size <<= 1
	}
	if cap(r.slots) < size {
		r.slots = make([]int32, size)
	}
	r.slots = r.slots[:size]
	clear(r.slots)
}

// addField stores a header, or appends its value to the field of the same
// name.
func (r *Request) addField(id headerID, name, value string, nameBytes []byte) {
	if len(r.slots) == 0 {
		for i := range r.fields {
			if f := &r.fields[i]; len(f.name) == len(name) && EqualFold(f.name, name) {
				r.appendValue(f, value)
				return
			}
		}
		r.newField(id, name, value)
		return
	}
	mask := uint32(len(r.slots) - 1)
	for s := hashName(nameBytes) & mask; ; s = (s + 1) & mask {
		e := r.slots[s]
		if e == 0 {
			r.newField(id, name, value)
			r.slots[s] = int32(len(r.fields))
			return
		}
		if f := &r.fields[e-1]; EqualFold(f.name, name) {
			r.appendValue(f, value)
			return
		}
	}
}

func (r *Request) newField(id headerID, name, value string) {
	// Filled in place: appending a composite literal stages it on the
	// stack and copies it in 16-byte moves that stall on store forwarding.
	r.fields = append(r.fields, field{})
	f := &r.fields[len(r.fields)-1]
	f.name, f.value, f.id, f.count = name, value, id, 1
	if id != hdrOther {
		r.seen |= 1 << id
	}
}

// appendValue queues value to be joined to f's once the head is parsed.
func (r *Request) appendValue(f *field, value string) {
	if f.count == 1 {
		r.parts = append(r.parts, part{value: f.value, next: int32(len(r.parts) + 1)})
		f.first = int32(len(r.parts) - 1)
	} else {
		r.parts[f.last].next = int32(len(r.parts))
	}
	r.parts = append(r.parts, part{value: value, next: -1})
	f.last = int32(len(r.parts) - 1)
	f.count++
}

// joinRepeated builds the merged values of repeated headers.
func (r *Request) joinRepeated() {
	if len(r.parts) == 0 {
		return
	}
	for i := range r.fields {
		f := &r.fields[i]
		if f.count < 2 {
			continue
		}
		sep := ", "
		if f.id == hdrCookie {
			sep = "; " // Cookie is the one header joined by ';' (RFC 6265)
		}
		start := len(r.extra)
		for p := f.first; p >= 0; p = r.parts[p].next {
			if p != f.first {
				r.extra = append(r.extra, sep...)
			}
			r.extra = append(r.extra, r.parts[p].value...)
		}
		f.value = bstr(r.extra[start:])
	}
}

// finish applies the checks that need the whole head (lighttpd's
// http_request_parse and h1_check_upgrade).
func (r *Request) finish(o *config.ParseOpts) int {
	if st := r.parseTarget(o); st != 0 {
		return st
	}
	if r.has(hdrHost) {
		if !r.hostPolicy(o) {
			return 400
		}
	} else if r.Version == Version11 {
		return 400 // RFC 9112 §3.2: HTTP/1.1 requires Host
	}
	if r.Version != Version11 && (r.has(hdrUpgrade) || r.has(hdrHTTP2Settings)) {
		return 400
	}
	hasCL := r.has(hdrContentLength)
	if r.Chunked {
		if hasCL {
			// RFC 9112 §6.1: both framings is a smuggling attempt.
			r.KeepAlive = false
			if o.HeaderStrict {
				return 400
			}
			r.removeField(r.fieldByID(hdrContentLength))
			r.ContentLength = -1
		}
	} else if r.Method == MethodPost && !hasCL {
		return 411
	}
	if (r.Chunked || r.ContentLength > 0) && r.Method.GetOrHead() && !o.MethodGetBody {
		return 400
	}
	if i := r.fieldByID(hdrExpect); i >= 0 {
		r.Expect100 = EqualFold(r.fields[i].value, "100-continue")
		r.removeField(i)
	}
	if r.has(hdrUpgrade) {
		r.checkUpgrade()
	}
	return 0
}

// checkUpgrade drops an Upgrade that cannot happen, as lighttpd's
// h1_check_upgrade does without HTTP/2: Upgrade without Connection, and
// h2c (with its HTTP2-Settings and Connection tokens). Other upgrades
// (websocket) are left for handlers.
func (r *Request) checkUpgrade() {
	up := r.fieldByID(hdrUpgrade)
	conn := r.fieldByID(hdrConnection)
	if conn < 0 {
		r.removeField(up)
		return
	}
	if !containsToken(r.fields[up].value, "h2c") {
		return
	}
	if i := r.fieldByID(hdrHTTP2Settings); i >= 0 {
		r.removeField(i)
	}
	conn = r.fieldByID(hdrConnection)
	start := len(r.extra)
	r.extra = appendTokensExcept(r.extra, r.fields[conn].value, "upgrade", "http2-settings")
	if len(r.extra) == start {
		r.removeField(conn)
	} else {
		r.fields[conn].value = bstr(r.extra[start:])
	}
	r.removeField(r.fieldByID(hdrUpgrade))
}

// appendTokensExcept appends the comma-separated list s without the
// elements whose token is one of the two (lower-case) names, joined by ", ".
func appendTokensExcept(dst []byte, s, a, b string) []byte {
	first := true
	for len(s) > 0 {
		elem := s
		if i := indexByteString(s, ','); i >= 0 {
			elem, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		elem = trimSpace(elem)
		if elem == "" {
			continue
		}
		tok := elem
		for i := 0; i < len(tok); i++ {
			if tok[i] == ';' || tok[i] == ' ' || tok[i] == '\t' {
				tok = tok[:i]
				break
			}
		}
		if EqualFold(tok, a) || EqualFold(tok, b) {
			continue
		}
		if !first {
			dst = append(dst, ", "...)
		}
		dst = append(dst, elem...)
		first = false
	}
	return dst
}

func indexByteString(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func isDigit(c byte) bool { return c-'0' < 10 }

// bstr views b as a string without copying. The Request's buffers are
// only rewritten by the next Reset, which is the documented lifetime of
// every string a Request hands out.
func bstr(b []byte) string { return unsafeconv.String(b) }

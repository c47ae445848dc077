package http

import "github.com/featherd/featherd/config"

// Request is one parsed request head. It is owned by its connection's
// event loop goroutine and reused for every request on that connection:
// Reset keeps its buffers, so a connection parses its requests without
// allocating once the buffers have grown to fit.
//
// The strings in a Request point into those buffers. They stay valid until
// the next Reset or Parse on the same Request; copy any that must outlive
// the request.
type Request struct {
	Method  Method
	Version Version
	// Target is the request-target as received, except that an
	// absolute-form "http://authority" prefix is removed (the authority
	// becomes Host) and a "/" put in place of its empty path:
	// lighttpd's target_orig, what REQUEST_URI and the access log show.
	// SetTarget leaves it alone.
	Target string
	// Current is the target the request is being served for (lighttpd's
	// r->target): Target, or what a rewrite or an error handler replaced
	// it with (SetTarget), after URL normalisation (server.http-parseopts)
	// and without a fragment. Path and Query are parsed from it.
	Current string
	// Path is the decoded, normalised path (lighttpd's uri.path): what
	// conditions ($HTTP["url"]) and handlers see. It always starts with
	// '/' and never contains a NUL, a "/../" or "/./" segment, nor ends in
	// "/..". Two methods are exceptions: "*" for OPTIONS *, and the
	// authority (host:port, already checked as a hostname) for CONNECT.
	Path string
	// Query is the query string without '?', as lighttpd's uri.query: after
	// URL normalisation (server.http-parseopts), still percent-encoded;
	// "" if none.
	Query string
	// Host is the lower-cased authority from the Host header or an
	// absolute-form target, after host-strict / host-normalize; "" if
	// none (allowed for HTTP/1.0 only).
	Host string
	// ContentLength is the Content-Length, -1 when absent (or dropped
	// because the body is chunked and header-strict is off).
	ContentLength int64
	// Chunked is set when the body comes with Transfer-Encoding: chunked.
	Chunked bool
	// KeepAlive is whether the connection may carry another request, after
	// the version default and the Connection header. It is false whenever
	// Parse reports an error status.
	KeepAlive bool
	// Expect100 is set when the request had "Expect: 100-continue". The
	// Expect header itself is removed, as lighttpd does. lighttpd answers
	// 100 Continue only to HTTP/1.1 requests whose body has not started.
	Expect100 bool

	head   []byte    // private copy of the head
	target []byte    // Current when SetTarget replaced it
	spare  []byte    // the other target buffer, so SetTarget may be given Current
	paths  [2][]byte // SetPath's buffers, used in turn, so it may be given Path
	extra  []byte    // merged header values, rebuilt Host and Connection
	norm   []byte    // the normalised target when normalisation changed it
	path   []byte    // the decoded path when decoding changed it
	lines  []int32   // start of each line in head, then the end of the last
	folds  []int32   // offsets in head of obs-fold continuation lines
	fields []field
	parts  []part
	slots  []int32 // open-addressing index of fields by name, entry+1
	seen   uint32  // bit per headerID present

	hostLine       bool   // a Host header line was parsed
	overriddenHost string // that line's value when an absolute-form target overrides it
}

// Reset clears r for the next request and keeps its buffers.
func (r *Request) Reset() {
	r.Method = MethodUnknown
	r.Version = VersionUnknown
	r.Target = ""
	r.Current = ""
	r.target = r.target[:0]
	r.Path = ""
	r.Query = ""
	r.Host = ""
	r.ContentLength = -1
	r.Chunked = false
	r.KeepAlive = false
	r.Expect100 = false
	r.head = r.head[:0]
	r.extra = r.extra[:0]
	r.norm = r.norm[:0]
	r.path = r.path[:0]
	r.lines = r.lines[:0]
	r.folds = r.folds[:0]
	clear(r.fields) // drop references into old buffers
	r.fields = r.fields[:0]
	clear(r.parts)
	r.parts = r.parts[:0]
	r.seen = 0
	r.hostLine = false
	r.overriddenHost = ""
}

// Header returns the value of the named request header, matched
// case-insensitively; "" if absent. Repeated headers come merged, joined by
// ", " (Cookie by "; "), as lighttpd merges them; empty values are dropped.
// The client's Transfer-Encoding and Expect are never present (see
// Chunked, Expect100).
func (r *Request) Header(name string) string {
	for i := range r.fields {
		if EqualFold(r.fields[i].name, name) {
			return r.fields[i].value
		}
	}
	return ""
}

// HeaderValues calls fn for each request header, in the order of each
// name's first appearance, with repeated headers merged as Header returns
// them.
func (r *Request) HeaderValues(fn func(name, value string)) {
	for i := range r.fields {
		fn(r.fields[i].name, r.fields[i].value)
	}
}

// AddHeader adds value to the named request header as lighttpd's
// http_header_request_append does (mod_setenv's
// setenv.add-request-header): joined to the value the header has by ", "
// (Cookie by "; "), or as a new header after the others. An empty value
// changes nothing. name and value are copied; Header and HeaderValues see
// the result at once. The fields parsed from the head (Host,
// ContentLength, KeepAlive, …) are left as they are.
func (r *Request) AddHeader(name, value string) {
	if value == "" {
		return
	}
	i := r.fieldIndex(name)
	if i < 0 {
		r.appendField(name, value)
		return
	}
	f := &r.fields[i]
	if f.value == "" {
		f.value = r.keep(value)
		return
	}
	sep := ", "
	if f.id == hdrCookie {
		sep = "; "
	}
	start := len(r.extra)
	r.extra = append(append(append(r.extra, f.value...), sep...), value...)
	f.value = bstr(r.extra[start:])
}

// SetHeader gives the named request header value, in place of what it
// had, or adds it after the others; an empty value removes it (lighttpd's
// http_header_request_set and _unset, mod_setenv's
// setenv.set-request-header). name and value are copied. The fields
// parsed from the head are left as they are.
func (r *Request) SetHeader(name, value string) {
	if value == "" {
		r.DelHeader(name)
		return
	}
	if i := r.fieldIndex(name); i >= 0 {
		r.fields[i].value = r.keep(value)
		return
	}
	r.appendField(name, value)
}

// DelHeader removes the named request header, if present.
func (r *Request) DelHeader(name string) {
	if i := r.fieldIndex(name); i >= 0 {
		r.removeField(i)
	}
}

// fieldIndex returns the index of the field called name, -1 if none.
func (r *Request) fieldIndex(name string) int {
	for i := range r.fields {
		if EqualFold(r.fields[i].name, name) {
			return i
		}
	}
	return -1
}

// appendField adds a header that is not present, copying name and value.
func (r *Request) appendField(name, value string) {
	start := len(r.extra)
	r.extra = append(r.extra, name...)
	nameBytes := r.extra[start:]
	r.newField(lookupHeader(nameBytes), bstr(nameBytes), r.keep(value))
}

// keep copies s into the request's buffers (strings already there stay
// valid: append leaves the bytes before len alone, and a grown buffer
// leaves the old one to those strings).
func (r *Request) keep(s string) string {
	start := len(r.extra)
	r.extra = append(r.extra, s...)
	return bstr(r.extra[start:])
}

func (r *Request) has(id headerID) bool { return r.seen&(1<<id) != 0 }

// fieldByID returns the index of the field with the given id, -1 if none.
// Only meaningful for ids other than hdrOther.
func (r *Request) fieldByID(id headerID) int {
	if !r.has(id) {
		return -1
	}
	for i := range r.fields {
		if r.fields[i].id == id {
			return i
		}
	}
	return -1
}

// removeField deletes field i keeping the order of the others.
func (r *Request) removeField(i int) {
	id := r.fields[i].id
	copy(r.fields[i:], r.fields[i+1:])
	r.fields[len(r.fields)-1] = field{}
	r.fields = r.fields[:len(r.fields)-1]
	if id != hdrOther {
		r.seen &^= 1 << id
	}
}

// SetTarget replaces the target the request is served for, as a rewrite
// or an error handler does, and parses it again into Path and Query with
// the same rules as the request line's (lighttpd's
// http_request_parse_target): t may be a path with a query, or anything a
// client could have sent. It returns 0, or 400 when t does not parse
// (then Path and Query are not to be used). t may point into r.
func (r *Request) SetTarget(t string, o *config.ParseOpts) int {
	r.spare = append(r.spare[:0], t...)
	r.target, r.spare = r.spare, r.target
	r.Current = bstr(r.target)
	r.Query = ""
	return r.parseTarget(o)
}

// SetPath replaces Path, the path the request is served for, without
// parsing it again: mod_indexfile appends an index file's name to it,
// and PATH_INFO is cut from it. p is copied; it may point into r.
func (r *Request) SetPath(p []byte) {
	r.paths[0] = append(r.paths[0][:0], p...)
	r.paths[0], r.paths[1] = r.paths[1], r.paths[0]
	r.Path = bstr(r.paths[1])
}

package http

import (
	"strconv"

	"github.com/featherd/featherd/chunkqueue"
	"github.com/featherd/featherd/config"
)

// Response is the response to one request: status, headers in the order
// they were added, and a body. It is owned by its connection's event loop
// goroutine and reused for every request (Reset keeps its buffers).
type Response struct {
	// Status is the status code; a handler that sets none answers 200.
	Status int
	// Body is what follows the head. Handlers that send a file use
	// SendFile instead, so Prepare can apply ranges to it.
	Body chunkqueue.Queue
	// Close asks for the connection to be closed after this response
	// (lighttpd's http_status_set_error_close).
	Close bool
	// Streaming says the head may go out before the body is complete: the
	// body then follows in pieces, chunked for HTTP/1.1 and delimited by
	// closing the connection for HTTP/1.0, and Prepare sets no
	// Content-Length.
	Streaming bool

	fields        []respField
	file          *chunkqueue.File // the representation SendFile gave, or
	content       []byte           // the one SendContent gave
	hasContent    bool
	fileSize      int64
	contentLength int64 // -1: none sent
	ranges        []Range
	scratch       []byte // Content-Range and multipart heads
}

type respField struct{ name, value string }

// Reset empties the response for the next request.
func (w *Response) Reset() {
	w.Status = 0
	w.Close = false
	w.Streaming = false
	w.Body.Reset()
	clear(w.fields)
	w.fields = w.fields[:0]
	w.file, w.fileSize = nil, 0
	w.content, w.hasContent = nil, false
	w.contentLength = -1
	w.ranges = w.ranges[:0]
	w.scratch = w.scratch[:0]
}

// AddHeader adds a response header. Headers are sent in the order they
// were added; one whose value is empty is not sent.
func (w *Response) AddHeader(name, value string) {
	w.fields = append(w.fields, respField{name, value})
}

// SetHeader sets a response header, replacing the first header of that
// name (and removing any later ones) or adding it.
func (w *Response) SetHeader(name, value string) {
	w.DelHeader(name)
	w.AddHeader(name, value)
}

// DelHeader removes every response header called name.
func (w *Response) DelHeader(name string) {
	kept := w.fields[:0]
	for _, f := range w.fields {
		if !EqualFold(f.name, name) {
			kept = append(kept, f)
		}
	}
	clear(w.fields[len(kept):])
	w.fields = kept
}

// HeaderValues calls fn for each response header, in order.
func (w *Response) HeaderValues(fn func(name, value string)) {
	for _, f := range w.fields {
		fn(f.name, f.value)
	}
}

// ClearForError drops the headers and body a response has so far, for an
// error document or an error handler to replace them (lighttpd's
// http_response_errdoc_init): a 401 keeps its WWW-Authenticate.
func (w *Response) ClearForError() {
	auth := ""
	if w.Status == 401 {
		auth = w.Header("WWW-Authenticate")
	}
	clear(w.fields)
	w.fields = w.fields[:0]
	w.Body.Reset()
	w.file, w.fileSize = nil, 0
	w.content, w.hasContent = nil, false
	if auth != "" {
		w.AddHeader("WWW-Authenticate", auth)
	}
}

// Header returns the first value of a response header, or "".
func (w *Response) Header(name string) string {
	for _, f := range w.fields {
		if EqualFold(f.name, name) {
			return f.value
		}
	}
	return ""
}

// SendFile makes the file's first size bytes the body. f stays
// referenced by the caller; the body takes its own reference.
func (w *Response) SendFile(f *chunkqueue.File, size int64) {
	w.file, w.fileSize = f, size
}

// SendContent makes b, a whole file's contents held in memory, the body;
// like SendFile, Prepare applies ranges to it. b is copied into the body,
// so a cache may share it between responses.
func (w *Response) SendContent(b []byte) {
	w.content, w.hasContent, w.fileSize = b, true, int64(len(b))
}

// appendPart appends n bytes of the representation from off to the body.
func (w *Response) appendPart(off, n int64) {
	if w.hasContent {
		w.Body.Write(w.content[off : off+n])
		return
	}
	w.Body.AppendFile(w.file, off, n)
}

// multipartBoundary is lighttpd's boundary for multi-range responses.
const multipartBoundary = "fkj49sn38dcn3"

// Prepare completes the response before its head is written, after the
// pipeline gave error statuses their error document (the end of
// lighttpd's http_response_write_prepare): the status defaults to 200, a
// file body is narrowed to the requested ranges, and the body is dropped
// where HTTP forbids one (HEAD, 304, 204, 205) while Content-Length says
// what it would be. A streaming response gets no Content-Length (and,
// for HEAD, no body).
func (w *Response) Prepare(r *Request, o *config.Options) {
	if w.Status == 0 {
		w.Status = 200
	}
	if w.file != nil || w.hasContent {
		w.prepareFile(r, o)
	}
	if w.Streaming {
		w.contentLength = -1
		if r.Method == MethodHead {
			w.Body.Reset()
		}
		return
	}
	if w.Header("Content-Length") != "" {
		if r.Method == MethodHead {
			// A handler's length for a HEAD says what a GET would get.
			w.Body.Reset()
			w.contentLength = -1
			return
		}
		w.DelHeader("Content-Length") // the body's own length is the one sent
	}
	switch {
	case w.Status == 205:
		// Content-Length: 0, as lighttpd sends it: 205 has no body, but
		// unlike 204 may say so.
		w.Body.Reset()
		w.contentLength = 0
		return
	case w.Status == 304 || w.Status == 204 || w.Status < 200:
		w.Body.Reset()
		w.contentLength = -1
		return
	}
	w.contentLength = w.Body.Len()
	if r.Method == MethodHead {
		w.Body.Reset()
	}
}

// prepareFile turns a SendFile into the body, applying Range (lighttpd's
// http_range_rfc7233) to a 200 answer to GET or HEAD.
func (w *Response) prepareFile(r *Request, o *config.Options) {
	size := w.fileSize
	defer func() { w.file, w.content, w.hasContent = nil, nil, false }()
	if w.Status != 200 {
		// An error handler's page answering with the error's status:
		// the whole file, never a range.
		w.appendPart(0, size)
		return
	}
	if !o.RangeRequests || r.Version != Version11 || (r.Method != MethodGet && r.Method != MethodHead) {
		w.appendPart(0, size)
		return
	}
	// An Accept-Ranges a module set stands, and "none" turns ranges off
	// (setenv.set-response-header = ( "Accept-Ranges" => "none" )), as
	// in lighttpd.
	switch w.Header("Accept-Ranges") {
	case "":
		w.AddHeader("Accept-Ranges", "bytes")
	case "none":
		w.appendPart(0, size)
		return
	}
	rng := r.Header("Range")
	if r.Method != MethodGet || rng == "" || size == 0 || !w.ifRange(r) {
		w.appendPart(0, size)
		return
	}
	ranges, ok := ParseRange(rng, size, w.ranges[:0])
	w.ranges = ranges
	switch {
	case !ok:
		w.appendPart(0, size)
	case len(ranges) == 0:
		// An error page: the file's headers (validators, caching,
		// Accept-Ranges) go, as lighttpd's error document drops them;
		// Content-Range stays, as RFC 9110 asks (lighttpd's drops it too).
		w.Status = 416
		clear(w.fields)
		w.fields = w.fields[:0]
		w.scratch = strconv.AppendInt(append(w.scratch[:0], "bytes */"...), size, 10)
		w.AddHeader("Content-Range", bstr(w.scratch))
		w.setErrorPage()
	case len(ranges) == 1:
		rg := ranges[0]
		w.Status = 206
		w.scratch = appendContentRange(w.scratch[:0], rg, size)
		w.AddHeader("Content-Range", bstr(w.scratch))
		w.appendPart(rg.Start, rg.End-rg.Start+1)
	default:
		w.Status = 206
		contentType := w.Header("Content-Type")
		w.replaceHeader("Content-Type", "multipart/byteranges; boundary="+multipartBoundary)
		for i, rg := range ranges {
			part := w.scratch[:0]
			if i > 0 {
				part = append(part, "\r\n"...)
			}
			part = append(part, "--"+multipartBoundary+"\r\n"...)
			if contentType != "" {
				part = append(append(append(part, "Content-Type: "...), contentType...), "\r\n"...)
			}
			part = append(appendContentRange(append(part, "Content-Range: "...), rg, size), "\r\n\r\n"...)
			w.Body.Write(part)
			w.scratch = part
			w.appendPart(rg.Start, rg.End-rg.Start+1)
		}
		w.Body.WriteString("\r\n--" + multipartBoundary + "--\r\n")
	}
}

// ifRange reports whether If-Range, if present, still names the file: a
// quoted value compares with the ETag, any other with Last-Modified.
func (w *Response) ifRange(r *Request) bool {
	v := r.Header("If-Range")
	if v == "" {
		return true
	}
	if v[0] == '"' {
		return v == w.Header("ETag")
	}
	return v == w.Header("Last-Modified")
}

func (w *Response) setErrorPage() {
	w.replaceHeader("Content-Type", "text/html")
	w.Body.Reset()
	w.Body.Write(ErrorPage(w.Status))
}

func (w *Response) replaceHeader(name, value string) {
	for i := range w.fields {
		if EqualFold(w.fields[i].name, name) {
			w.fields[i].value = value
			return
		}
	}
	w.AddHeader(name, value)
}

func appendContentRange(b []byte, rg Range, size int64) []byte {
	b = append(b, "bytes "...)
	b = strconv.AppendInt(b, rg.Start, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, rg.End, 10)
	b = append(b, '/')
	return strconv.AppendInt(b, size, 10)
}

// AppendHead appends the status line and header block: the handler's
// headers in order, then Content-Length, Connection, Date and Server, as
// lighttpd orders them. date is the preformatted Date value; an empty tag
// sends no Server header. As in lighttpd, a Date or Server header among
// the handler's (mod_setenv's, a backend's) is sent instead of
// featherd's own.
func (w *Response) AppendHead(dst []byte, r *Request, keepAlive bool, date []byte, tag string) []byte {
	if r.Version == Version11 {
		dst = append(dst, "HTTP/1.1 "...)
	} else {
		dst = append(dst, "HTTP/1.0 "...)
	}
	dst = strconv.AppendInt(dst, int64(w.Status), 10)
	dst = append(dst, ' ')
	dst = append(dst, StatusText(w.Status)...)
	dst = append(dst, "\r\n"...)
	hasDate, hasServer := false, false
	for _, f := range w.fields {
		if f.value == "" {
			continue
		}
		switch len(f.name) {
		case 4:
			hasDate = hasDate || EqualFold(f.name, "Date")
		case 6:
			hasServer = hasServer || EqualFold(f.name, "Server")
		}
		dst = append(dst, f.name...)
		dst = append(dst, ": "...)
		dst = append(dst, f.value...)
		dst = append(dst, "\r\n"...)
	}
	if w.contentLength >= 0 {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, w.contentLength, 10)
		dst = append(dst, "\r\n"...)
	}
	switch {
	case !keepAlive:
		dst = append(dst, "Connection: close\r\n"...)
	case r.Version != Version11:
		dst = append(dst, "Connection: keep-alive\r\n"...)
	}
	if !hasDate {
		dst = append(dst, "Date: "...)
		dst = append(dst, date...)
		dst = append(dst, "\r\n"...)
	}
	if tag != "" && !hasServer {
		dst = append(dst, "Server: "...)
		dst = append(dst, tag...)
		dst = append(dst, "\r\n"...)
	}
	return append(dst, "\r\n"...)
}

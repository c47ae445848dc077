package http

import "bytes"

// chunked decoder states
const (
	chunkSize    = iota // expecting a chunk-size line
	chunkData           // inside chunk data
	chunkDataEnd        // expecting the CRLF after chunk data
	chunkTrailer        // after the last chunk: trailer lines, then CRLF
	chunkDone
)

// maxChunkLine is lighttpd's bound on a chunk-size line, extensions and
// CRLF included.
const maxChunkLine = 1024

// maxChunkSize keeps the running size far from overflow, as lighttpd's
// off_t arithmetic does (1<<59 minus room for the CRLF).
const maxChunkSize = 1<<59 - 1 - 2

// ChunkedDecoder de-chunks a request body (Transfer-Encoding: chunked)
// incrementally, with lighttpd's rules (h1.c h1_chunked): a chunk-size line
// is hex digits, optional spaces or tabs, an optional ";extension" without
// a stray CR, and CRLF; the line may not reach 1024 bytes; chunk data must
// end with CRLF. Trailer fields are checked (lighttpd's
// http_request_trailers_check) and skipped, not merged into the headers.
// Every error is 400, except a body over MaxBodySize, 413.
//
// It is owned by its connection's event loop goroutine. The zero value is
// ready to use; Reset prepares it for the next body and keeps the limits.
type ChunkedDecoder struct {
	// MaxFieldSize bounds the trailer section (server.max-request-field-size);
	// 0 means 8192.
	MaxFieldSize int
	// MaxBodySize bounds the de-chunked body (server.max-request-size, in
	// bytes); 0 means no limit. It is checked at each chunk-size line, so a
	// chunk announced too big is refused before its data arrives.
	MaxBodySize int64
	// Trailer is the request's Trailer header, if any: trailer fields must
	// then be listed in it.
	Trailer string

	state    uint8
	left     int64 // chunk data still to come
	total    int64 // body bytes so far
	trailers int   // trailer bytes so far
}

// Reset prepares d for the next body. The limits and Trailer are kept.
func (d *ChunkedDecoder) Reset() {
	d.state = chunkSize
	d.left = 0
	d.total = 0
	d.trailers = 0
}

// Decode consumes chunked body bytes from in and hands the de-chunked data
// to body (the slices alias in and are valid only during the call; a nil
// body discards the data). It
// returns how many bytes of in were consumed; the rest (a partial line)
// must be presented again, with more bytes appended, on the next call.
// done is true once the last chunk and the trailers have been consumed;
// in[consumed:] is then the next request. status is 400 or 413 when the
// body is bad, and the connection must be closed.
func (d *ChunkedDecoder) Decode(in []byte, body func(p []byte)) (consumed int, done bool, status int) {
	pos := 0
	for pos < len(in) {
		switch d.state {
		case chunkSize:
			lf := bytes.IndexByte(in[pos:], '\n')
			if lf < 0 {
				if len(in)-pos >= maxChunkLine {
					return pos, false, 400
				}
				return pos, false, 0
			}
			line := in[pos : pos+lf+1]
			size, ok := parseChunkSize(line)
			if !ok || len(line) >= maxChunkLine {
				return pos, false, 400
			}
			pos += len(line)
			if size == 0 {
				d.state = chunkTrailer
				continue
			}
			if d.MaxBodySize > 0 && (size > d.MaxBodySize || d.total > d.MaxBodySize-size) {
				return pos, false, 413
			}
			d.left = size
			d.state = chunkData
		case chunkData:
			n := int64(len(in) - pos)
			if n > d.left {
				n = d.left
			}
			if body != nil {
				body(in[pos : pos+int(n)])
			}
			pos += int(n)
			d.left -= n
			d.total += n
			if d.left == 0 {
				d.state = chunkDataEnd
			}
		case chunkDataEnd:
			if in[pos] != '\r' {
				return pos, false, 400
			}
			if pos+1 == len(in) {
				return pos, false, 0
			}
			if in[pos+1] != '\n' {
				return pos, false, 400
			}
			pos += 2
			d.state = chunkSize
		case chunkTrailer:
			lf := bytes.IndexByte(in[pos:], '\n')
			if lf < 0 {
				if d.trailers+len(in)-pos > d.maxFieldSize() {
					return pos, false, 400
				}
				return pos, false, 0
			}
			line := in[pos : pos+lf+1]
			d.trailers += len(line)
			if d.trailers > d.maxFieldSize() {
				return pos, false, 400
			}
			if len(line) == 2 && line[0] == '\r' {
				d.state = chunkDone
				return pos + 2, true, 0
			}
			if !d.validTrailer(line) {
				return pos, false, 400
			}
			pos += len(line)
		case chunkDone:
			return pos, true, 0
		}
	}
	return pos, d.state == chunkDone, 0
}

func (d *ChunkedDecoder) maxFieldSize() int {
	if d.MaxFieldSize > 0 {
		return d.MaxFieldSize
	}
	return 8192
}

// parseChunkSize reads a chunk-size line (with its CRLF).
func parseChunkSize(line []byte) (int64, bool) {
	n := len(line)
	if n < 3 || line[n-2] != '\r' {
		return 0, false
	}
	var size int64
	i := 0
	for ; i < n; i++ {
		v := hexValue(line[i])
		if v < 0 {
			break
		}
		if size > maxChunkSize>>4 {
			return 0, false
		}
		size = size<<4 | int64(v)
	}
	if i == 0 {
		return 0, false
	}
	for i < n-2 && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i == n-2 {
		return size, true
	}
	// A chunk extension: anything up to the CRLF but another CR.
	if line[i] != ';' || bytes.IndexByte(line[i:], '\r') != n-2-i {
		return 0, false
	}
	return size, true
}

// validTrailer checks one trailer line (with its line break) as lighttpd
// does: "name: value" CRLF, a token name that is listed in the Trailer
// header (if the request had one) and is not a field that trailers may not
// carry, a non-empty value without control characters. Obs-fold is refused
// (RFC 9112 §5.2 allows that).
func (d *ChunkedDecoder) validTrailer(line []byte) bool {
	n := len(line)
	if n < 2 || line[n-2] != '\r' {
		return false
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	name := line[:colon]
	if !validName(name, true) || forbiddenTrailer(name) {
		return false
	}
	if d.Trailer != "" && !containsToken(d.Trailer, bstr(name)) {
		return false
	}
	v := colon + 1
	for v < n-2 && (line[v] == ' ' || line[v] == '\t') {
		v++
	}
	value := line[v : n-2]
	return len(value) > 0 && validValue(value)
}

// forbiddenTrailers are the fields lighttpd refuses in trailers: framing,
// routing, authentication, conditionals and other fields a recipient must
// see before the body.
var forbiddenTrailers = []string{
	"authorization", "age", "cache-control", "connection", "content-encoding",
	"content-length", "content-range", "content-type", "date", "expect",
	"expires", "forwarded", "host", "if-match", "if-modified-since",
	"if-none-match", "if-range", "if-unmodified-since", "location", "pragma",
	"range", "set-cookie", "te", "transfer-encoding", "upgrade", "user-agent",
	"vary", "www-authenticate", "proxy-connection", "max-forwards", "trailer",
}

func forbiddenTrailer(name []byte) bool {
	for _, f := range forbiddenTrailers {
		if equalFoldLower(name, f) {
			return true
		}
	}
	return false
}

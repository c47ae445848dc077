package bench

import (
	"bytes"
	"errors"
)

// errFraming is any response that does not parse as HTTP/1.x; it is
// counted as ErrBody.
var errFraming = errors.New("bad response framing")

// maxLine bounds a response head or a chunk-size line.
const maxLine = 64 << 10

type parseState int

const (
	stHead       parseState = iota // status line and headers
	stBody                         // remain bytes of Content-Length body
	stChunkSize                    // a chunk-size line
	stChunkData                    // remain bytes of chunk data, then CRLF
	stTrailer                      // trailer lines after the last chunk
	stUntilClose                   // no length: the body ends at EOF
)

// response parses one response after another from a connection's byte
// stream without buffering bodies. It belongs to its conn.
type response struct {
	state     parseState
	line      []byte // head or chunk-size line gathered so far
	remain    int64
	status    int
	connClose bool // the server said Connection: close or spoke HTTP/1.0
	started   bool // a byte of the current response has arrived
}

// feed consumes bytes of p. It returns how many, and done when a
// response completed (status and connClose then describe it; the caller
// feeds the rest of p again for the next one).
func (r *response) feed(p []byte, head bool) (n int, done bool, err error) {
	if len(p) > 0 {
		r.started = true
	}
	switch r.state {
	case stHead:
		return r.feedHead(p, head)
	case stBody, stChunkData:
		n = len(p)
		if int64(n) > r.remain {
			n = int(r.remain)
		}
		r.remain -= int64(n)
		if r.remain > 0 {
			return n, false, nil
		}
		if r.state == stBody {
			return n, r.finish(), nil
		}
		r.state, r.remain = stChunkSize, -1 // -1: the CRLF after the data comes first
		return n, false, nil
	case stChunkSize, stTrailer:
		return r.feedChunkLine(p)
	case stUntilClose:
		return len(p), false, nil
	}
	return 0, false, errFraming
}

// eof tells the parser the server closed; done is true when that ends a
// close-delimited body.
func (r *response) eof() (done bool) {
	if r.state == stUntilClose {
		r.connClose = true
		return r.finish()
	}
	return false
}

func (r *response) finish() bool {
	r.state = stHead
	r.line = r.line[:0]
	r.started = false
	return true
}

func (r *response) feedHead(p []byte, head bool) (int, bool, error) {
	from := len(r.line) - 3
	if from < 0 {
		from = 0
	}
	r.line = append(r.line, p...)
	i := bytes.Index(r.line[from:], []byte("\r\n\r\n"))
	if i < 0 {
		if len(r.line) > maxLine {
			return len(p), false, errFraming
		}
		return len(p), false, nil
	}
	end := from + i + 4
	n := len(p) - (len(r.line) - end)
	if err := r.parseHead(r.line[:end], head); err != nil {
		return n, false, err
	}
	r.line = r.line[:0]
	if r.state == stHead || (r.state == stBody && r.remain == 0) {
		return n, r.finish(), nil
	}
	return n, false, nil
}

// parseHead reads the status line and the framing headers of head (which
// ends in CRLF CRLF) and sets the body state.
func (r *response) parseHead(h []byte, headReq bool) error {
	sl, rest, _ := bytes.Cut(h[:len(h)-4], []byte("\r\n"))
	if len(sl) < 12 || !bytes.HasPrefix(sl, []byte("HTTP/1.")) || sl[8] != ' ' || (len(sl) > 12 && sl[12] != ' ') {
		return errFraming
	}
	code, ok := atoi(sl[9:12])
	if !ok || code < 100 {
		return errFraming
	}
	r.status = int(code)
	r.connClose = sl[7] == '0'
	length, chunked := int64(-1), false
	for len(rest) > 0 {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			return errFraming
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			v, ok := atoi(value)
			if !ok || (length >= 0 && v != length) {
				return errFraming
			}
			length = v
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
			if !chunked {
				return errFraming
			}
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				r.connClose = true
			} else if bytes.EqualFold(value, []byte("keep-alive")) {
				r.connClose = false
			}
		}
	}
	switch {
	case headReq || code == 204 || code == 304 || code < 200:
		r.state = stHead // 1xx are interim; the caller counts them like any response
	case chunked:
		r.state, r.remain = stChunkSize, 0
	case length >= 0:
		r.state, r.remain = stBody, length
	default:
		r.state = stUntilClose
	}
	return nil
}

// feedChunkLine gathers one line in the chunked body: a chunk size, the
// CRLF that ends chunk data (an empty line after data), or a trailer.
func (r *response) feedChunkLine(p []byte) (int, bool, error) {
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		r.line = append(r.line, p...)
		if len(r.line) > maxLine {
			return len(p), false, errFraming
		}
		return len(p), false, nil
	}
	r.line = append(r.line, p[:i+1]...)
	n := i + 1
	l := r.line
	if len(l) < 2 || l[len(l)-2] != '\r' {
		return n, false, errFraming
	}
	l = l[:len(l)-2]
	r.line = r.line[:0]
	if r.state == stTrailer {
		if len(l) == 0 {
			return n, r.finish(), nil
		}
		return n, false, nil
	}
	if len(l) == 0 {
		if r.remain == -1 { // the CRLF after chunk data: now the size line
			r.remain = 0
			return n, false, nil
		}
		return n, false, errFraming
	}
	if semi := bytes.IndexByte(l, ';'); semi >= 0 {
		l = l[:semi]
	}
	size, ok := hextoi(bytes.TrimSpace(l))
	if !ok {
		return n, false, errFraming
	}
	if size == 0 {
		r.state = stTrailer
		return n, false, nil
	}
	r.state, r.remain = stChunkData, size
	return n, false, nil
}

// atoi parses a non-negative decimal of at most 18 digits (no sign, no
// blanks). strconv would need a string, and converting to one allocates
// once per response.
func atoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// hextoi parses a chunk size.
func hextoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | int64(c)
	}
	return v, true
}

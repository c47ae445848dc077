package http

import "time"

// CheckPreconditions evaluates the conditional request headers against
// a representation's validators (RFC 9110 §13.2.2) and returns 304 or 412
// when the request's preconditions say so, else 0. etag may be empty
// (then If-None-Match is skipped and If-Match fails); lastModified is the
// formatted Last-Modified value and mtime the time it stands for.
//
// If-None-Match and If-Modified-Since behave as in lighttpd; If-Match and
// If-Unmodified-Since, which lighttpd does not evaluate, follow the RFC.
func CheckPreconditions(r *Request, etag, lastModified string, mtime time.Time) int {
	mtime = mtime.Truncate(time.Second)
	if v := r.Header("If-Match"); v != "" {
		if etag == "" || !ETagMatches(v, etag, false) {
			return 412
		}
	} else if v := r.Header("If-Unmodified-Since"); v != "" {
		if t, ok := ParseHTTPDate(v); ok && mtime.After(t) {
			return 412
		}
	}
	safe := r.Method == MethodGet || r.Method == MethodHead
	if v := r.Header("If-None-Match"); v != "" && etag != "" {
		// A weak comparison, except that a Range request needs a strong one.
		if ETagMatches(v, etag, r.Header("Range") == "") {
			if safe {
				return 304
			}
			return 412
		}
		return 0
	}
	if v := r.Header("If-Modified-Since"); v != "" && safe && lastModified != "" {
		if v == lastModified {
			return 304
		}
		if t, ok := ParseHTTPDate(v); ok && !mtime.After(t) {
			return 304
		}
	}
	return 0
}

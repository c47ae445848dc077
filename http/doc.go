// Package http parses HTTP/1.1 requests strictly (RFC 9112, with
// lighttpd's outcomes for bad input except where RFC 9112 asks for
// another, as the README lists), builds response heads, and holds the
// request handlers below it: so far http/staticfile.
//
// Everything here is pure: no I/O, no goroutines, and no allocation per
// request once a connection's Request has grown its buffers.
//
// Request.Parse reads a request head with lighttpd's rules and
// server.http-parseopts (target normalisation included, so Path cannot
// leave the document root); ChunkedDecoder de-chunks request bodies.
// Response holds what a Handler produced; Prepare applies ranges, error
// pages and HEAD, and AppendHead writes the head in lighttpd's order.
// CheckPreconditions, ParseRange, ParseHTTPDate / AppendHTTPDate and
// ETagMatches serve conditional and partial responses; StatusText and
// ErrorPage give lighttpd's reason phrases and built-in error pages.
package http

// Package http parses HTTP/1.1 requests strictly (RFC 9112, with
// lighttpd's outcomes for bad input except where RFC 9112 asks for
// another, as the README lists) and builds responses. The request
// pipeline (lighttpd's phases and plugin hooks) is http/pipeline; each
// module it runs is a package below it named for its lighttpd module
// (http/staticfile is mod_staticfile, http/indexfile mod_indexfile, …),
// and http/modules links them all in. http/statcache is the core's stat
// cache.
//
// Everything in this package is pure: no I/O, no goroutines, and no
// allocation per request once a connection's Request has grown its
// buffers.
//
// Request.Parse reads a request head with lighttpd's rules and
// server.http-parseopts (target normalisation included, so Path cannot
// leave the document root); SetTarget parses a rewritten target the same
// way, and AddHeader, SetHeader and DelHeader let modules change its
// headers with lighttpd's merge rules; ChunkedDecoder de-chunks request
// bodies. Response holds what the pipeline produced; Prepare applies
// ranges and HEAD, and AppendHead writes the head in lighttpd's order.
// CheckPreconditions, ParseRange, ParseHTTPDate / AppendHTTPDate and
// ETagMatches serve conditional and partial responses; StatusText and
// ErrorPage give lighttpd's reason phrases and built-in error pages.
package http

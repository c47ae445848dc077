// Package http parses HTTP/1.1 requests strictly (RFC 9112, with
// lighttpd's outcomes for bad input), builds response heads, and holds
// the request handlers below it: http/staticfile, http/fastcgi,
// http/proxy.
//
// Status: not built yet; the README's feature table says what works.
package http

// Package chunkqueue holds a response body as lighttpd does: memory
// chunks, file chunks (a shared, reference-counted fd with an offset and a
// length) and temp-file chunks; and its writer, which writes straight on
// the socket with writev and sendfile, corks TCP around headers and a
// file, and throttles to the configured rates.
//
// Status: not built yet; the README's feature table says what works.
package chunkqueue

// Package chunkqueue holds a response body, or a request body, as lighttpd
// does: memory chunks, file chunks (a shared, reference-counted fd with an
// offset and a length) and a temp file a body spills to beyond a memory
// limit (tempfile.go); and its writer, which writes straight on the
// socket with writev and sendfile, corks TCP around headers and a file,
// and throttles to the configured rates.
//
// A Queue and a Writer belong to one goroutine (a connection's event
// loop, and the loop); Files and Scopes are shared between loops and
// count with atomics. Nothing here knows about the reactor: the writer
// only reports ErrAgain, and the caller waits for EPOLLOUT.
//
// The response path allocates nothing in steady state: an event loop
// keeps its buffers in a BufferCache.
package chunkqueue

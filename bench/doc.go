// Package bench is featherd's benchmark harness (the featherd-bench
// command lives in cmd/).
//
// What exists now is the load generator, Run: an HTTP/1.1 client on raw
// non-blocking sockets. Each of Config.Threads goroutines owns an epoll
// instance and drives its share of Config.Conns connections, keeping up to
// Config.Pipeline requests in flight on each. Every response is parsed
// (status line, Content-Length, chunked or close-delimited body); failures
// are counted by ErrKind and latencies go into an HDR histogram in
// microseconds. Result prints a summary and writes the JSON report.
//
// Running featherd, lighttpd and nginx side by side and comparing their
// figures is not built yet.
package bench

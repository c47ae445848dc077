// Package reactor runs featherd's event loops: a gnet client engine with
// one loop per core, featherd's own accept goroutines handing connections
// to it, and lighttpd's connection state machine (CON_STATE_REQUEST_START
// through CON_STATE_CLOSE) with keep-alive, pipelining, timeouts, limits
// and draining for graceful restarts.
//
// Status: not built yet; the README's feature table says what works.
package reactor

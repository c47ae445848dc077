// Package bench is featherd's benchmark harness: it runs featherd, lighttpd
// and nginx side by side on this machine and reports each scenario's
// figures and their ratios (the featherd-bench command lives in cmd/).
//
// Status: not built yet; the README's feature table says what works.
package bench

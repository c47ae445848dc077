package main

import (
	"fmt"
	"io"

	"github.com/featherd/featherd/http/pipeline"
)

// version is featherd's release; the build may set it with
// -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func serverTag() string { return "featherd/" + version }

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "featherd/%s - lighttpd's core in Go\n", version)
}

// support is one line of -V: what a build has (+) or lacks (-).
type support struct {
	have bool
	name string
}

// printSupport writes -V in lighttpd's format, which scripts parse: a
// heading, a blank line, and "\t+ NAME" or "\t- NAME" lines. Each line is
// derived from what this binary contains, not from a wish list.
func printSupport(w io.Writer) {
	printVersion(w)
	sections := []struct {
		title string
		lines []support
	}{
		{"Event Handlers", []support{
			{serving, "epoll (Linux, gnet event loops)"},
		}},
		{"Network handler", []support{
			{serving, "linux-sendfile"},
			{serving, "writev"},
		}},
		{"Features", []support{
			{true, "lighttpd.conf support (include, include_shell, conditionals)"},
			{serving, "IPv6 support"},
			// lighttpd's name, which scripts grep for; the engine is Go's.
			{true, "PCRE support (Go regexp, RE2: PCRE syntax without back-references or look-around)"},
			{false, "TLS support"},
			{false, "HTTP/2 support"},
		}},
		{"Modules", moduleSupport()},
	}
	for _, s := range sections {
		fmt.Fprintf(w, "\n%s:\n\n", s.title)
		for _, l := range s.lines {
			mark := "-"
			if l.have {
				mark = "+"
			}
			fmt.Fprintf(w, "\t%s %s\n", mark, l.name)
		}
	}
}

// moduleSupport lists every module this binary has (those linked in
// register themselves with the pipeline).
func moduleSupport() []support {
	var out []support
	for _, m := range pipeline.Registered() {
		out = append(out, support{serving, m})
	}
	return out
}

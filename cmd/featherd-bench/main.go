// Command featherd-bench is featherd's benchmark harness. Its one
// subcommand so far, load, sends HTTP/1.1 requests to a URL and reports
// throughput, errors by kind and latency percentiles.
//
// This file only wires the command line to package bench.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/featherd/featherd/bench"
)

const usage = `usage: featherd-bench load [flags] URL

Sends requests to URL (http:// only) for -d and prints what it measured.

`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "load" {
		fmt.Fprint(stderr, usage)
		return 2
	}
	return load(args[1:], stdout, stderr)
}

// headers collects repeated -H flags.
type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func load(args []string, stdout, stderr io.Writer) int {
	var cfg bench.Config
	var jsonFile string
	fs := flag.NewFlagSet("featherd-bench load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.IntVar(&cfg.Conns, "c", 10, "connections kept open")
	fs.DurationVar(&cfg.Duration, "d", 10*time.Second, "how long to send requests")
	fs.IntVar(&cfg.Threads, "t", 1, "threads (goroutines with one epoll each) sharing the connections")
	fs.IntVar(&cfg.Pipeline, "pipeline", 1, "requests written ahead on each connection")
	fs.BoolVar(&cfg.Close, "close", false, "send Connection: close and open a connection per request")
	fs.Var((*headers)(&cfg.Headers), "H", "extra header `Name: value` (repeatable)")
	fs.StringVar(&cfg.Method, "method", "GET", "request method")
	fs.DurationVar(&cfg.Timeout, "timeout", 2*time.Second, "a response later than this counts as a timeout error")
	fs.StringVar(&jsonFile, "json", "", "also write the report as JSON to `FILE`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "featherd-bench load: want one URL")
		fs.Usage()
		return 2
	}
	if cfg.Conns <= 0 || cfg.Threads <= 0 || cfg.Pipeline <= 0 || cfg.Duration <= 0 || cfg.Timeout <= 0 {
		fmt.Fprintln(stderr, "featherd-bench load: -c, -t, -pipeline, -d and -timeout must be positive")
		return 2
	}
	cfg.URL = fs.Arg(0)
	res, err := bench.Run(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "featherd-bench load: %v\n", err)
		return 1
	}
	res.WriteSummary(stdout)
	if jsonFile != "" {
		if err := res.WriteJSON(jsonFile); err != nil {
			fmt.Fprintf(stderr, "featherd-bench load: %v\n", err)
			return 1
		}
	}
	return 0
}

package main

import (
	"errors"
	"fmt"
	"strconv"
)

// flags are featherd's command line, lighttpd's getopt string
// "f:m:i:hvVD1pt".
type flags struct {
	configFile  string // -f; "-" is stdin; "" is the embedded default
	moduleDir   string // -m, accepted for lighttpd compatibility; featherd's modules are built in
	idleTimeout int    // -i seconds, 0 is off
	foreground  bool   // -D
	oneShot     bool   // -1
	printConfig bool   // -p
	test        int    // -t once: syntax check; twice (-tt): preflight
	version     bool   // -v
	versionLong bool   // -V
	help        bool   // -h
}

// parseFlags reads short options as getopt(3) does: they may be grouped
// (-Dt, -tt), and an option's argument may follow it directly (-fFILE) or
// be the next argument. The first non-option argument ends the options;
// featherd takes no operands.
func parseFlags(args []string) (flags, error) {
	var f flags
	seenF := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			if i < len(args) {
				return f, fmt.Errorf("unexpected argument %q", args[i])
			}
			break
		}
		if len(a) < 2 || a[0] != '-' {
			return f, fmt.Errorf("unexpected argument %q", a)
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			var arg string
			if c == 'f' || c == 'm' || c == 'i' {
				switch {
				case j+1 < len(a):
					arg = a[j+1:]
				case i+1 < len(args):
					i++
					arg = args[i]
				default:
					return f, fmt.Errorf("option -%c requires an argument", c)
				}
				j = len(a)
			}
			switch c {
			case 'f':
				if seenF {
					return f, errors.New("can only read one config file; use the include command to use multiple config files")
				}
				seenF, f.configFile = true, arg
			case 'm':
				f.moduleDir = arg
			case 'i':
				n, err := strconv.ParseInt(arg, 0, 32)
				if err != nil || n < 0 {
					return f, fmt.Errorf("invalid idle timeout %q: expected a number of seconds", arg)
				}
				f.idleTimeout = int(n)
			case 'h':
				f.help = true
			case 'v':
				f.version = true
			case 'V':
				f.versionLong = true
			case 'D':
				f.foreground = true
			case '1':
				f.oneShot = true
			case 'p':
				f.printConfig = true
			case 't':
				f.test++
			default:
				return f, fmt.Errorf("invalid option -- '%c'", c)
			}
		}
	}
	if f.oneShot && f.configFile == "-" {
		return f, errors.New("-1 cannot be combined with -f - (stdin is the connection)")
	}
	return f, nil
}

const usage = `featherd/%s - lighttpd's core in Go: a fast web server that restarts without dropping a connection

usage: featherd [-f <file>] [-D] [-t | -tt] [-p] [-1] [-i <secs>] [-v] [-V] [-h]

  -f <file>  read the configuration from <file> (lighttpd.conf syntax); "-" reads
             standard input. Without -f, featherd serves ./www (or the current
             directory when there is no www/) on http://127.0.0.1:8080
  -m <dir>   module directory (accepted for lighttpd compatibility; featherd's
             modules are built in, so it is ignored)
  -p         print the evaluated configuration and exit
  -t         test the configuration syntax and exit
  -tt        test the configuration and run the preflight checks that need no
             sockets (document roots, users, log directories, limits) and exit
  -D         do not go to the background
  -1         serve the one connection already accepted on standard input (a socket,
             or a FIFO with the responses on standard output), then exit
  -i <secs>  stop gracefully after <secs> seconds without activity (0: never)
  -v         show the version
  -V         show the version and what this build supports
  -h         show this help
`

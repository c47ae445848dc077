// Command featherd is lighttpd's core re-created in Go: it reads
// lighttpd.conf and serves static files and FastCGI on gnet event loops.
//
// This file only wires the command line to the packages that do the work.
package main

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/restart"
)

// serving reports whether this build can serve requests (-V says so).
const serving = true

//go:embed default.conf
var defaultConf string

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f, err := parseFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "featherd: %v\n\n", err)
		fmt.Fprintf(stderr, usage, version)
		return 2
	}
	switch {
	case f.help:
		fmt.Fprintf(stdout, usage, version)
		return 0
	case f.version:
		printVersion(stdout)
		return 0
	case f.versionLong:
		printSupport(stdout)
		return 0
	}
	if f.moduleDir != "" {
		fmt.Fprintf(stderr, "featherd: -m %s ignored: featherd's modules are built in\n", f.moduleDir)
	}

	cfg, err := loadConfig(f.configFile, stdin)
	if err != nil {
		printError(stderr, err)
		return 1
	}
	if f.test >= 2 {
		err = cfg.Preflight()
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, w)
	}
	if err != nil {
		printError(stderr, err)
		return 1
	}
	switch {
	case f.printConfig:
		if err := cfg.Print(stdout); err != nil {
			printError(stderr, err)
			return 1
		}
		return 0
	case f.test > 0:
		fmt.Fprintln(stdout, "Syntax OK")
		return 0
	}
	switch {
	case f.oneShot:
		fmt.Fprintln(stderr, "featherd: -1 (one-shot mode) is not supported yet")
		return 1
	case f.idleTimeout > 0:
		fmt.Fprintln(stderr, "featherd: -i (idle shutdown) is not supported yet")
		return 1
	case !f.foreground:
		// Going to the background arrives with the master process; until
		// then featherd stays in the foreground and says so.
		fmt.Fprintln(stderr, "featherd: running in the foreground (background mode is not supported yet)")
	}
	if err := restart.ServeForeground(cfg, stderr, nil); err != nil {
		printError(stderr, err)
		return 1
	}
	return 0
}

// loadConfig reads the configuration named by -f: a file, "-" for stdin,
// or the built-in default when empty.
func loadConfig(file string, stdin io.Reader) (*config.Config, error) {
	opts := config.LoadOptions{DefaultTag: serverTag()}
	switch file {
	case "":
		return config.Parse("(built-in default)", defaultConfig(), "", opts)
	case "-":
		return config.LoadReader("(stdin)", stdin, opts)
	}
	return config.LoadFile(file, opts)
}

// defaultConfig is the embedded configuration with its document root:
// ./www when it exists, else the working directory.
func defaultConfig() string {
	root, err := os.Getwd()
	if err != nil {
		root = "."
	}
	if fi, err := os.Stat(filepath.Join(root, "www")); err == nil && fi.IsDir() {
		root = filepath.Join(root, "www")
	}
	return "var.docroot = " + config.StringValue(root).String() + "\n" + defaultConf
}

// printError writes each configuration error on its own line as
// "file:line:col: message"; other errors get the program's name.
func printError(w io.Writer, err error) {
	var list config.ErrorList
	var one *config.Error
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			fmt.Fprintln(w, e)
		}
	case errors.As(err, &one):
		fmt.Fprintln(w, one)
	default:
		fmt.Fprintf(w, "featherd: %v\n", err)
	}
}

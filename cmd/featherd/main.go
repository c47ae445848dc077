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
	"syscall"
	"time"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/restart"
)

// serving reports whether this build can serve requests (-V says so).
const serving = true

//go:embed default.conf
var defaultConf string

func main() {
	nameMaster(os.Args)
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// masterName is the name ps shows for the master, as it shows
// "featherd: generation N" for the processes that serve.
const masterName = "featherd: master"

// nameMaster re-executes featherd in place (same pid, same files) under
// the master's name when this process is about to become the master.
func nameMaster(argv []string) {
	f, err := parseFlags(argv[1:])
	if err != nil || argv[0] == masterName || os.Getenv(restart.GenerationEnv) != "" ||
		f.help || f.version || f.versionLong || f.test > 0 || f.printConfig || f.oneShot || f.idleTimeout > 0 ||
		(!f.foreground && os.Getenv(restart.DaemonEnv) == "") {
		return
	}
	if exe, err := restart.Binary(); err == nil {
		syscall.Exec(exe, append([]string{masterName}, argv[1:]...), append(os.Environ(), restart.BinaryEnv+"="+exe))
	}
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
	// Before anything can run a command (include_shell).
	in, err := restart.TakeInherited()
	if err != nil {
		fmt.Fprintf(stderr, "featherd: %v\n", err)
		return 1
	}
	if goOn, err := restart.WaitForActivation(in); err != nil {
		fmt.Fprintf(stderr, "featherd: %v\n", err)
		return 1
	} else if !goOn {
		return 0 // a standby generation that was not needed
	}
	if f.moduleDir != "" {
		fmt.Fprintf(stderr, "featherd: -m %s ignored: featherd's modules are built in\n", f.moduleDir)
	}

	var stdinConf []byte
	if f.configFile == "-" {
		if stdinConf, err = readStdin(stdin); err != nil {
			printError(stderr, err)
			return 1
		}
	}
	load := func() (*config.Config, error) { return loadConfig(f.configFile, stdinConf) }
	cfg, err := load()
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
	if in.Generation > 0 {
		return restart.RunGeneration(cfg, in, stderr)
	}
	single := restart.SingleOptions{IdleTimeout: time.Duration(f.idleTimeout) * time.Second, OneShot: f.oneShot, Stderr: stderr}
	if restart.NeedsSingle(cfg, single) {
		return restart.RunSingle(cfg, single)
	}
	if !f.foreground && !in.Daemon {
		return restart.Daemonize(args, stderr)
	}
	return restart.RunMaster(cfg, restart.MasterOptions{Args: args, Load: load, Stderr: stderr, Stdin: stdinConf, Inherited: in})
}

// readStdin reads a configuration given as -f -; the master keeps it to
// hand it to every generation.
func readStdin(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, 32<<20+1))
	if err == nil && len(b) > 32<<20 {
		err = errors.New("the configuration on stdin is larger than 32 MB")
	}
	return b, err
}

// loadConfig reads the configuration named by -f: a file, "-" for what
// was read from stdin, or the built-in default when empty.
func loadConfig(file string, stdinConf []byte) (*config.Config, error) {
	opts := config.LoadOptions{DefaultTag: serverTag()}
	switch file {
	case "":
		return config.Parse("(built-in default)", defaultConfig(), "", opts)
	case "-":
		return config.Parse("(stdin)", string(stdinConf), "", opts)
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

// Package config reads lighttpd.conf: the lexer and parser of lighttpd
// 1.4's configuration language (variables, env.*, +=, include,
// include_shell, global and conditional blocks), the typed options with
// lighttpd's defaults, what featherd refuses or ignores for lack of a
// module or a feature (modules.go, ignored.go), the evaluation of
// conditionals per connection and request, and the printing of the
// evaluated configuration (-p).
//
// A loaded *Config is immutable and may be shared by every goroutine. The
// per-request state lives in an Eval, owned by one connection.
package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LoadOptions control how a configuration is read. The zero value reads
// the real environment and runs include_shell commands.
type LoadOptions struct {
	// DefaultTag is the Server header when server.tag is not set.
	DefaultTag string
	// Dir is var.CWD; empty means the working directory.
	Dir string
	// LookupEnv reads env.NAME; nil means os.LookupEnv.
	LookupEnv func(name string) (string, bool)
	// Sandbox refuses include and include_shell, so parsing reads nothing
	// but the given source (for fuzzing and untrusted input).
	Sandbox bool
	// ShellTimeout bounds an include_shell command; zero means a minute.
	ShellTimeout time.Duration
}

func (o *LoadOptions) lookupEnv(name string) (string, bool) {
	if o.LookupEnv != nil {
		return o.LookupEnv(name)
	}
	return os.LookupEnv(name)
}

// Config is a loaded configuration: the tree of blocks as written, the
// typed server and socket options, and what the evaluator needs to give
// each request its options.
type Config struct {
	// Source is the main file's path, or "(stdin)".
	Source string
	// Blocks are every scope in merge order; Blocks[0] is the global one.
	Blocks []*Block
	// Server holds the server-scope options.
	Server ServerOptions
	// Modules is server.modules after lighttpd's compatibility loading.
	Modules []string
	// Sockets are the listen sockets asked for, the global one first.
	Sockets []Socket
	// Warnings are the problems that do not stop featherd from starting.
	Warnings []Warning

	base       Options
	moduleOpts map[string]any // module name → *Scoped[T] (module.go)
	patches    [][]patch      // per block index
	condBlocks []*Block       // blocks other than the global one that carry patches
	anyCond    bool           // whether any conditional block exists
}

// LoadFile reads the configuration file at path. Relative include paths
// are resolved against the file's directory, and include_shell commands
// run there.
func LoadFile(path string, opts LoadOptions) (*Config, error) {
	src, err := readSource(path)
	if err != nil {
		return nil, &Error{Pos: Pos{File: path}, Msg: fmt.Sprintf("cannot read configuration: %v", err)}
	}
	return Parse(path, src, filepath.Dir(path), opts)
}

// LoadReader reads a configuration from r (stdin for "-f -"); includes
// are relative to the working directory.
func LoadReader(name string, r io.Reader, opts LoadOptions) (*Config, error) {
	src, err := readLimited(r)
	if err != nil {
		return nil, &Error{Pos: Pos{File: name}, Msg: fmt.Sprintf("cannot read configuration: %v", err)}
	}
	return Parse(name, src, "", opts)
}

// Parse reads a configuration from src, named name in messages, with
// includes relative to basedir (the working directory if empty).
func Parse(name, src, basedir string, opts LoadOptions) (*Config, error) {
	t := newTree(&opts, basedir)
	if err := t.parse(name, src); err != nil {
		return nil, err
	}
	c := &Config{Source: name, Blocks: t.blocks}
	if err := c.finish(&opts); err != nil {
		return nil, err
	}
	return c, nil
}

// warnings collects warnings, each message once.
type warnings struct {
	list []Warning
	seen map[string]bool
}

func (w *warnings) add(pos Pos, msg string) {
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	if w.seen[msg] {
		return
	}
	w.seen[msg] = true
	w.list = append(w.list, Warning{Pos: pos, Msg: msg})
}

// finish types the options of every block, as lighttpd's config_insert,
// config_insert_srvconf and network_init do, and lists the sockets.
func (c *Config) finish(opts *LoadOptions) error {
	var errs ErrorList
	var w warnings
	fail := func(s Setting, err error) {
		pos := errorPos(s, err)
		if isSoft(err) {
			w.add(pos, s.Key+": "+err.Error())
			return
		}
		errs = append(errs, errorf(pos, "%s: %v", s.Key, err))
	}

	// Server scope first: the module list decides how other keys are read.
	c.Server = defaultServerOptions()
	global := c.Blocks[0]
	for _, s := range global.Settings {
		if d, ok := lookupKey(s.Key); ok && d.scope == scopeServer {
			if err := d.server(&c.Server, s.Value); err != nil {
				fail(s, err)
			}
		}
	}
	c.Modules = c.effectiveModules(&w)
	loaded := map[string]bool{}
	for _, m := range c.Modules {
		loaded[m] = true
		if mod := findModule(m); mod == nil && !declaredModule(m) {
			w.add(c.keyPos("server.modules"), fmt.Sprintf("unknown module %s in server.modules (ignored)", m))
		} else if mod != nil && !mod.available() {
			w.add(c.keyPos("server.modules"), fmt.Sprintf("module %s is not available in featherd yet; its options are ignored", m))
		}
	}
	if s, ok := global.Lookup("server.feature-flags"); ok {
		warnUnknownFlags(&w, s)
	}
	c.warnLimits(&w)

	c.base = Defaults(opts.DefaultTag)
	c.base.HTTPPathinfo = c.Server.Features.HTTPPathinfo
	c.patches = make([][]patch, len(c.Blocks))
	globalSocket := defaultSocketOptions()
	socketOpts := make(map[int]SocketOptions)
	for _, b := range c.Blocks {
		c.anyCond = c.anyCond || b.Index > 0
		isSocketBlock := b.Cond != nil && b.Cond.Field == FieldSocket && b.Cond.Op == OpEq
		for _, s := range b.Settings {
			if strings.HasPrefix(s.Key, "var.") {
				continue
			}
			d, ok := lookupKey(s.Key)
			if !ok {
				if c.loadedModuleOwns(s.Key) {
					continue // decoded by compileModules
				}
				c.warnUnknown(&w, s, loaded)
				continue
			}
			switch d.scope {
			case scopeConnection:
				p, err := d.compile(s.Value, b)
				if err != nil {
					fail(s, err)
				}
				if p != nil {
					c.patches[b.Index] = append(c.patches[b.Index], p)
				}
			case scopeServer:
				if b.Index != 0 {
					w.add(s.Pos, fmt.Sprintf("%s is a server-wide option and is ignored inside a condition; set it in the global scope", s.Key))
				}
			case scopeSocket:
				switch {
				case b.Index == 0:
					if err := d.socket(&globalSocket, s.Value); err != nil {
						fail(s, err)
					}
				case isSocketBlock:
					so, ok := socketOpts[b.Index]
					if !ok {
						so = globalSocket
					}
					if err := d.socket(&so, s.Value); err != nil {
						fail(s, err)
					}
					socketOpts[b.Index] = so
				default:
					w.add(s.Pos, fmt.Sprintf(`%s must be in the global scope or in $SERVER["socket"] with '==', or else it is ignored`, s.Key))
				}
			}
		}
	}
	c.compileModules(fail)
	errs = append(errs, c.refuseMissing(loaded)...)
	c.warnIgnored(&w)
	// Decided here, once every file is read, so the flag and the backends
	// may come in either order and from any included file. lighttpd only
	// turns the flag off with an error; featherd refuses the configuration.
	if c.Server.Features.GracefulRestartBG {
		for _, sb := range c.spawnedBackends(loaded) {
			errs = append(errs, errorf(sb.pos, "server.graceful-restart-bg cannot be used with bin-path backends (%s): "+
				"each generation would spawn its own set of backends; remove the flag or run the backends separately (e.g. php-fpm)", sb.key))
		}
	}
	for _, p := range c.patches[0] {
		p(&c.base)
	}
	for _, b := range c.Blocks[1:] {
		if len(c.patches[b.Index]) > 0 {
			c.condBlocks = append(c.condBlocks, b)
		}
	}
	if c.base.DocumentRoot == "" {
		errs = append(errs, &Error{Pos: Pos{File: c.Source}, Msg: "server.document-root is not set"})
	}
	if len(c.Server.UploadDirs) == 0 {
		c.Server.UploadDirs = []string{defaultTempDir()}
	}
	if c.Server.Port == 0 {
		c.Server.Port = 80
		if globalSocket.SSLEngine {
			c.Server.Port = 443
		}
	}
	if err := c.listSockets(globalSocket, socketOpts, &w); err != nil {
		errs = append(errs, err...)
	}
	c.Warnings = w.list
	return errs.err()
}

// warnUnknown explains why a key is ignored: its module is one featherd
// lacks, or nothing featherd or lighttpd knows.
func (c *Config) warnUnknown(w *warnings, s Setting, loaded map[string]bool) {
	for _, m := range moduleOwning(s.Key) {
		if loaded[m.name] && !m.available() {
			w.add(s.Pos, fmt.Sprintf("%s is ignored: module %s is not available in featherd yet", s.Key, m.name))
			return
		}
	}
	w.add(s.Pos, fmt.Sprintf("unknown config-key: %s (ignored)", s.Key))
}

// defaultTempDir is lighttpd's default server.upload-dirs: $TMPDIR or /var/tmp.
func defaultTempDir() string {
	if d := os.Getenv("TMPDIR"); d != "" {
		return d
	}
	return "/var/tmp"
}

// listSockets builds c.Sockets: every $SERVER["socket"] == "…" block, then
// server.bind with server.port unless one of those already names it (then
// that block's options apply, as in lighttpd). Socket conditions are
// normalised to the same tokens so they compare equal.
func (c *Config) listSockets(global SocketOptions, blockOpts map[int]SocketOptions, w *warnings) ErrorList {
	var errs ErrorList
	var blockSockets []Socket
	for _, b := range c.Blocks {
		if b.Cond == nil || b.Cond.Field != FieldSocket || b.Cond.Op == OpElse {
			continue
		}
		so, ok := blockOpts[b.Index]
		if !ok {
			so = global
		}
		s, err := parseSocket(b.Cond.Pattern, c.Server.Port, so.UseIPv6)
		if err != nil {
			errs = append(errs, errorf(b.Pos, "%v", err))
			continue
		}
		if s.Network == "stdin" {
			errs = append(errs, errorf(b.Pos, `%s can only be used as server.bind`, StdinBind))
			continue
		}
		b.Cond.str = s.Token
		if b.Cond.Op != OpEq {
			continue // != only compares
		}
		s.Options, s.Block, s.Pos = so.withV4Mapped(), b.Index, b.Pos
		blockSockets = append(blockSockets, s)
	}

	bind := c.Server.Bind
	skipGlobal := c.Server.SystemdSocketActivation && bind == ""
	if !skipGlobal {
		s, err := parseSocket(bind, c.Server.Port, global.UseIPv6)
		if err != nil {
			errs = append(errs, errorf(c.keyPos("server.bind"), "server.bind: %v", err))
		} else {
			s.Options, s.Pos = global.withV4Mapped(), c.keyPos("server.bind")
			dup := false
			for _, bs := range blockSockets {
				dup = dup || bs.Token == s.Token
			}
			if !dup {
				c.Sockets = append(c.Sockets, s)
			}
		}
	}
	seen := map[string]Pos{}
	for _, s := range c.Sockets {
		seen[s.Token] = s.Pos
	}
	for _, s := range blockSockets {
		if _, dup := seen[s.Token]; dup {
			continue // the same condition written in two places is one socket
		}
		seen[s.Token] = s.Pos
		c.Sockets = append(c.Sockets, s)
	}
	// lighttpd loads mod_openssl for ssl.engine whether server.modules
	// lists it or not; featherd has no TLS module, and listening in plain
	// HTTP, or not at all, where lighttpd speaks TLS would not be what the
	// configuration asks for (HSTS, redirects to https:// lead there).
	for _, s := range c.Sockets {
		if s.Options.SSLEngine {
			pos := s.Pos
			if s.Block == 0 {
				pos = c.keyPos("ssl.engine") // the global socket has no block to point at
			}
			errs = append(errs, errorf(pos, "ssl.engine needs mod_openssl, which featherd does not have yet: "+
				"featherd speaks no TLS, and would not serve socket %s over https as lighttpd does; "+
				"to serve without it, disable ssl.engine for that socket (or terminate TLS in front of featherd)", s.Token))
		}
	}
	return errs
}

// Base returns the options of a request that matches no conditional
// block. The result is shared: do not modify it.
func (c *Config) Base() *Options { return &c.base }

// HasConditionals reports whether the configuration has conditional
// blocks; without them every request gets Base().
func (c *Config) HasConditionals() bool { return c.anyCond }

// Package evhost is mod_evhost: a request's document root is
// evhost.path-pattern filled in with parts of its host (pattern.go), when
// that directory exists; otherwise the document root stays what it was
// (server.document-root, or what a module before it set), and the
// missing directory is logged on every request, as lighttpd does.
//
// A request without a host is left alone. The host is the request's
// authority as the parser left it: lower-cased and, with
// server.http-parseopts' host-strict (the default), a valid host name or
// IP literal, so no part of it can be "." or ".." or hold a '/'. Without
// host-strict, a host that starts with '.' or holds a '/' is not used, as
// in lighttpd.
package evhost

import (
	"log"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
)

// options are mod_evhost's, for one request.
type options struct {
	// pattern is nil when evhost.path-pattern is not set. An empty
	// pattern in a block does not unset it (lighttpd ignores it).
	pattern pattern
}

var opts = config.RegisterModule("mod_evhost", options{}, map[string]config.Compile[options]{
	"evhost.path-pattern": compilePattern,
})

// compilePattern checks a path pattern when the configuration loads.
func compilePattern(v config.Value, _ *config.Block) (func(*options), error) {
	s, err := config.DecodeString(v)
	if err != nil || s == "" {
		return nil, err
	}
	p, err := parsePattern(s)
	if err != nil {
		return nil, err
	}
	return func(o *options) { o.pattern = p }, nil
}

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_evhost", New: newModule})
}

func newModule(s *pipeline.Setup) any {
	scoped := opts.Of(s.Config)
	if scoped == nil || !scoped.Set() {
		return pipeline.Idle{}
	}
	return &module{scoped: scoped, logger: s.Logger}
}

// module is one event loop's mod_evhost.
type module struct {
	scoped *config.Scoped[options]
	logger *log.Logger
	conf   options // the current request's, merged
	parts  hostParts
	root   []byte
}

// Docroot sets the document root from the host and the pattern.
func (m *module) Docroot(r *pipeline.Request) pipeline.Result {
	host := r.Head.Host
	if host == "" {
		return pipeline.GoOn
	}
	m.scoped.Merge(&m.conf, r.Eval)
	if m.conf.pattern == nil {
		return pipeline.GoOn
	}
	if !r.Server.HTTPParseOpts.HostStrict && (host[0] == '.' || strings.IndexByte(host, '/') >= 0) {
		return pipeline.GoOn
	}
	m.parts.split(host)
	m.root = m.conf.pattern.appendTo(m.root[:0], host, &m.parts)
	e := r.StatCache.Lookup(m.root)
	if e.Err() != 0 || !e.IsDir() {
		errno := e.Err()
		if errno == 0 {
			errno = unix.ENOTDIR
		}
		m.logger.Printf("mod_evhost: no document root at %s: %v", m.root, errno)
		return pipeline.GoOn
	}
	r.Physical.DocRoot = append(r.Physical.DocRoot[:0], m.root...)
	return pipeline.GoOn
}

// Package simplevhost is mod_simple_vhost: a request's document root is
// simple-vhost.server-root + its host + simple-vhost.document-root when
// that directory exists, else the same with simple-vhost.default-host in
// place of the host (with no default host, server-root + document-root
// alone, as in lighttpd), else server.document-root. A request without a
// host gets the default host's.
//
// The host is the request's authority as the parser left it: lower-cased,
// and with server.http-parseopts' host-strict (the default) a valid host
// name or IP literal, so it cannot name a directory outside the server
// root. Its port is cut off at the first ':'. Without host-strict, a host
// that starts with '.' or holds a '/' is not used, as in lighttpd.
package simplevhost

import (
	"log"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
)

// options are mod_simple_vhost's, for one request.
type options struct {
	// serverRoot ends in '/'; empty (unset, or set to "") leaves the
	// document root alone.
	serverRoot string
	// defaultHost is used when the host's directory does not exist;
	// empty (unset or "") builds server-root + document-root alone.
	defaultHost string
	// documentRoot ends in '/'; empty when unset or "".
	documentRoot string
	debug        int
}

var opts = config.RegisterModule("mod_simple_vhost", options{}, map[string]config.Compile[options]{
	"simple-vhost.server-root":   dirOption(func(o *options) *string { return &o.serverRoot }),
	"simple-vhost.default-host":  config.Option(config.DecodeString, func(o *options) *string { return &o.defaultHost }),
	"simple-vhost.document-root": dirOption(func(o *options) *string { return &o.documentRoot }),
	"simple-vhost.debug":         config.Option(config.DecodeShort, func(o *options) *int { return &o.debug }),
})

// dirOption is a directory: a string that gets a trailing '/' unless it
// is empty.
func dirOption(field func(*options) *string) config.Compile[options] {
	return func(v config.Value, _ *config.Block) (func(*options), error) {
		s, err := config.DecodeString(v)
		if err != nil {
			return nil, err
		}
		if s != "" && !strings.HasSuffix(s, "/") {
			s += "/"
		}
		return func(o *options) { *field(o) = s }, nil
	}
}

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_simple_vhost", New: newModule})
}

func newModule(s *pipeline.Setup) any {
	scoped := opts.Of(s.Config)
	if scoped == nil || !scoped.Set() {
		return pipeline.Idle{}
	}
	return &module{scoped: scoped, logger: s.Logger}
}

// module is one event loop's mod_simple_vhost.
type module struct {
	scoped *config.Scoped[options]
	logger *log.Logger
	conf   options // the current request's, merged
	root   []byte  // the document root being tried
}

// Docroot sets the document root from the host, or the default host.
func (m *module) Docroot(r *pipeline.Request) pipeline.Result {
	m.scoped.Merge(&m.conf, r.Eval)
	if m.conf.serverRoot == "" {
		return pipeline.GoOn
	}
	host := r.Head.Host
	usable := host != "" &&
		(r.Server.HTTPParseOpts.HostStrict || host[0] != '.' && strings.IndexByte(host, '/') < 0)
	if usable && m.try(r, host) || m.try(r, m.conf.defaultHost) {
		r.Physical.DocRoot = append(r.Physical.DocRoot[:0], m.root...)
	}
	return pipeline.GoOn
}

// try builds the document root for host in m.root and reports whether it
// is a directory.
func (m *module) try(r *pipeline.Request, host string) bool {
	c := &m.conf
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	b := append(append(m.root[:0], c.serverRoot...), host...)
	if c.documentRoot != "" {
		b = appendPath(b, c.documentRoot)
	} else if b[len(b)-1] != '/' {
		b = append(b, '/')
	}
	m.root = b
	e := r.StatCache.Lookup(b)
	if e.Err() == 0 && e.IsDir() {
		return true
	}
	if c.debug != 0 {
		errno := e.Err()
		if errno == 0 {
			errno = unix.ENOTDIR
		}
		m.logger.Printf("mod_simple_vhost: no document root at %s: %v", b, errno)
	}
	return false
}

// appendPath appends dir to dst with exactly one '/' between them
// (lighttpd's buffer_append_path_len).
func appendPath(dst []byte, dir string) []byte {
	switch {
	case len(dst) > 0 && dst[len(dst)-1] == '/':
		dir = strings.TrimPrefix(dir, "/")
	case !strings.HasPrefix(dir, "/"):
		dst = append(dst, '/')
	}
	return append(dst, dir...)
}

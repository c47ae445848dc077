// Package indexfile is mod_indexfile: a request for a directory (a URL
// path ending in '/') is served by the first of index-file.names (or
// server.indexfiles, its old name) that exists in it. A relative name is
// looked up in the directory and added to the URL path; a name starting
// with '/' is taken from the document root and replaces the URL path
// (the directory's path is then in the gateways'
// PATH_TRANSLATED_DIRINDEX).
package indexfile

import (
	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
)

// options are mod_indexfile's options for one request.
type options struct {
	names []string // index-file.names, or its old name server.indexfiles
}

var moduleOptions = config.RegisterModule("mod_indexfile", options{}, map[string]config.Compile[options]{
	"index-file.names":  config.Option(config.DecodeList, func(o *options) *[]string { return &o.names }),
	"server.indexfiles": config.Option(config.DecodeList, func(o *options) *[]string { return &o.names }),
})

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_indexfile", New: func(s *pipeline.Setup) any {
		return &module{logger: s.Logger, scoped: moduleOptions.Of(s.Config)}
	}})
}

// module is one event loop's mod_indexfile.
type module struct {
	logger interface{ Printf(string, ...any) }
	scoped *config.Scoped[options]
	conf   options // the current request's options
	path   []byte
	uri    []byte
}

// SubrequestStart maps a directory to its index file.
func (m *module) SubrequestStart(r *pipeline.Request) pipeline.Result {
	path := r.Head.Path
	if r.Claimed() || len(path) == 0 || path[len(path)-1] != '/' {
		return pipeline.GoOn
	}
	m.scoped.Merge(&m.conf, r.Eval)
	ph := &r.Physical
	for _, name := range m.conf.names {
		if name == "" {
			continue
		}
		base := ph.Path
		if name[0] == '/' {
			base = ph.DocRoot
		}
		m.path = appendPath(m.path[:0], base, name)
		e := r.StatCache.Lookup(m.path)
		switch e.Err() {
		case 0:
			if e.IsDir() {
				continue // featherd does not serve a directory named like an index file
			}
		case unix.ENOENT, unix.ENOTDIR:
			continue
		case unix.EACCES:
			r.Resp.Status = 403
			return pipeline.Finished
		default:
			m.logger.Printf("index file error for request: %s -> %s: %v", path, m.path, e.Err())
			r.Resp.Status = 500
			return pipeline.Finished
		}
		if name[0] == '/' {
			r.Env.Set("PATH_TRANSLATED_DIRINDEX", string(ph.Path))
			r.Head.SetPath([]byte(name))
		} else {
			m.uri = append(append(m.uri[:0], path...), name...)
			r.Head.SetPath(m.uri)
		}
		ph.Path = append(ph.Path[:0], m.path...)
		ph.Entry = e
		return pipeline.GoOn
	}
	return pipeline.GoOn
}

// appendPath appends dir and name joined by one '/'.
func appendPath(dst, dir []byte, name string) []byte {
	dst = append(dst, dir...)
	if len(dst) > 0 && dst[len(dst)-1] == '/' {
		if name[0] == '/' {
			name = name[1:]
		}
	} else if name[0] != '/' {
		dst = append(dst, '/')
	}
	return append(dst, name...)
}

// Package staticfile is mod_staticfile: it answers GET, HEAD and POST
// with the file the pipeline mapped the request to (lighttpd's
// http_response_send_file): media type, ETag and Last-Modified,
// conditional requests, and the file shared from the stat cache. Ranges
// and HEAD are applied later, to every response, by http.Response.Prepare.
// It declines, leaving the core's 403, a path with PATH_INFO when
// static-file.disable-pathinfo is set and a name that ends in one of
// static-file.exclude-extensions.
package staticfile

import (
	"strings"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/chunkqueue"
	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/http/statcache"
	"github.com/featherd/featherd/internal/unsafeconv"
)

// options are mod_staticfile's options for one request.
type options struct {
	excludeExtensions []string // static-file.exclude-extensions
	etags             bool     // static-file.etags
	disablePathinfo   bool     // static-file.disable-pathinfo
}

var moduleOptions = config.RegisterModule("mod_staticfile", options{etags: true}, map[string]config.Compile[options]{
	"static-file.exclude-extensions": config.Option(config.DecodeList, func(o *options) *[]string { return &o.excludeExtensions }),
	"static-file.etags":              config.Option(config.DecodeBool, func(o *options) *bool { return &o.etags }),
	"static-file.disable-pathinfo":   config.Option(config.DecodeBool, func(o *options) *bool { return &o.disablePathinfo }),
})

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_staticfile", New: func(s *pipeline.Setup) any {
		return &module{scoped: moduleOptions.Of(s.Config)}
	}})
}

// module is one event loop's mod_staticfile.
type module struct {
	scoped *config.Scoped[options]
	conf   options // the current request's options
}

// SubrequestStart answers the request from the file, unless another
// module claimed it or the file is not one to send.
func (m *module) SubrequestStart(r *pipeline.Request) pipeline.Result {
	if r.Claimed() {
		return pipeline.GoOn
	}
	m.scoped.Merge(&m.conf, r.Eval)
	o := &m.conf
	switch {
	case r.Head.Method != http.MethodGet && r.Head.Method != http.MethodHead && r.Head.Method != http.MethodPost,
		len(r.Physical.PathInfo) > 0 && o.disablePathinfo,
		excluded(r.Physical.Path, o.excludeExtensions):
		return pipeline.GoOn // the core answers 403 (or 501)
	}
	sendFile(r, o.etags)
	return pipeline.Finished
}

// sendFile answers with the file at r.Physical.Path (lighttpd's
// http_response_send_file), with an ETag if etags is set.
func sendFile(r *pipeline.Request, etags bool) {
	w, o, path := &r.Resp, r.Options, r.Physical.Path
	e := r.Physical.Entry
	if e == nil {
		e = r.StatCache.Lookup(path)
		if e.Err() != 0 {
			w.Status = 404
			return
		}
	}
	if !e.IsRegular() {
		w.Status = 403
		return
	}
	f, errno := r.StatCache.Open(path, e, !o.FollowSymlink)
	switch errno {
	case 0:
	case unix.ENOENT:
		w.Status = 404
		return
	case unix.EAGAIN: // replaced while opening
		w.Status = 503
		return
	case unix.EMFILE, unix.ENFILE:
		// Out of descriptors even once the cache let go of its own: the
		// server's trouble, not a forbidden file. (lighttpd answers 403
		// for any failed open but ENOENT, and 500 for a stat error it
		// does not expect.)
		w.Status = 500
		return
	default:
		w.Status = 403
		return
	}
	contentType, known := o.MimeTypes.Lookup(unsafeconv.String(path))
	if !known {
		// lighttpd sends no validators with the implicit type, so
		// unknown files are not cached by clients.
		w.AddHeader("Content-Type", "application/octet-stream")
		send(r, f, e)
		return
	}
	if w.Header("Content-Type") == "" {
		w.AddHeader("Content-Type", contentType)
	}
	etag := ""
	if etags {
		etag = e.ETag(etagFlags(o))
		if etag != "" {
			w.AddHeader("ETag", etag)
		}
	}
	lm := e.LastModified()
	w.AddHeader("Last-Modified", lm)
	if status := http.CheckPreconditions(&r.Head, etag, lm, e.Mtime()); status != 0 {
		w.Status = status
		return
	}
	send(r, f, e)
}

func send(r *pipeline.Request, f *chunkqueue.File, e *statcache.Entry) {
	if b := r.StatCache.ContentOf(e, f); b != nil {
		r.Resp.SendContent(b)
		return
	}
	r.Resp.SendFile(f, e.Size())
}

func etagFlags(o *config.Options) int {
	f := 0
	if o.ETagUseInode {
		f |= statcache.ETagInode
	}
	if o.ETagUseMtime {
		f |= statcache.ETagMtime
	}
	if o.ETagUseSize {
		f |= statcache.ETagSize
	}
	return f
}

// excluded reports whether the path ends with one of
// static-file.exclude-extensions, compared case-insensitively.
func excluded(path []byte, exts []string) bool {
	for _, ext := range exts {
		if len(ext) <= len(path) && strings.EqualFold(unsafeconv.String(path[len(path)-len(ext):]), ext) {
			return true
		}
	}
	return false
}

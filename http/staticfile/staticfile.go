// Package staticfile serves files from the document root as lighttpd's
// core and mod_staticfile do: the physical path from the request path,
// PATH_INFO, index files, the redirect of a directory to its slash form,
// symlink policy, excluded extensions, media types, ETag and
// Last-Modified, and conditional requests. Ranges and HEAD are applied
// later, to every response, by http.Response.Prepare.
package staticfile

import (
	"bytes"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/chunkqueue"
	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
)

// Handler serves static files. One Handler serves one event loop: its
// stat cache and scratch buffers have no locks.
type Handler struct {
	cache    *statCache
	physical []byte // scratch: document root + path
	location []byte // scratch: redirect target
}

// New returns a handler for one event loop. statCacheEngine is
// server.stat-cache-engine; "disable" or "none" stats on every request.
func New(statCacheEngine string) *Handler {
	return &Handler{cache: newStatCache(statCacheEngine == "disable" || statCacheEngine == "none")}
}

// Expire is called once a second with the loop's clock; the stat cache
// uses it as its notion of "now".
func (h *Handler) Expire(now int64) { h.cache.expire(now) }

// LimitOpenFiles bounds the files the handler keeps open between
// requests (at least one; 1024 until it is called): beyond it, the least
// recently used is closed. The reactor gives each loop's handler its
// share of the descriptors server.max-fds leaves to such caches.
func (h *Handler) LimitOpenFiles(n int) { h.cache.maxOpen = max(n, 1) }

// Serve answers r from the document root of o, in lighttpd's order: the
// path is checked first (404, 403, the directory redirect, index files)
// for every method, and only then does the method decide whether the file
// is sent (GET, HEAD, POST) or the request is answered as lighttpd answers
// one no module handles.
func (h *Handler) Serve(w *http.Response, r *http.Request, o *config.Options) {
	if r.Method == http.MethodConnect {
		w.Status, w.Close = 405, true
		return
	}
	if r.Path == "*" { // OPTIONS *
		h.unhandled(w, r)
		return
	}
	root := strings.TrimSuffix(o.DocumentRoot, "/")
	h.physical = append(append(h.physical[:0], root...), r.Path...)
	if o.ForceLowercaseFilenames {
		lower(h.physical[len(root):])
	}
	pathInfo := false
	e := h.cache.lookup(h.physical)
	switch e.errno {
	case 0:
	case unix.ENOENT, unix.ENAMETOOLONG:
		w.Status = 404
		return
	case unix.EACCES:
		w.Status = 403
		return
	case unix.ENOTDIR:
		if !o.HTTPPathinfo {
			w.Status = 404
			return
		}
		if e = h.pathInfo(len(root)); e == nil {
			w.Status = 404
			return
		}
		pathInfo = true
	default:
		w.Status = 500
		return
	}
	if !o.FollowSymlink && hasSymlink(h.physical) {
		w.Status = 403
		return
	}
	if e.isDir() {
		if !strings.HasSuffix(r.Path, "/") {
			h.redirectToDirectory(w, r)
			return
		}
		var status int
		if e, status = h.indexFile(o, root); status != 0 {
			w.Status = status
			return
		}
		if e == nil { // no index: featherd lists no directories
			h.unhandled(w, r)
			return
		}
	}
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost,
		pathInfo && o.StaticFileDisablePathinfo,
		excluded(h.physical, o.StaticFileExcludeExtensions):
		h.unhandled(w, r) // mod_staticfile declines
	default:
		h.sendFile(w, r, o, e)
	}
}

// unhandled answers a request no module serves, as lighttpd's core does:
// OPTIONS lists the methods, an unknown or unsupported method is 501, and
// anything else (an excluded file, a directory without index) is 403.
func (h *Handler) unhandled(w *http.Response, r *http.Request) {
	switch r.Method {
	case http.MethodOptions:
		w.Status = 200
		w.AddHeader("Allow", "OPTIONS, GET, HEAD, POST")
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodQuery:
		w.Status = 403
	default:
		w.Status = 501
	}
}

// pathInfo finds the longest prefix of the physical path (within the
// document root) that is a regular file; the rest would be PATH_INFO.
// Static files ignore it; lighttpd does the same.
func (h *Handler) pathInfo(rootLen int) *entry {
	p := h.physical
	for i := len(p) - 1; i > rootLen; i-- {
		if p[i] != '/' {
			continue
		}
		e := h.cache.lookup(p[:i])
		if e.errno == unix.ENOTDIR {
			continue
		}
		if e.errno == 0 && e.isRegular() {
			h.physical = p[:i]
			return e
		}
		return nil
	}
	return nil
}

// indexFile tries index-file.names in order: a relative name inside the
// directory, a name starting with '/' from the document root. It returns
// the first that exists, or nil; a status when one cannot be read.
func (h *Handler) indexFile(o *config.Options, root string) (*entry, int) {
	dirLen := len(h.physical)
	for _, name := range o.IndexFiles {
		if strings.HasPrefix(name, "/") {
			h.physical = append(append(h.physical[:0], root...), name...)
		} else {
			h.physical = append(h.physical[:dirLen], name...)
		}
		e := h.cache.lookup(h.physical)
		switch e.errno {
		case 0:
			if !e.isDir() {
				return e, 0
			}
		case unix.ENOENT, unix.ENOTDIR:
		case unix.EACCES:
			return nil, 403
		default:
			return nil, 500
		}
	}
	h.physical = h.physical[:dirLen]
	return nil, 0
}

// sendFile answers with the file at h.physical (lighttpd's
// http_response_send_file).
func (h *Handler) sendFile(w *http.Response, r *http.Request, o *config.Options, e *entry) {
	if !e.isRegular() {
		w.Status = 403
		return
	}
	f, errno := h.cache.open(h.physical, e, !o.FollowSymlink)
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
	contentType, known := o.MimeTypes.Lookup(bytesString(h.physical))
	if !known {
		// lighttpd sends no validators with the implicit type, so
		// unknown files are not cached by clients.
		w.AddHeader("Content-Type", "application/octet-stream")
		h.send(w, f, e)
		return
	}
	w.AddHeader("Content-Type", contentType)
	etag := ""
	if o.StaticFileETags {
		etag = e.etag(etagFlags(o))
		if etag != "" {
			w.AddHeader("ETag", etag)
		}
	}
	lm := e.lastModifiedValue()
	w.AddHeader("Last-Modified", lm)
	if status := http.CheckPreconditions(r, etag, lm, e.mtime()); status != 0 {
		w.Status = status
		return
	}
	h.send(w, f, e)
}

func (h *Handler) send(w *http.Response, f *chunkqueue.File, e *entry) {
	if b := h.cache.contentOf(e, f); b != nil {
		w.SendContent(b)
		return
	}
	w.SendFile(f, e.size())
}

func etagFlags(o *config.Options) int {
	f := 0
	if o.ETagUseInode {
		f |= etagInode
	}
	if o.ETagUseMtime {
		f |= etagMtime
	}
	if o.ETagUseSize {
		f |= etagSize
	}
	return f
}

// redirectToDirectory answers a directory requested without its slash
// with 301 and the path re-encoded, plus the query.
func (h *Handler) redirectToDirectory(w *http.Response, r *http.Request) {
	b := http.AppendPathEscaped(h.location[:0], r.Path)
	b = append(b, '/')
	if r.Query != "" {
		b = append(append(b, '?'), r.Query...)
	}
	h.location = b
	w.Status = 301
	w.AddHeader("Location", string(b))
}

// excluded reports whether the path ends with one of
// static-file.exclude-extensions, compared case-insensitively.
func excluded(path []byte, exts []string) bool {
	for _, ext := range exts {
		if len(ext) <= len(path) && strings.EqualFold(bytesString(path[len(path)-len(ext):]), ext) {
			return true
		}
	}
	return false
}

// hasSymlink reports whether any component of path, the document root
// included, is a symbolic link (server.follow-symlink = "disable").
func hasSymlink(path []byte) bool {
	var st unix.Stat_t
	for i := len(path); i > 1; i = bytes.LastIndexByte(path[:i], '/') {
		if err := unix.Lstat(string(path[:i]), &st); err == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return true
		}
	}
	return false
}

// bytesString views b as a string without copying, for lookups that
// do not keep it.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func lower(b []byte) {
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

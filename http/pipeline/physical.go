package pipeline

import (
	"bytes"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/statcache"
)

// checkPath checks the file the request maps to before any module
// answers it (lighttpd's http_response_physical_path_check): a missing
// file is 404, an unreadable one 403, a path that goes on past a regular
// file has PATH_INFO, a link is 403 when server.follow-symlink is off,
// and a directory asked for without its slash is redirected to it.
func (p *Pipeline) checkPath(r *Request) Result {
	ph := &r.Physical
	e := p.cache.Lookup(ph.Path)
	switch e.Err() {
	case 0:
	case unix.ENOTDIR:
		if !r.Options.HTTPPathinfo {
			return p.pathError(r, 404)
		}
		if e = p.pathInfo(r); e == nil {
			return p.pathError(r, 404)
		}
	case unix.EACCES:
		return p.pathError(r, 403)
	case unix.ENOENT:
		if r.Head.Method == http.MethodOptions && r.Resp.Header("Allow") != "" {
			r.Resp.Status = 200
			return Finished
		}
		return p.pathError(r, 404)
	case unix.ENAMETOOLONG:
		return p.pathError(r, 404)
	default:
		return p.pathError(r, 500)
	}
	if !r.Options.FollowSymlink && hasSymlink(ph.Path) {
		return p.pathError(r, 403)
	}
	ph.Entry = e
	if e.IsDir() && !hasSlashSuffix(r.Head.Path) {
		r.RedirectToDirectory()
		return Finished
	}
	return GoOn
}

func (p *Pipeline) pathError(r *Request, status int) Result {
	r.Resp.Status = status
	if status == 404 && r.Options.Debug.LogFileNotFound || r.Options.Debug.LogRequestHandling {
		p.logger.Printf("-- file not found: path %q, URI %q -> %d", r.Physical.Path, r.Head.Path, status)
	}
	return Finished
}

// pathInfo finds the longest prefix of the physical path past the base
// directory that is a regular file (lighttpd's
// http_response_physical_pathinfo): the rest is PATH_INFO, cut from
// physical.path and from the URL path. It returns nil when there is
// none (a directory prefix does not count).
func (p *Pipeline) pathInfo(r *Request) *statcache.Entry {
	ph := &r.Physical
	path := ph.Path
	start := len(ph.BaseDir)
	if start > 0 && ph.BaseDir[start-1] == '/' {
		start--
	}
	if start >= len(path) || path[start] != '/' {
		return nil
	}
	if start == 0 { // base directory "/"
		i := bytes.IndexByte(path[1:], '/')
		if i < 0 {
			return nil
		}
		start = i + 1
	}
	var found *statcache.Entry
	end := -1
	for i := start; i >= 0; {
		e := p.cache.Lookup(path[:i])
		if e.Err() != 0 {
			break
		}
		found, end = e, i
		if !e.IsDir() {
			break
		}
		next := bytes.IndexByte(path[i+1:], '/')
		if next < 0 {
			break
		}
		i = i + 1 + next
	}
	if found == nil || !found.IsRegular() {
		return nil
	}
	info := path[end:]
	ph.PathInfo = append(ph.PathInfo[:0], info...)
	if n := len(r.Head.Path) - len(info); n >= 0 {
		r.scratch = append(r.scratch[:0], r.Head.Path[:n]...)
		r.Head.SetPath(r.scratch)
		// $HTTP["url"] conditions were decided on the path with its
		// PATH_INFO: the modules that merge their options from here on
		// must see them decided on the file's (lighttpd's
		// config_cond_cache_reset_item), or /secret.inc/x would slip past
		// a block matching "\.inc$".
		r.Eval.ResetField(config.FieldURL)
	}
	ph.Path = ph.Path[:end]
	return found
}

// RedirectToDirectory answers a directory requested without its slash
// with 301 and the path re-encoded, plus the query (lighttpd's
// http_response_redirect_to_directory, relative form). The core does it
// for a directory it finds; mod_userdir for /~user, whoever that is.
func (r *Request) RedirectToDirectory() {
	b := http.AppendPathEscaped(r.scratch[:0], r.Head.Path)
	b = append(b, '/')
	if r.Head.Query != "" {
		b = append(append(b, '?'), r.Head.Query...)
	}
	r.scratch = b
	r.Resp.Status = 301
	r.Resp.AddHeader("Location", string(b))
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

// Package userdir is mod_userdir: /~user/path is served from the user's
// directory, the user's home + userdir.path (homes.go), or, with
// userdir.basepath, basepath + user + userdir.path (with
// userdir.letterhomes, basepath + first letter + user + userdir.path).
//
// As in lighttpd, the module acts only when userdir.path is set (to ""
// too: the home itself) and userdir.active is not disabled. /~user without
// a slash is redirected to /~user/ whoever user is. A request the module
// does not map — an excluded user or one not in userdir.include-user, a
// user without an account or without that directory under the home, a
// name that is not a user name under basepath — goes on as any other
// URL, from the document root (usually 404).
//
// The path after /~user/ is the request's, which the parser has decoded
// and cleaned of "." and ".." segments (%2F and %2e too), so it stays in
// the user's directory; under basepath the user name is limited to
// letters, digits, '-', '_' and '.', and "." and ".." are refused.
package userdir

import (
	"bytes"
	"strings"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline"
)

// options are mod_userdir's, for one request.
type options struct {
	path    string // userdir.path
	pathSet bool   // userdir.path is set, maybe to ""
	// basepath is userdir.basepath; empty when unset or "": homes
	// come from the password database then.
	basepath    string
	exclude     []string // userdir.exclude-user
	include     []string // userdir.include-user
	includeSet  bool     // userdir.include-user is set: ( ) lets no one in
	letterhomes bool     // userdir.letterhomes
	active      bool     // userdir.active
}

var opts = config.RegisterModule("mod_userdir", options{active: true}, map[string]config.Compile[options]{
	"userdir.path": func(v config.Value, _ *config.Block) (func(*options), error) {
		s, err := config.DecodeString(v)
		if err != nil {
			return nil, err
		}
		return func(o *options) { o.path, o.pathSet = s, true }, nil
	},
	"userdir.basepath":     config.Option(config.DecodeString, func(o *options) *string { return &o.basepath }),
	"userdir.exclude-user": config.Option(config.DecodeList, func(o *options) *[]string { return &o.exclude }),
	"userdir.include-user": func(v config.Value, _ *config.Block) (func(*options), error) {
		list, err := config.DecodeList(v)
		if err != nil {
			return nil, err
		}
		return func(o *options) { o.include, o.includeSet = list, true }, nil
	},
	"userdir.letterhomes": config.Option(config.DecodeBool, func(o *options) *bool { return &o.letterhomes }),
	"userdir.active":      config.Option(config.DecodeBool, func(o *options) *bool { return &o.active }),
})

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_userdir", New: newModule})
}

func newModule(s *pipeline.Setup) any {
	scoped := opts.Of(s.Config)
	if scoped == nil || !scoped.Set() {
		return pipeline.Idle{}
	}
	return &module{scoped: scoped, homes: homes{lookup: lookupHome}}
}

// module is one event loop's mod_userdir.
type module struct {
	scoped *config.Scoped[options]
	conf   options // the current request's, merged
	homes  homes
	dir    []byte // the user's directory being built
	user   []byte // the user name, lower-cased for basepath
}

// maxUser is the longest user name looked up (lighttpd's is 255 bytes).
const maxUser = 255

// Physical maps /~user/… to the user's directory.
func (m *module) Physical(r *pipeline.Request) pipeline.Result {
	path := r.Head.Path
	if len(path) < 2 || path[0] != '/' || path[1] != '~' {
		return pipeline.GoOn
	}
	m.scoped.Merge(&m.conf, r.Eval)
	c := &m.conf
	if !c.active || !c.pathSet {
		return pipeline.GoOn
	}
	user, _, slash := strings.Cut(path[2:], "/")
	switch {
	case !slash && user == "":
		return pipeline.GoOn // "/~" names no one
	case !slash:
		r.RedirectToDirectory()
		return pipeline.Finished
	case user == "":
		return pipeline.GoOn
	}
	lower := r.Options.ForceLowercaseFilenames
	if listed(c.exclude, user, lower) || c.includeSet && !listed(c.include, user, false) {
		return pipeline.GoOn
	}
	if len(user) > maxUser {
		return pipeline.GoOn
	}
	var ok bool
	if c.basepath == "" {
		m.dir, ok = m.homes.appendDir(m.dir[:0], r, user, c.path)
	} else {
		m.dir, ok = m.appendBaseDir(m.dir[:0], user, lower)
	}
	if !ok {
		return pipeline.GoOn
	}
	ph := &r.Physical
	ph.BaseDir = append(ph.BaseDir[:0], m.dir...)
	ph.Path = append(ph.Path[:0], m.dir...)
	if len(ph.Path) > 0 && ph.Path[len(ph.Path)-1] != '/' {
		ph.Path = append(ph.Path, '/')
	}
	// The rest of the URL past /~user/, from the relative path (which
	// server.force-lowercase-filenames lower-cased).
	if rel := ph.RelPath; len(rel) > 2 {
		if i := bytes.IndexByte(rel[2:], '/'); i >= 0 {
			ph.Path = append(ph.Path, rel[2+i+1:]...)
		}
	}
	return pipeline.GoOn
}

// appendBaseDir appends basepath [+ first letter] + user + userdir.path
// to dst, unless user is not a plain name.
func (m *module) appendBaseDir(dst []byte, user string, lower bool) ([]byte, bool) {
	if user == "." || user == ".." {
		return dst, false
	}
	m.user = m.user[:0]
	for i := 0; i < len(user); i++ {
		c := user[i]
		switch {
		case c >= 'A' && c <= 'Z':
			if lower {
				c += 'a' - 'A'
			}
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return dst, false
		}
		m.user = append(m.user, c)
	}
	c := &m.conf
	dst = append(dst, c.basepath...)
	if c.letterhomes {
		if m.user[0] == '.' {
			return dst, false
		}
		dst = appendPath(dst, m.user[:1])
	}
	dst = appendPath(dst, m.user)
	return appendPath(dst, c.path), true
}

// listed reports whether user is in list; fold compares ASCII letters
// without case, as lighttpd does.
func listed(list []string, user string, fold bool) bool {
	for _, u := range list {
		if u == user || fold && http.EqualFold(u, user) {
			return true
		}
	}
	return false
}

// appendPath appends name to dst with exactly one '/' between them
// (lighttpd's buffer_append_path_len; an empty dst gets a '/' too).
func appendPath[S string | []byte](dst []byte, name S) []byte {
	switch {
	case len(dst) > 0 && dst[len(dst)-1] == '/':
		if len(name) > 0 && name[0] == '/' {
			name = name[1:]
		}
	case len(name) == 0 || name[0] != '/':
		dst = append(dst, '/')
	}
	return append(dst, name...)
}

// Package alias is mod_alias: alias.url = ( "/prefix" => "/fs/path" )
// serves the URLs that start with a prefix from the file system path it
// names instead of the document root. In the physical phase, the part of
// the physical path past the base directory (the URL path, lower-cased
// with server.force-lowercase-filenames) is compared with each prefix in
// the order written, case-sensitively unless
// server.force-lowercase-filenames is set; on the first match the prefix
// is replaced by the target, which becomes the base directory (PATH_INFO
// is looked for only past it).
//
// As in lighttpd, a prefix is replaced as it is, not as a path segment:
// "/a" => "/x" maps /ab to /xb. The parser has decoded the URL path
// (%2F and %2E included) before removing its "." and ".." segments, so
// a URL cannot climb out of a target; the one way left, a prefix without
// a trailing slash whose target has one ("/a" => "/x/", where /a../etc
// would be /x/../etc), is answered 403. A configuration that lists a
// prefix after a shorter one that starts it, so that it could never
// match, is refused: the longest prefix always wins.
package alias

import (
	"fmt"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/internal/unsafeconv"
)

// entry is one alias.url pair.
type entry struct {
	prefix, target string
}

// options are mod_alias's options for one request.
type options struct {
	aliases []entry // alias.url, in the order written
}

var moduleOptions = config.RegisterModule("mod_alias", options{}, map[string]config.Compile[options]{
	"alias.url": compileAliases,
})

// compileAliases decodes alias.url and refuses an order in which a
// prefix could never match (lighttpd's mod_alias_check_order).
func compileAliases(v config.Value, _ *config.Block) (func(*options), error) {
	list, err := config.DecodeStringHash(v)
	if err != nil {
		return nil, err
	}
	aliases := make([]entry, len(list))
	for i, e := range list {
		aliases[i] = entry{prefix: e.Key, target: e.Value.Str}
	}
	for i, earlier := range aliases {
		for j := i + 1; j < len(aliases); j++ {
			later := aliases[j]
			if len(later.prefix) >= len(earlier.prefix) && later.prefix[:len(earlier.prefix)] == earlier.prefix {
				return nil, config.At(list[j], fmt.Errorf("%q will never match as %q matched first: list the longer prefix first",
					later.prefix, earlier.prefix))
			}
		}
	}
	return func(o *options) { o.aliases = aliases }, nil
}

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_alias", New: func(s *pipeline.Setup) any {
		return &module{opts: moduleOptions.Of(s.Config)}
	}})
}

// module is one event loop's mod_alias.
type module struct {
	opts *config.Scoped[options]
	conf options // the current request's, merged by Physical
	path []byte  // scratch for the new physical path
}

// Physical maps the physical path into the first alias whose prefix
// starts it (lighttpd's mod_alias_remap).
func (m *module) Physical(r *pipeline.Request) pipeline.Result {
	if m.opts == nil || !m.opts.Set() {
		return pipeline.GoOn
	}
	m.opts.Merge(&m.conf, r.Eval)
	if len(m.conf.aliases) == 0 {
		return pipeline.GoOn
	}
	ph := &r.Physical
	base := len(ph.BaseDir)
	if base > 0 && ph.BaseDir[base-1] == '/' {
		base-- // the URL part starts with its '/'
	}
	if len(ph.Path) == 0 || len(ph.Path) < base {
		return pipeline.GoOn
	}
	uri := ph.Path[base:]
	a := match(m.conf.aliases, uri, r.Options.ForceLowercaseFilenames)
	if a == nil {
		return pipeline.GoOn
	}
	rest := uri[len(a.prefix):]
	if climbs(a, rest) {
		r.Resp.Status = 403
		return pipeline.Finished
	}
	m.path = append(append(m.path[:0], a.target...), rest...)
	ph.Path = append(ph.Path[:0], m.path...)
	ph.BaseDir = append(ph.BaseDir[:0], a.target...)
	return pipeline.GoOn
}

// match returns the first alias whose prefix starts uri, ignoring ASCII
// case when fold is set.
func match(aliases []entry, uri []byte, fold bool) *entry {
	for i := range aliases {
		p := aliases[i].prefix
		if len(p) > len(uri) {
			continue
		}
		if fold && http.EqualFold(unsafeconv.String(uri[:len(p)]), p) || !fold && string(uri[:len(p)]) == p {
			return &aliases[i]
		}
	}
	return nil
}

// climbs reports whether the rest of the URL after a prefix without a
// trailing slash is "." or ".." as a segment of its own once appended to
// a target with a trailing slash: "/a" => "/x/" would map /a../etc to
// /x/../etc.
func climbs(a *entry, rest []byte) bool {
	if len(rest) == 0 || rest[0] != '.' {
		return false
	}
	s := rest[1:]
	if len(s) > 0 && s[0] == '.' {
		s = s[1:]
	}
	if len(s) > 0 && s[0] != '/' {
		return false // "/a.b" and "/a...": names, not dot segments
	}
	p, t := a.prefix, a.target
	return len(p) > 0 && p[len(p)-1] != '/' && len(t) > 0 && t[len(t)-1] == '/'
}

// Package access is mod_access: url.access-deny answers 403 to a request
// whose URL path ends with one of its suffixes, and url.access-allow
// answers 403 to one whose path ends with none of its own. When both
// apply to a request, url.access-allow alone decides; an empty list is
// the same as none, and an empty string is a suffix of every path (so
// url.access-deny = ( "" ) denies everything).
//
// The path compared is the decoded, normalised URL path (lighttpd's
// uri.path), case-sensitively unless server.force-lowercase-filenames is
// set. It is compared twice, as lighttpd does: in the uri-clean phase,
// and again in the subrequest-start phase, once PATH_INFO has been cut
// from it (so url.access-deny = ( ".inc" ) refuses /x.inc/more too) and
// mod_indexfile has put the index file's name on a directory's.
package access

import (
	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/pipeline"
)

// options are mod_access's options for one request.
type options struct {
	deny  []string // url.access-deny
	allow []string // url.access-allow
}

var moduleOptions = config.RegisterModule("mod_access", options{}, map[string]config.Compile[options]{
	"url.access-deny":  config.Option(config.DecodeList, func(o *options) *[]string { return &o.deny }),
	"url.access-allow": config.Option(config.DecodeList, func(o *options) *[]string { return &o.allow }),
})

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_access", New: func(s *pipeline.Setup) any {
		return &module{opts: moduleOptions.Of(s.Config), logger: s.Logger}
	}})
}

// module is one event loop's mod_access.
type module struct {
	opts   *config.Scoped[options]
	conf   options // the current request's, merged by check
	logger interface{ Printf(string, ...any) }
}

// URIClean checks the URL path as the client asked for it.
func (m *module) URIClean(r *pipeline.Request) pipeline.Result { return m.check(r) }

// SubrequestStart checks the path again once PATH_INFO is cut from it
// and an index file's name may have been added.
func (m *module) SubrequestStart(r *pipeline.Request) pipeline.Result { return m.check(r) }

func (m *module) check(r *pipeline.Request) pipeline.Result {
	if m.opts == nil || !m.opts.Set() {
		return pipeline.GoOn
	}
	m.opts.Merge(&m.conf, r.Eval)
	fold := r.Options.ForceLowercaseFilenames
	switch {
	case len(m.conf.allow) > 0:
		if hasSuffix(r.Head.Path, m.conf.allow, fold) {
			return pipeline.GoOn
		}
		if r.Options.Debug.LogRequestHandling {
			m.logger.Printf("url denied as failed to match any from access_allow %s", r.Head.Path)
		}
	case len(m.conf.deny) > 0:
		if !hasSuffix(r.Head.Path, m.conf.deny, fold) {
			return pipeline.GoOn
		}
		if r.Options.Debug.LogRequestHandling {
			m.logger.Printf("url denied as we match access_deny %s", r.Head.Path)
		}
	default:
		return pipeline.GoOn
	}
	// A handler claimed earlier in the phase is dropped, so that the
	// client gets the error document and not the handler's answer.
	r.Claim(nil)
	r.Resp.Status = 403
	return pipeline.Finished
}

// hasSuffix reports whether path ends with one of suffixes, ignoring
// ASCII case when fold is set.
func hasSuffix(path string, suffixes []string, fold bool) bool {
	for _, s := range suffixes {
		if len(s) > len(path) {
			continue
		}
		tail := path[len(path)-len(s):]
		if tail == s || fold && http.EqualFold(tail, s) {
			return true
		}
	}
	return false
}

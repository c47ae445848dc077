package keyvalue

import (
	"strings"

	"github.com/featherd/featherd/http/pipeline"
)

// RequestURL returns what a substitution takes from r (lighttpd's
// burl_parts_t as mod_redirect and mod_rewrite fill it): the target
// rules match, and the URL's parts. It allocates nothing.
func RequestURL(r *pipeline.Request) URL {
	u := URL{
		Scheme:    r.Scheme,
		Authority: r.Head.Host,
		Target:    r.Head.Current,
		Query:     r.Head.Query,
		HasQuery:  strings.IndexByte(r.Head.Current, '?') >= 0,
	}
	if u.Authority == "" {
		u.Authority = r.Options.ServerName
	}
	if r.Local.IsValid() {
		u.Port = r.Local.Port()
	}
	return u
}

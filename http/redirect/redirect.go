// Package redirect is mod_redirect: url.redirect sends clients elsewhere.
// In the uri-clean phase the request's target (its normalised path and
// query, as lighttpd's r->target) is matched against the regexes of
// url.redirect in order; the first that matches answers the request
// with its substitution (http/internal/keyvalue) as the Location, no
// body, and url.redirect-code as the status: by default 301, or 308 for
// a method other than GET and HEAD over HTTP/1.1, so that the client
// repeats the method and its body.
//
// A rule whose substitution is empty ends the list without redirecting,
// which exempts what its regex matches from the rules after it.
package redirect

import (
	"fmt"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/internal/keyvalue"
	"github.com/featherd/featherd/http/pipeline"
)

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_redirect", New: func(s *pipeline.Setup) any {
		return &module{scoped: options.Of(s.Config)}
	}})
}

// settings are mod_redirect's options for one request.
type settings struct {
	rules *keyvalue.List // url.redirect; nil when not set
	code  int            // url.redirect-code; 0 for the default
}

var options = config.RegisterModule("mod_redirect", settings{}, map[string]config.Compile[settings]{
	"url.redirect": func(v config.Value, b *config.Block) (func(*settings), error) {
		l, err := keyvalue.Compile(v, b)
		if l == nil {
			return nil, err
		}
		return func(o *settings) { o.rules = l }, err
	},
	"url.redirect-code": config.Option(decodeCode, func(o *settings) *int { return &o.code }),
})

// decodeCode reads url.redirect-code. lighttpd takes any number from 100
// to 999 and silently uses its default for others; featherd refuses
// those, and the 1xx codes, which are not final answers.
func decodeCode(v config.Value) (int, error) {
	n, err := config.DecodeInt(v)
	if err != nil || n < 200 || n > 999 {
		return 0, fmt.Errorf("expected a status code 200 … 999 (301, 302, 303, 307 or 308 to redirect), found %s", show(v))
	}
	return n, nil
}

func show(v config.Value) string {
	if v.Kind == config.KindString {
		return fmt.Sprintf("%q", v.Str)
	}
	if v.Kind == config.KindInteger {
		return fmt.Sprint(v.Int)
	}
	return "an " + v.Kind.String()
}

// module is one event loop's mod_redirect.
type module struct {
	scoped *config.Scoped[settings]
	conf   settings // the current request's, merged by URIClean
	buf    []byte
}

// URIClean redirects a request one of the rules matches.
func (m *module) URIClean(r *pipeline.Request) pipeline.Result {
	if !m.scoped.Set() {
		return pipeline.GoOn
	}
	m.scoped.Merge(&m.conf, r.Eval)
	if m.conf.rules == nil {
		return pipeline.GoOn
	}
	rules := m.conf.rules.For(r.Server.HTTPParseOpts.URLNormalize)
	i := rules.Match(r.Head.Current)
	if i < 0 || rules.Blank(i) {
		return pipeline.GoOn
	}
	u := keyvalue.RequestURL(r)
	m.buf = escapeControls(rules.Expand(m.buf[:0], i, &u, r.Eval))
	r.Resp.SetHeader("Location", string(m.buf))
	r.Resp.Status = m.conf.code
	if r.Resp.Status == 0 {
		r.Resp.Status = 308
		if meth := r.Head.Method; meth == http.MethodGet || meth == http.MethodHead || r.Head.Version != http.Version11 {
			r.Resp.Status = 301
		}
	}
	return pipeline.Finished
}

// escapeControls percent-encodes control bytes, which a Location must
// not carry: a capture decoded with ${decb64u:…} could otherwise add
// headers to the response (lighttpd sends them as they are).
func escapeControls(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] >= 0x20 && b[i] != 0x7F {
		i++
	}
	if i == len(b) {
		return b
	}
	const hex = "0123456789ABCDEF"
	out := append(make([]byte, 0, len(b)+16), b[:i]...)
	for _, c := range b[i:] {
		if c < 0x20 || c == 0x7F {
			out = append(out, '%', hex[c>>4], hex[c&15])
		} else {
			out = append(out, c)
		}
	}
	return out
}

// Package rewrite is mod_rewrite: url.rewrite-* change the target a
// request is served for, inside the server. The request's target (its
// normalised path and query, as lighttpd's r->target) is matched against
// the regexes of the rules in order; the first that matches replaces the
// target with its substitution (http/internal/keyvalue), and the request
// comes back: its path and query are parsed from the new target, the
// conditions are evaluated again, and the rules with them.
//
//   - url.rewrite-once (and its old names url.rewrite and
//     url.rewrite-final) rewrite once: after one of them matched, in
//     either phase, the request is not rewritten again (unless
//     server.error-handler takes it over).
//   - url.rewrite-repeat rewrites the new target again, until no rule
//     matches or a once-rule does. A loop ends when the request has come
//     back pipeline.MaxComebacks times: 500 and a log line.
//   - url.rewrite-if-not-file and url.rewrite-repeat-if-not-file do the
//     same in the physical phase, once the file is known, and only when
//     it is not a regular file (missing, a directory, or a path with
//     PATH_INFO), and no module has claimed the request.
//
// The once- and repeat-rules of one block are one list, once-rules first;
// the list of the last block that matches the request applies, as
// lighttpd's mod_rewrite_patch_config merges them. A substitution must
// give a path starting with '/' (else 500), and one that does not parse
// as a target is answered 400.
package rewrite

import (
	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/internal/keyvalue"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/internal/unsafeconv"
)

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_rewrite", New: func(s *pipeline.Setup) any {
		return &module{scoped: options.Of(s.Config), logger: s.Logger, slot: s.Slot}
	}})
}

// ruleSet is the rules of one phase from one block: the once-rules of
// each key, in lighttpd's order, then the repeat-rules.
type ruleSet struct {
	lists [4]*keyvalue.List // nil where not set
	block int               // the block they come from
}

// The places in ruleSet.lists. The if-not-file set uses listOnce and
// listRepeat only.
const (
	listOnce    = iota // url.rewrite-once, url.rewrite-if-not-file
	listFinal          // url.rewrite-final
	listRewrite        // url.rewrite
	listRepeat         // url.rewrite-repeat, url.rewrite-repeat-if-not-file
)

// settings are mod_rewrite's options for one request.
type settings struct {
	uri     ruleSet // matched in the uri-raw phase
	notFile ruleSet // matched in the physical phase
}

var options = config.RegisterModule("mod_rewrite", settings{}, map[string]config.Compile[settings]{
	"url.rewrite-once":               rules(func(o *settings) *ruleSet { return &o.uri }, listOnce),
	"url.rewrite-final":              rules(func(o *settings) *ruleSet { return &o.uri }, listFinal),
	"url.rewrite":                    rules(func(o *settings) *ruleSet { return &o.uri }, listRewrite),
	"url.rewrite-repeat":             rules(func(o *settings) *ruleSet { return &o.uri }, listRepeat),
	"url.rewrite-if-not-file":        rules(func(o *settings) *ruleSet { return &o.notFile }, listOnce),
	"url.rewrite-repeat-if-not-file": rules(func(o *settings) *ruleSet { return &o.notFile }, listRepeat),
})

// rules makes the Compile of one key: its list takes place at in the
// rule set of its phase, which a block replaces as a whole, so that the
// rules of a matching block apply without those of the global scope.
func rules(set func(*settings) *ruleSet, at int) config.Compile[settings] {
	return func(v config.Value, b *config.Block) (func(*settings), error) {
		l, err := keyvalue.Compile(v, b)
		if l == nil {
			return nil, err
		}
		return func(o *settings) {
			s := set(o)
			if s.block != b.Index {
				*s = ruleSet{block: b.Index}
			}
			s.lists[at] = l
		}, err
	}
}

// module is one event loop's mod_rewrite.
type module struct {
	scoped *config.Scoped[settings]
	logger interface{ Printf(string, ...any) }
	conf   settings // the current request's, merged by each phase
	buf    []byte
	// slot is where a request a once-rule rewrote is marked (onceDone):
	// it is not rewritten again (lighttpd's REWRITE_STATE_FINISHED) until
	// it ends, or server.error-handler resets it.
	slot int
}

// onceDone marks a request a once-rule rewrote (Request.Data).
var onceDone = new(struct{ _ byte })

// URIRaw applies url.rewrite-once and -repeat.
func (m *module) URIRaw(r *pipeline.Request) pipeline.Result {
	if !m.scoped.Set() {
		return pipeline.GoOn
	}
	m.scoped.Merge(&m.conf, r.Eval)
	return m.rewrite(r, &m.conf.uri)
}

// Physical applies url.rewrite-if-not-file and -repeat-if-not-file
// when the file the request maps to is not a regular file.
func (m *module) Physical(r *pipeline.Request) pipeline.Result {
	if !m.scoped.Set() || r.Claimed() {
		return pipeline.GoOn
	}
	m.scoped.Merge(&m.conf, r.Eval)
	if m.conf.notFile.empty() {
		return pipeline.GoOn
	}
	if e := r.StatCache.Lookup(r.Physical.Path); e.Err() == 0 && e.IsRegular() {
		return pipeline.GoOn
	}
	return m.rewrite(r, &m.conf.notFile)
}

// RequestReset forgets the request's once-rewrite.
func (m *module) RequestReset(r *pipeline.Request) pipeline.Result {
	if r.Data(m.slot) == onceDone {
		r.SetData(m.slot, nil)
	}
	return pipeline.GoOn
}

func (s *ruleSet) empty() bool { return s.lists == [4]*keyvalue.List{} }

// rewrite matches the request's target against the rules of s and
// replaces it with the substitution of the first that matches
// (lighttpd's process_rewrite_rules).
func (m *module) rewrite(r *pipeline.Request, s *ruleSet) pipeline.Result {
	if s.empty() {
		return pipeline.GoOn
	}
	if r.Data(m.slot) == onceDone {
		return pipeline.GoOn
	}
	normalize := r.Server.HTTPParseOpts.URLNormalize
	target := r.Head.Current
	for at, l := range s.lists {
		if l == nil {
			continue
		}
		rules := l.For(normalize)
		i := rules.Match(target)
		if i < 0 {
			continue
		}
		if rules.Blank(i) {
			return pipeline.GoOn
		}
		u := keyvalue.RequestURL(r)
		m.buf = rules.Expand(m.buf[:0], i, &u, r.Eval)
		if len(m.buf) == 0 || m.buf[0] != '/' {
			m.logger.Printf("mod_rewrite invalid result (not beginning with '/') while processing uri: %s -> %q; answering 500",
				target, m.buf)
			r.Resp.Status = 500
			return pipeline.Finished
		}
		if at != listRepeat {
			r.SetData(m.slot, onceDone)
		}
		if st := r.Head.SetTarget(unsafeconv.String(m.buf), &r.Server.HTTPParseOpts); st != 0 {
			m.logger.Printf("mod_rewrite: %s was rewritten to %q, which is not a valid target; answering %d", r.Head.Target, m.buf, st)
			r.Resp.Status, r.Resp.Close = st, true
			return pipeline.Finished
		}
		return pipeline.Comeback
	}
	return pipeline.GoOn
}

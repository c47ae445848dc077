// Package setenv is mod_setenv: it adds or sets request headers,
// response headers and gateway environment variables, as lighttpd does.
//
//   - setenv.add-request-header and setenv.set-request-header change the
//     request's headers in the uri-clean phase, once per request (not
//     again when it comes back), so that the modules after mod_setenv in
//     server.modules, the gateways, and the conditions not yet evaluated
//     for the request see them. "add" joins the value to the header's
//     with ", " (Cookie "; "); "set" replaces it, or removes the header
//     when the value is empty.
//   - setenv.add-environment and setenv.set-environment put variables in
//     the request's gateway environment (pipeline.Request.Env) in the
//     same phase: "add" joins to a variable's value with ", ", "set"
//     replaces it.
//   - setenv.add-response-header and setenv.set-response-header change
//     the response's headers in the response-start phase, error
//     responses included: "add" adds a header line, "set" replaces the
//     header's lines, or removes them when the value is empty.
//
// The options are those of the conditional blocks that match when the
// uri-clean phase runs; a request answered before mod_setenv's turn in
// that phase (a module earlier in server.modules refused it, or the
// request was bad) gets none of them. Header values have tabs and line
// breaks turned into spaces and surrounding spaces trimmed at load time.
package setenv

import (
	"errors"
	"fmt"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
)

// pair is one name => value of an option.
type pair struct {
	name, value string
}

// options are mod_setenv's options for one request.
type options struct {
	addRequestHeader, setRequestHeader   []pair
	addResponseHeader, setResponseHeader []pair
	addEnvironment, setEnvironment       []pair
}

var moduleOptions = config.RegisterModule("mod_setenv", options{}, map[string]config.Compile[options]{
	"setenv.add-request-header":  headers(func(o *options) *[]pair { return &o.addRequestHeader }),
	"setenv.set-request-header":  headers(func(o *options) *[]pair { return &o.setRequestHeader }),
	"setenv.add-response-header": headers(func(o *options) *[]pair { return &o.addResponseHeader }),
	"setenv.set-response-header": headers(func(o *options) *[]pair { return &o.setResponseHeader }),
	"setenv.add-environment":     environment(func(o *options) *[]pair { return &o.addEnvironment }),
	"setenv.set-environment":     environment(func(o *options) *[]pair { return &o.setEnvironment }),
})

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_setenv", New: func(s *pipeline.Setup) any {
		return &module{opts: moduleOptions.Of(s.Config), slot: s.Slot}
	}})
}

// module is one event loop's mod_setenv.
type module struct {
	opts *config.Scoped[options]
	// slot is where each request keeps the options merged for it
	// (lighttpd's handler_ctx): set in uri clean, read when a gateway
	// asks for the environment and in response start, dropped when the
	// request is reset.
	slot int
	free []*options // dropped ones, for reuse
}

// URIClean merges the request's options and applies its request
// headers, once per request.
func (m *module) URIClean(r *pipeline.Request) pipeline.Result {
	if m.opts == nil || !m.opts.Set() {
		return pipeline.GoOn
	}
	if r.Data(m.slot) != nil {
		return pipeline.GoOn // came back: applied already
	}
	o := m.alloc()
	m.opts.Merge(o, r.Eval)
	r.SetData(m.slot, o)
	for _, h := range o.addRequestHeader {
		r.Head.AddHeader(h.name, h.value)
	}
	for _, h := range o.setRequestHeader {
		r.Head.SetHeader(h.name, h.value) // "" removes
	}
	return pipeline.GoOn
}

// RequestEnv adds the environment of the options merged in uri clean,
// when a gateway builds its backend's: add-environment joins a value set
// before, set-environment replaces it.
func (m *module) RequestEnv(r *pipeline.Request) pipeline.Result {
	o, _ := r.Data(m.slot).(*options)
	if o == nil {
		return pipeline.GoOn
	}
	for _, e := range o.addEnvironment {
		r.Env.Add(e.name, e.value)
	}
	for _, e := range o.setEnvironment {
		r.Env.Set(e.name, e.value)
	}
	return pipeline.GoOn
}

// ResponseStart applies the response headers of the options merged in
// uri clean.
func (m *module) ResponseStart(r *pipeline.Request) pipeline.Result {
	o, _ := r.Data(m.slot).(*options)
	if o == nil {
		return pipeline.GoOn
	}
	for _, h := range o.addResponseHeader {
		if h.value != "" {
			r.Resp.AddHeader(h.name, h.value)
		}
	}
	for _, h := range o.setResponseHeader {
		if h.value == "" {
			r.Resp.DelHeader(h.name)
		} else {
			r.Resp.SetHeader(h.name, h.value)
		}
	}
	return pipeline.GoOn
}

// RequestReset forgets the request's options.
func (m *module) RequestReset(r *pipeline.Request) pipeline.Result {
	if o, _ := r.Data(m.slot).(*options); o != nil {
		r.SetData(m.slot, nil)
		*o = options{}
		m.free = append(m.free, o)
	}
	return pipeline.GoOn
}

func (m *module) alloc() *options {
	if n := len(m.free); n > 0 {
		o := m.free[n-1]
		m.free = m.free[:n-1]
		return o
	}
	return new(options)
}

// headers compiles a setenv.*-header option: names and values as
// lighttpd's mod_setenv_prep_ext prepares them. A header that would be
// sent malformed is a warning, as in lighttpd, except a name that is
// empty or holds a line break, which would break the head apart.
func headers(field func(*options) *[]pair) config.Compile[options] {
	return func(v config.Value, _ *config.Block) (func(*options), error) {
		list, err := config.DecodeStringHash(v)
		if err != nil {
			return nil, err
		}
		pairs := make([]pair, len(list))
		var warning error
		for i, e := range list {
			name, value := e.Key, prepareValue(e.Value.Str)
			switch {
			case name == "":
				return nil, config.At(e, errors.New("a header needs a name"))
			case containsLineBreak(name):
				return nil, config.At(e, fmt.Errorf("header name %q holds a line break", name))
			case warning == nil && (!isToken(name) || !validValue(value)):
				warning = config.At(e, config.Warn("invalid character in header %q: %q; it is sent as it is", name, value))
			}
			pairs[i] = pair{name, value}
		}
		return func(o *options) { *field(o) = pairs }, warning
	}
}

// environment compiles a setenv.*-environment option: values are kept
// as written.
func environment(field func(*options) *[]pair) config.Compile[options] {
	return func(v config.Value, _ *config.Block) (func(*options), error) {
		list, err := config.DecodeStringHash(v)
		if err != nil {
			return nil, err
		}
		pairs := make([]pair, len(list))
		for i, e := range list {
			pairs[i] = pair{e.Key, e.Value.Str}
		}
		return func(o *options) { *field(o) = pairs }, nil
	}
}

// prepareValue turns tabs and line breaks into spaces and trims the
// spaces around the value.
func prepareValue(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\t' || c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	start, end := 0, len(b)
	for start < end && b[start] == ' ' {
		start++
	}
	for end > start && b[end-1] == ' ' {
		end--
	}
	return string(b[start:end])
}

func containsLineBreak(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			return true
		}
	}
	return false
}

// isToken reports whether a header name is an RFC 9110 token.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f {
			return false
		}
		switch c {
		case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}':
			return false
		}
	}
	return true
}

// validValue reports whether a value holds no control character (HTAB
// aside) and no DEL, lighttpd's header-strict rule.
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

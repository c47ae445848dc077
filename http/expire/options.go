package expire

import (
	"fmt"
	"strings"

	"github.com/featherd/featherd/config"
)

// options are mod_expire's options for one request.
type options struct {
	url       []rule // expire.url: URL path prefixes
	mimetypes []rule // expire.mimetypes: Content-Type prefixes
}

// rule is one entry of expire.url or expire.mimetypes.
type rule struct {
	prefix string
	spec   *spec
}

var moduleOptions = config.RegisterModule("mod_expire", options{}, map[string]config.Compile[options]{
	"expire.url":       compileRules(false, func(o *options) *[]rule { return &o.url }),
	"expire.mimetypes": compileRules(true, func(o *options) *[]rule { return &o.mimetypes }),
})

// compileRules decodes ( "prefix" => "time spec", … ), each spec parsed
// now so that a bad one stops the configuration from loading. For
// expire.mimetypes a trailing '*' is dropped from a prefix ("text/*" is
// "text/"), and, as lighttpd does since .js files became
// text/javascript, an "application/javascript" entry is taken as
// "text/javascript" (and moved last) unless the list has "text/" or
// "text/javascript" already.
func compileRules(mime bool, field func(*options) *[]rule) config.Compile[options] {
	return func(v config.Value, _ *config.Block) (func(*options), error) {
		list, err := config.DecodeStringHash(v)
		if err != nil {
			return nil, err
		}
		rules := make([]rule, 0, len(list))
		for _, e := range list {
			sp, err := parseSpec(e.Value.Str)
			if err != nil {
				return nil, config.At(e, fmt.Errorf("%q => %q: %v", e.Key, e.Value.Str, err))
			}
			prefix := e.Key
			if mime {
				prefix = strings.TrimSuffix(prefix, "*")
			}
			rules = append(rules, rule{prefix: prefix, spec: sp})
		}
		if mime {
			rules = renameJavaScript(rules)
		}
		return func(o *options) { *field(o) = rules }, nil
	}
}

func renameJavaScript(rules []rule) []rule {
	js := -1
	for i, r := range rules {
		switch {
		case strings.EqualFold(r.prefix, "text/") || strings.EqualFold(r.prefix, "text/javascript"):
			return rules
		case strings.EqualFold(r.prefix, "application/javascript"):
			js = i
		}
	}
	if js < 0 {
		return rules
	}
	r := rules[js]
	r.prefix = "text/javascript"
	return append(append(rules[:js:js], rules[js+1:]...), r)
}

// match returns the spec of the first rule, in configuration order,
// whose prefix s starts with; nil if none.
func match(rules []rule, s string) *spec {
	for i := range rules {
		if strings.HasPrefix(s, rules[i].prefix) {
			return rules[i].spec
		}
	}
	return nil
}

// matchType returns the spec for a response's Content-Type: the first
// rule it starts with, or, when there is no Content-Type, the rule for
// "" (lighttpd's default entry).
func matchType(rules []rule, contentType string) *spec {
	if contentType != "" {
		return match(rules, contentType)
	}
	for i := range rules {
		if rules[i].prefix == "" {
			return rules[i].spec
		}
	}
	return nil
}

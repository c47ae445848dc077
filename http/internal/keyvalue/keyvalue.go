// Package keyvalue is the rule engine mod_redirect and mod_rewrite share
// (lighttpd's keyvalue.c, pcre_keyvalue_*, with the encoders of burl.c):
// a list of regex => substitution rules, of which the first whose regex
// matches a request's target wins, and the expansion of its substitution
// with the regex's captures, the enclosing condition's, parts of the URL
// and encoding modifiers (subst.go).
//
// Everything is checked when the configuration loads: the regexes (Go's
// RE2, as featherd's conditions), the substitutions' syntax, and the
// captures they refer to. At request time a list that matches nothing
// allocates nothing.
package keyvalue

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/featherd/featherd/config"
)

// maxCaptures is the most groups a rule's regex may have, as lighttpd's
// pcre_keyvalue_buffer_append allows ($0…$19 through ${N}).
const maxCaptures = 19

// List is the rules of one setting (lighttpd's pcre_keyvalue_buffer),
// with the block they were set in, whose condition's captures %0…%9
// refer to. It is immutable once compiled and shared by every loop.
type List struct {
	// norm are the rules as normalised for url-normalize (normalize.go);
	// raw as written, for when it is off. raw is norm when no rule
	// changes.
	norm, raw Rules
}

// Rules are a list's rules as matched against targets of one form
// (List.For).
type Rules struct {
	rules []rule
	block int
}

type rule struct {
	re    *regexp.Regexp
	sub   template
	blank bool // an empty substitution: a match ends the list without a result
}

// Compile compiles a setting's value, a list of "regex" => "substitution"
// strings, set in block b. A bad regex or substitution is an error at
// its element, and the List is nil. A capture that cannot exist (a $3
// when the regex has two groups, a %1 where the block's condition is no
// regex match) expands to nothing: the List comes with a warning
// (config.Warn) at the first such element.
func Compile(v config.Value, b *config.Block) (*List, error) {
	elems, err := config.DecodeStringHash(v)
	if err != nil {
		return nil, err
	}
	condGroups := conditionGroups(b)
	l := &List{norm: Rules{block: b.Index}, raw: Rules{block: b.Index}}
	var warning error
	differ := false
	for _, e := range elems {
		key, value := normalizeKey(e.Key), normalizeValue(e.Value.Str)
		r, warn, err := compileRule(key, value, condGroups)
		if err != nil {
			return nil, config.At(e, err)
		}
		if warning == nil && warn != "" {
			warning = config.At(e, config.Warn("%q => %q: %s", e.Key, e.Value.Str, warn))
		}
		l.norm.rules = append(l.norm.rules, r)
		if key != e.Key || value != e.Value.Str {
			// A regex RE2 cannot take as written (bytes that are not
			// UTF-8) keeps its normalised form.
			if raw, _, err := compileRule(e.Key, e.Value.Str, condGroups); err == nil {
				r = raw
			}
			differ = true
		}
		l.raw.rules = append(l.raw.rules, r)
	}
	if !differ {
		l.raw = l.norm
	}
	return l, warning
}

// compileRule compiles one rule; warn says why a capture it refers to
// cannot exist, "" when all can.
func compileRule(key, value string, condGroups int) (r rule, warn string, err error) {
	re, err := regexp.Compile(key)
	if err != nil {
		msg := err.Error()
		if pcreOnly(key) {
			msg += " (featherd uses RE2 regular expressions: look-around, back-references, possessive and atomic groups are not available)"
		}
		return r, "", fmt.Errorf("invalid regex %q: %s", key, msg)
	}
	if n := re.NumSubexp(); n > maxCaptures {
		return r, "", fmt.Errorf("too many captures (%d) in regex %q, use (?:...) instead of (...)", n, key)
	}
	sub, err := parseTemplate(value)
	if err != nil {
		return r, "", err
	}
	return rule{re: re, sub: sub, blank: value == ""}, missingCapture(&sub, re.NumSubexp(), condGroups), nil
}

// missingCapture says which capture of a substitution cannot exist,
// given the groups of the rule's regex and of the condition's (-1: no
// regex condition); "" when all can.
func missingCapture(t *template, groups, condGroups int) string {
	for _, p := range t.pieces {
		switch {
		case p.kind == pieceMatch && p.n > groups:
			return fmt.Sprintf("$%d is replaced by nothing: the rule's regex has %d groups", p.n, groups)
		case p.kind == pieceCond && condGroups < 0:
			return fmt.Sprintf("%%%d is replaced by nothing: the block this is set in has no =~ condition "+
				"whose captures it could take (write %%%% for a literal %%)", p.n)
		case p.kind == pieceCond && p.n > condGroups:
			return fmt.Sprintf("%%%d is replaced by nothing: the condition's regex has %d groups "+
				"(write %%%% for a literal %%)", p.n, condGroups)
		}
	}
	return ""
}

// conditionGroups returns the number of groups of the regex of b's
// condition, or -1 when b has no =~ condition (the global scope, ==,
// !~, else).
func conditionGroups(b *config.Block) int {
	if b == nil || b.Cond == nil || b.Cond.Op != config.OpMatch {
		return -1
	}
	re, err := regexp.Compile(b.Cond.Pattern)
	if err != nil {
		return -1 // the loader has refused it already
	}
	return re.NumSubexp()
}

// pcreOnly guesses whether a regex RE2 refused uses a feature only PCRE
// has, as the loader does for conditions.
func pcreOnly(p string) bool {
	for _, s := range []string{"(?=", "(?!", "(?<=", "(?<!", "(?>", "*+", "++", "?+", `\1`, `\2`, `\k<`} {
		if strings.Contains(p, s) {
			return true
		}
	}
	return false
}

// For returns the rules to match targets with: normalised when
// url-normalize is on (server.http-parseopts), as written otherwise.
func (l *List) For(urlNormalize bool) *Rules {
	if urlNormalize {
		return &l.norm
	}
	return &l.raw
}

// Len returns the number of rules.
func (l *List) Len() int { return len(l.norm.rules) }

// Match returns the index of the first rule whose regex matches target,
// or -1. It allocates nothing.
func (rs *Rules) Match(target string) int {
	for i := range rs.rules {
		if rs.rules[i].re.MatchString(target) {
			return i
		}
	}
	return -1
}

// Blank reports whether rule i's substitution is empty: lighttpd then
// stops at the rule without a result, so an empty substitution exempts
// what its regex matches from the rules after it.
func (rs *Rules) Blank(i int) bool { return rs.rules[i].blank }

// Expand appends the substitution of rule i, which matched u.Target.
// The condition's captures come from e when the substitution uses them.
func (rs *Rules) Expand(dst []byte, i int, u *URL, e *config.Eval) []byte {
	r := &rs.rules[i]
	var match []int
	if r.sub.usesMatch {
		match = r.re.FindStringSubmatchIndex(u.Target)
	}
	var cond []string
	if r.sub.usesCond {
		cond = e.Captures(rs.block)
	}
	return r.sub.expand(dst, u, match, cond)
}

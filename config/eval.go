package config

import (
	"net/netip"
	"strings"
)

// Subject supplies the values conditions compare against. The reactor
// implements it on its connection: for FieldHeader it returns the request
// header named by header (case-insensitively), for the others the field's
// value. A value that is absent is "". The strings may alias request
// buffers; they are read only during the Eval call that asks for them.
type Subject interface {
	ConditionValue(f Field, header string) string
}

// result is a block's cached condition outcome, as lighttpd's
// cond_result_t: unknown until the fields it needs are available.
type result uint8

const (
	resultUnknown result = iota
	resultSkip           // an enclosing block or an earlier branch decided against it
	resultFalse
	resultTrue
)

// Eval evaluates a configuration's conditions for one connection and its
// requests, each condition at most once per request, and merges the
// options of the blocks that match, in block order (the last match wins).
//
// An Eval is owned by its connection's event loop goroutine; never share
// one between goroutines. After the first request it allocates nothing.
type Eval struct {
	cfg     *Config
	subject Subject
	request bool // request fields are available (headers parsed)
	results []result
	opts    Options
	merged  bool // opts is up to date for the current stage
}

// NewEval returns an evaluator for connections served with c.
func (c *Config) NewEval() *Eval {
	return &Eval{cfg: c, results: make([]result, len(c.Blocks))}
}

// Config returns the configuration the evaluator reads.
func (e *Eval) Config() *Config { return e.cfg }

// StartConnection resets the evaluator for a new connection: only the
// socket and remote address are known, so only $SERVER["socket"] and
// $HTTP["remoteip"] conditions can decide.
func (e *Eval) StartConnection(s Subject) {
	e.subject = s
	e.request = false
	e.reset()
}

// StartRequest makes every field available once a request's headers are
// parsed, and forgets the previous request's results.
func (e *Eval) StartRequest() {
	e.request = true
	e.reset()
}

func (e *Eval) reset() {
	clear(e.results)
	e.merged = false
}

// ResetField forgets what the conditions on f decided for the current
// request, with everything that depended on them (nested blocks, later
// branches of their else chains), so they are evaluated again against
// the field's new value: a module calls it after changing what the
// Subject returns for f mid-request (mod_extforward replacing the
// client's address, lighttpd's config_cond_cache_reset_item). Options
// then merges again when next asked; a caller holding its result asks
// again. Results about other fields stand. It allocates nothing.
func (e *Eval) ResetField(f Field) {
	for _, b := range e.cfg.Blocks {
		if b.Cond != nil && b.Cond.Field == f {
			e.forget(b)
		}
	}
	e.merged = false
}

// forget clears b's result and the results that were derived from it. A
// block is decided only after its parent and the branch before it, so a
// block whose result is unknown has nothing decided below or after it.
func (e *Eval) forget(b *Block) {
	if e.results[b.Index] == resultUnknown {
		return
	}
	e.results[b.Index] = resultUnknown
	for _, c := range b.Children {
		e.forget(c)
	}
	if b.Next != nil {
		e.forget(b.Next)
	}
}

// Options returns the effective options for the current stage. Blocks
// whose conditions cannot be decided yet do not apply. The result is
// read-only and valid until the next StartConnection or StartRequest.
func (e *Eval) Options() *Options {
	if len(e.cfg.condBlocks) == 0 {
		return &e.cfg.base
	}
	if !e.merged {
		e.opts = e.cfg.base
		for _, b := range e.cfg.condBlocks {
			if e.result(b) == resultTrue {
				for _, p := range e.cfg.patches[b.Index] {
					p(&e.opts)
				}
			}
		}
		e.merged = true
	}
	return &e.opts
}

// Match reports whether block index matches the current request: its
// condition, every enclosing one and, for an else branch, the failure of
// every branch before it. The global scope always matches.
func (e *Eval) Match(index int) bool {
	if index == 0 {
		return true
	}
	return e.result(e.cfg.Blocks[index]) == resultTrue
}

func (e *Eval) result(b *Block) result {
	if r := e.results[b.Index]; r != resultUnknown {
		return r
	}
	r := e.decide(b)
	e.results[b.Index] = r
	return r
}

func (e *Eval) decide(b *Block) result {
	if b.Parent != nil && b.Parent.Index != 0 {
		switch e.result(b.Parent) {
		case resultUnknown:
			return resultUnknown
		case resultSkip, resultFalse:
			return resultSkip
		}
	}
	if b.Prev != nil {
		switch e.result(b.Prev) {
		case resultUnknown:
			return resultUnknown
		case resultSkip, resultTrue:
			return resultSkip
		}
	}
	c := b.Cond
	if !e.request && !c.Field.AtConnection() {
		return resultUnknown
	}
	if c.Op == OpElse {
		return resultTrue
	}
	if c.matches(e.subject.ConditionValue(c.Field, c.Header)) {
		return resultTrue
	}
	return resultFalse
}

// matches compares one value, as lighttpd's config_check_cond_nocache_eval.
func (c *Cond) matches(v string) bool {
	switch c.op {
	case OpEq, OpNe:
		return c.equal(v) == (c.op == OpEq)
	case OpMatch:
		return c.re.MatchString(v)
	case OpNoMatch:
		return !c.re.MatchString(v)
	case OpPrefix:
		return strings.HasPrefix(v, c.str)
	case OpSuffix:
		return strings.HasSuffix(v, c.str)
	}
	return false
}

func (c *Cond) equal(v string) bool {
	switch {
	case c.Field == FieldHost && v != "" && len(v) != len(c.str) && !strings.HasPrefix(c.str, "/"):
		// Host names match with or without a :port suffix on either side.
		d := c.str
		if len(v) > len(d) {
			return v[len(d)] == ':' && len(v)-len(d) <= 6 && v[:len(d)] == d
		}
		return d[len(v)] == ':' && d[:len(v)] == v
	case c.Field == FieldRemoteIP && c.prefix.IsValid():
		a, err := netip.ParseAddr(strings.Trim(v, "[]"))
		return err == nil && c.prefix.Contains(a.Unmap())
	}
	return v == c.str
}

// Captures returns the submatches of block index's regular expression
// against the current request, for %1…%9 substitution by modules: the
// whole match first. It returns nil when the block's condition is not a
// matching regular expression. Captures allocates; it is meant for the
// modules that substitute, not for every request.
func (e *Eval) Captures(index int) []string {
	if index <= 0 || index >= len(e.cfg.Blocks) {
		return nil
	}
	c := e.cfg.Blocks[index].Cond
	if c.re == nil || c.Op != OpMatch || !e.Match(index) {
		return nil
	}
	return c.re.FindStringSubmatch(e.subject.ConditionValue(c.Field, c.Header))
}

package config

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// A module's options are its own: each module declares its keys, how each
// decodes into its options type T, and T's defaults, with RegisterModule.
// When the module is loaded (server.modules), the loader decodes those
// keys in every block with the same errors, warnings and positions as the
// core keys, and ModuleOptions.Of hands the module a Scoped[T]: the
// defaults with the global scope applied, plus one list of patches per
// conditional block. A module merges them for a request with Scoped.Merge,
// as lighttpd's mod_*_patch_config does, into a T it owns.
//
// A module with registered options, or one declared with DeclareModule,
// counts as one featherd has (HaveModule): its options are no longer
// refused or warned about as missing.

// Compile decodes one setting of a module's key into a patch on the
// module's options. b is the block the setting is in (its Index names the
// condition whose captures %1…%9 refer to). An error made with Warn is
// reported as a warning and the patch still applies; one wrapped with At
// is reported at the array element it is about.
type Compile[T any] func(v Value, b *Block) (func(*T), error)

// ModuleOptions are one module's keys. Made once, at package
// initialisation, by RegisterModule; read-only afterwards.
type ModuleOptions[T any] struct {
	module   string
	defaults T
	keys     map[string]Compile[T] // lower-case
}

// registered is every module whose options are registered, by name;
// declared every module featherd has, with options or without.
var (
	registryMu sync.RWMutex
	registered = map[string]moduleKeys{}
	declared   = map[string]bool{}
)

// DeclareModule records that featherd has the lighttpd module named
// name, so that loading it is neither refused nor warned about. The
// pipeline's Register calls it for every module; calling it again is
// harmless.
func DeclareModule(name string) {
	registryMu.Lock()
	defer registryMu.Unlock()
	declared[name] = true
}

// declaredModule reports whether featherd has a module (DeclareModule).
func declaredModule(name string) bool {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return declared[name]
}

// moduleKeys is what the loader needs of a ModuleOptions, whatever its T.
type moduleKeys interface {
	owns(key string) bool
	compile(c *Config, fail func(Setting, error)) any
}

// RegisterModule declares the options of the lighttpd module named
// module ("mod_access"), with defaults for every key not set. It panics
// if the module is registered twice: that is a programming error.
func RegisterModule[T any](module string, defaults T, keys map[string]Compile[T]) *ModuleOptions[T] {
	m := &ModuleOptions[T]{module: module, defaults: defaults, keys: make(map[string]Compile[T], len(keys))}
	for k, c := range keys {
		m.keys[strings.ToLower(k)] = c
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registered[module]; dup {
		panic("config: module " + module + " registered twice")
	}
	registered[module] = m
	declared[module] = true
	return m
}

// Of returns the module's options in c, or nil when c does not load the
// module.
func (m *ModuleOptions[T]) Of(c *Config) *Scoped[T] {
	s, _ := c.moduleOpts[m.module].(*Scoped[T])
	return s
}

func (m *ModuleOptions[T]) owns(key string) bool {
	_, ok := m.keys[strings.ToLower(key)]
	return ok
}

func (m *ModuleOptions[T]) compile(c *Config, fail func(Setting, error)) any {
	s := &Scoped[T]{base: m.defaults}
	for _, b := range c.Blocks {
		var patches []func(*T)
		for _, set := range b.Settings {
			comp, ok := m.keys[strings.ToLower(set.Key)]
			if !ok {
				continue
			}
			p, err := comp(set.Value, b)
			if err != nil {
				fail(set, err)
			}
			if p != nil {
				patches = append(patches, p)
			}
		}
		if len(patches) == 0 {
			continue
		}
		s.set = true
		if b.Index == 0 {
			for _, p := range patches {
				p(&s.base)
			}
			continue
		}
		s.blocks = append(s.blocks, scopedPatches[T]{index: b.Index, patches: patches})
	}
	return s
}

// Scoped is a module's options in one configuration: what applies to
// every request, and what each conditional block changes. It is
// immutable and shared by every event loop.
type Scoped[T any] struct {
	base   T
	blocks []scopedPatches[T]
	set    bool
}

type scopedPatches[T any] struct {
	index   int
	patches []func(*T)
}

// Merge sets *dst to the options for e's current request: the global
// ones, then those of every matching block in configuration order (the
// last one wins). It allocates nothing. Values that are slices or maps are
// shared with the configuration and must not be modified.
func (s *Scoped[T]) Merge(dst *T, e *Eval) {
	*dst = s.base
	for i := range s.blocks {
		if e.Match(s.blocks[i].index) {
			for _, p := range s.blocks[i].patches {
				p(dst)
			}
		}
	}
}

// Base returns the options of a request that matches no conditional
// block. Do not modify it.
func (s *Scoped[T]) Base() *T { return &s.base }

// Set reports whether any block sets any of the module's keys; a module
// none of whose keys is set may skip its work.
func (s *Scoped[T]) Set() bool { return s.set }

// Conditional reports whether some conditional block sets the module's
// keys, so Merge depends on the request.
func (s *Scoped[T]) Conditional() bool { return len(s.blocks) > 0 }

// Option makes the Compile of a key stored in one field of T, decoded by
// decode (DecodeBool, DecodeString, DecodeList, …).
func Option[T, V any](decode func(Value) (V, error), field func(*T) *V) Compile[T] {
	return func(v Value, _ *Block) (func(*T), error) {
		x, err := decode(v)
		if err != nil && !isSoft(err) {
			return nil, err
		}
		return func(o *T) { *field(o) = x }, err
	}
}

// Warn makes an error that is reported as a warning: the value is used.
func Warn(format string, args ...any) error { return softError(fmt.Sprintf(format, args...)) }

// At makes err, about one element of an array value, be reported where
// the element is written instead of where its setting starts, so a
// mistake in a long list is found by its own line. An error made with
// Warn stays a warning; an element built in Go (no position) leaves err
// as it is.
func At(e Element, err error) error {
	if err == nil || e.Pos.Line == 0 {
		return err
	}
	return &elementError{pos: e.Pos, err: err}
}

type elementError struct {
	pos Pos
	err error
}

func (e *elementError) Error() string { return e.err.Error() }
func (e *elementError) Unwrap() error { return e.err }

// errorPos is where an error about setting s is reported.
func errorPos(s Setting, err error) Pos {
	var at *elementError
	if errors.As(err, &at) {
		return at.pos
	}
	return s.Pos
}

// The decoders modules build their keys with; their errors say what was
// expected, the loader adds the key and position.
var (
	DecodeBool       = decodeBool       // "enable"/"disable", true/false, 1/0
	DecodeString     = decodeString     // "..."
	DecodeList       = decodeList       // ( "a", "b" )
	DecodeHash       = decodeHash       // ( "k" => value, … )
	DecodeStringHash = decodeStringHash // ( "k" => "v", … )
	DecodeShort      = decodeShort      // 0 ... 65535
	DecodeInt        = decodeInt        // 0 ... 4294967295
)

// registeredModule returns the options registered for a module, or nil.
func registeredModule(name string) moduleKeys {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return registered[name]
}

// compileModules decodes the options of every loaded module that
// registered them.
func (c *Config) compileModules(fail func(Setting, error)) {
	c.moduleOpts = map[string]any{}
	for _, name := range c.Modules {
		if m := registeredModule(name); m != nil {
			c.moduleOpts[name] = m.compile(c, fail)
		}
	}
}

// loadedModuleOwns reports whether key is an option of a loaded module
// that registered its options.
func (c *Config) loadedModuleOwns(key string) bool {
	for _, name := range c.Modules {
		if m := registeredModule(name); m != nil && m.owns(key) {
			return true
		}
	}
	return false
}

package pipeline

import (
	"fmt"
	"log"
	"slices"
	"sync"

	"github.com/featherd/featherd/config"
)

// Module is a lighttpd module featherd has. A module's package registers
// it with Register (and its options with config.RegisterModule) when it
// is initialised; http/modules imports every module package, one line
// each.
type Module struct {
	// Name is lighttpd's name for it, as server.modules lists it.
	Name string
	// Shared, if set, makes the state that all of a server's event loops
	// share (it must do its own locking), once per server; an error stops
	// the server from starting. Setup.Shared hands it to New.
	Shared func(s *Setup) (any, error)
	// New makes the module's instance for one event loop. The pipeline
	// finds the hooks it implements (hooks.go) by type assertion. An
	// instance is used only on its loop's goroutine, so it may keep
	// per-request scratch space (merged options, buffers) without locks.
	New func(s *Setup) any
}

// Idle is the instance of a module that has nothing to do in a
// configuration (none of its options is set): the pipeline finds no hook
// on it, so requests do not pay for the module.
type Idle struct{}

// Setup is what a module is made from.
type Setup struct {
	Config *config.Config
	Logger *log.Logger
	// Shared is what the module's Shared returned, or nil.
	Shared any
	// Slot is the module's place in every Request's module data
	// (Request.Data, Request.ConnData), lighttpd's plugin id.
	Slot int
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Module{}
)

// Register makes a module available to configurations that load it. It
// panics when a name is registered twice: a programming error.
func Register(m Module) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[m.Name]; dup {
		panic("pipeline: module " + m.Name + " registered twice")
	}
	registry[m.Name] = m
	config.DeclareModule(m.Name)
}

// Registered returns the names of the registered modules, sorted.
func Registered() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func lookupModule(name string) (Module, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	m, ok := registry[name]
	return m, ok
}

// Plan is the modules one server runs, in server.modules order, with the
// state they share; NewLoop makes each event loop's Pipeline from it. A
// Plan is safe for concurrent use.
type Plan struct {
	cfg     *config.Config
	logger  *log.Logger
	modules []planned
}

type planned struct {
	module Module
	setup  Setup
}

// NewPlan prepares the registered modules that cfg loads (cfg.Modules,
// after lighttpd's compatibility loading), in that order. Modules featherd
// does not have are left out: the configuration loader has already
// refused or warned about them.
func NewPlan(cfg *config.Config, logger *log.Logger) (*Plan, error) {
	if logger == nil {
		logger = log.Default()
	}
	p := &Plan{cfg: cfg, logger: logger}
	for _, name := range cfg.Modules {
		m, ok := lookupModule(name)
		if !ok {
			continue
		}
		s := Setup{Config: cfg, Logger: logger, Slot: len(p.modules)}
		if m.Shared != nil {
			shared, err := m.Shared(&s)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			s.Shared = shared
		}
		p.modules = append(p.modules, planned{module: m, setup: s})
	}
	return p, nil
}

// Slots returns how many module data slots a Request needs.
func (p *Plan) Slots() int { return len(p.modules) }

// Modules returns the names of the modules the plan runs, in order.
func (p *Plan) Modules() []string {
	names := make([]string, len(p.modules))
	for i, m := range p.modules {
		names[i] = m.module.Name
	}
	return names
}

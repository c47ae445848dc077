// Package evasive is mod_evasive: a client may have at most
// evasive.max-conns-per-ip requests in progress at once, counted over
// every event loop of the server; a request beyond that is answered 403,
// or redirected to evasive.location, and logged unless evasive.silent is
// set. A block that sets the limit to 0 exempts the requests it matches
// (a list of trusted addresses, say), which are still counted against
// the others.
//
// As lighttpd's, a request counts from its uri-clean phase, once
// mod_extforward has named the client, until it ends; a keep-alive
// connection waiting for its next request does not count. lighttpd 1.4.68
// removed the module (its replacement is a Lua script for mod_magnet) and
// has no core equivalent; featherd keeps it for configurations written
// for the versions that have it.
package evasive

import (
	"log"
	"net/netip"
	"sync"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
)

func init() {
	pipeline.Register(pipeline.Module{
		Name:   "mod_evasive",
		Shared: func(*pipeline.Setup) (any, error) { return &counter{active: map[netip.Addr]int{}}, nil },
		New:    newModule,
	})
}

// options are mod_evasive's settings for one request.
type options struct {
	maxConns int    // evasive.max-conns-per-ip; 0: no limit
	silent   bool   // evasive.silent
	location string // evasive.location; "": answer 403
}

var moduleOptions = config.RegisterModule("mod_evasive", options{}, map[string]config.Compile[options]{
	"evasive.max-conns-per-ip": config.Option(config.DecodeShort, func(o *options) *int { return &o.maxConns }),
	"evasive.silent":           config.Option(config.DecodeBool, func(o *options) *bool { return &o.silent }),
	"evasive.location":         config.Option(config.DecodeString, func(o *options) *string { return &o.location }),
})

// counter is how many requests each client has in progress, over all of
// a server's event loops. It is safe for concurrent use.
type counter struct {
	mu     sync.Mutex
	active map[netip.Addr]int
}

// add counts one more request from a and returns how many there are.
func (c *counter) add(a netip.Addr) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.active[a] + 1
	c.active[a] = n
	return n
}

// count returns how many requests from a are in progress.
func (c *counter) count(a netip.Addr) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active[a]
}

// remove counts one request from a less.
func (c *counter) remove(a netip.Addr) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.active[a] - 1; n > 0 {
		c.active[a] = n
	} else {
		delete(c.active, a)
	}
}

// module is one event loop's mod_evasive.
type module struct {
	opts   *config.Scoped[options]
	shared *counter
	logger *log.Logger
	conf   options // merged for the request at hand
	// counted is the client each connection's request in progress is
	// counted for.
	counted map[uint64]netip.Addr
}

// inert is the module when no block sets a limit: nothing to count.
type inert struct{}

func newModule(s *pipeline.Setup) any {
	opts := moduleOptions.Of(s.Config)
	if opts == nil || opts.Base().maxConns == 0 && !opts.Conditional() {
		return inert{}
	}
	return &module{opts: opts, shared: s.Shared.(*counter), logger: s.Logger, counted: map[uint64]netip.Addr{}}
}

// URIClean counts the request for its client and turns it away when the
// client has more in progress than its limit (lighttpd's
// mod_evasive_uri_handler).
func (m *module) URIClean(r *pipeline.Request) pipeline.Result {
	a, err := netip.ParseAddr(r.RemoteIP)
	if err != nil {
		return pipeline.GoOn // a unix socket's client: no address to count
	}
	a = a.Unmap()
	var n int
	switch was, ok := m.counted[r.ConnID]; {
	case !ok:
		n = m.shared.add(a)
		m.counted[r.ConnID] = a
	case was == a: // the request came back (a rewrite, an error handler)
		n = m.shared.count(a)
	default:
		m.shared.remove(was)
		n = m.shared.add(a)
		m.counted[r.ConnID] = a
	}
	m.opts.Merge(&m.conf, r.Eval)
	if m.conf.maxConns == 0 || n <= m.conf.maxConns {
		return pipeline.GoOn
	}
	if !m.conf.silent {
		m.logger.Printf("%s turned away. Too many connections.", r.RemoteIP)
	}
	if m.conf.location != "" {
		r.Resp.SetHeader("Location", m.conf.location)
		r.Resp.Status = 302
	} else {
		r.Resp.Status = 403
	}
	return pipeline.Finished
}

// RequestReset stops counting the connection's request.
func (m *module) RequestReset(r *pipeline.Request) pipeline.Result {
	m.release(r)
	return pipeline.GoOn
}

// ConnectionClose stops counting a request the connection did not finish.
func (m *module) ConnectionClose(r *pipeline.Request) pipeline.Result {
	m.release(r)
	return pipeline.GoOn
}

func (m *module) release(r *pipeline.Request) {
	if a, ok := m.counted[r.ConnID]; ok {
		delete(m.counted, r.ConnID)
		m.shared.remove(a)
	}
}

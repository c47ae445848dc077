// Package extforward is mod_extforward: behind a reverse proxy or load
// balancer featherd trusts (extforward.forwarder), the client's address
// and scheme are taken from what the proxy says about its client instead
// of the proxy's own: an X-Forwarded-For list (with X-Forwarded-Proto),
// an RFC 7239 Forwarded header (for=, proto=, and host= and remote_user=
// when extforward.params asks), or any header listed in
// extforward.headers; or a HAProxy PROXY protocol header at the start of
// the connection (extforward.hap-PROXY).
//
// The address replaces r.RemoteIP (with r.RemotePort 0, as lighttpd
// does) and the scheme r.Scheme in the uri-raw phase, and the conditions
// on them are evaluated again, so $HTTP["remoteip"] and $HTTP["scheme"]
// blocks, the core's options chosen by them, the modules that come
// after, logs and gateways all see the client. When the request ends
// (request reset) the connection's own address and scheme are back for
// the next request. A PROXY protocol header, read before the first
// request, changes the connection's own address instead: it holds for
// every request on the connection, and the headers of those requests are
// believed only if the client it names is a trusted proxy too. A peer
// that is not trusted gets no say: its headers are ignored and cost
// nothing but a look-up.
package extforward

import (
	"log"
	"slices"
	"strings"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
)

func init() {
	pipeline.Register(pipeline.Module{Name: "mod_extforward", New: newModule})
}

// module is one event loop's mod_extforward.
type module struct {
	opts *config.Scoped[options]
	// defaults are the headers looked at when no conditional block sets
	// extforward.headers: the global setting, or lighttpd's
	// X-Forwarded-For and Forwarded-For when that is unset or empty and
	// the PROXY protocol is off; nil for none.
	defaults *headerList
	logger   *log.Logger
	// proxy is set when mod_proxy is loaded: lighttpd then leaves the
	// scheme and host the request came with in the environment
	// (_L_EXTFORWARD_ACTUAL_*) for it.
	proxy bool

	conf  options     // merged for the request at hand
	fwd   []fwdParam  // a Forwarded header's parameters
	hdr   proxyHeader // a PROXY protocol header
	lower []byte      // scratch for looking up a proxy by name
	// saved is what the connections whose request is being served for a
	// forwarded client had before; the entry is there from the change
	// until the request ends, and also marks the request as done with.
	saved map[uint64]client
	// conns are the connections whose PROXY protocol header left
	// something for their requests.
	conns map[uint64]*proxyConn
}

// client is who a request is served for, as conditions see it.
type client struct {
	ip     string
	port   uint16
	scheme string
}

// inert is the module when no block sets any of its options: lighttpd's
// does nothing then, and this one has no hooks to cost anything.
type inert struct{}

func newModule(s *pipeline.Setup) any {
	opts := moduleOptions.Of(s.Config)
	if opts == nil || !opts.Set() {
		return inert{}
	}
	base := opts.Base()
	defaults := base.headers
	if !base.hapPROXY && (defaults == nil || len(defaults.names) == 0) {
		defaults = defaultHeaders
	}
	if defaults != nil && len(defaults.names) == 0 {
		defaults = nil
	}
	return &module{
		opts:     opts,
		defaults: defaults,
		logger:   s.Logger,
		proxy:    slices.Contains(s.Config.Modules, "mod_proxy"),
		saved:    map[uint64]client{},
		conns:    map[uint64]*proxyConn{},
	}
}

// URIRaw takes the client's address from the first of the configured
// headers the request has, if the peer is a trusted proxy (lighttpd's
// mod_extforward_uri_handler).
func (m *module) URIRaw(r *pipeline.Request) pipeline.Result {
	m.opts.Merge(&m.conf, r.Eval)
	if len(m.conns) > 0 || m.conf.hapVerify {
		m.proxyEnv(r, m.conf.hapVerify && m.conf.forwarder != nil)
	}
	if m.conf.forwarder == nil {
		return pipeline.GoOn
	}
	headers := m.conf.headers
	if headers == m.opts.Base().headers {
		headers = m.defaults // no block set its own
	}
	if headers == nil {
		return pipeline.GoOn
	}
	if _, done := m.saved[r.ConnID]; done {
		// The request came back (a rewrite, an error handler): it is
		// served for the client found the first time.
		return pipeline.GoOn
	}
	value, forwarded := "", false
	for i, name := range headers.names {
		if value = r.Head.Header(name); value != "" {
			forwarded = headers.forwarded[i]
			break
		}
	}
	if value == "" || !m.peerTrusted(r) {
		return pipeline.GoOn
	}
	if forwarded {
		return m.forwarded(r, value)
	}
	if addr := lastUntrusted(value, m.conf.forwarder, &m.lower); addr != "" && m.setAddr(r, addr) {
		// lighttpd believes X-Forwarded-Proto only when it names one
		// scheme, whatever the number of proxies.
		if proto := r.Head.Header("X-Forwarded-Proto"); proto != "" {
			m.setProto(r, proto)
		}
	}
	return pipeline.GoOn
}

// RequestReset gives the connection back its own address and scheme.
func (m *module) RequestReset(r *pipeline.Request) pipeline.Result {
	m.restore(r)
	return pipeline.GoOn
}

// ConnectionClose forgets the connection.
func (m *module) ConnectionClose(r *pipeline.Request) pipeline.Result {
	m.restore(r)
	delete(m.conns, r.ConnID)
	return pipeline.GoOn
}

// peerTrusted reports whether the connection's peer may name the client:
// "all" decides for every peer when it is listed.
func (m *module) peerTrusted(r *pipeline.Request) bool {
	f := m.conf.forwarder
	if f.all != 0 {
		return f.all > 0
	}
	return f.trusted(r.RemoteIP, &m.lower)
}

// setAddr makes addr the client's address for the rest of the request, if
// it is an IP address (lighttpd's mod_extforward_set_addr). addr points
// into the request's head, which outlives the change.
func (m *module) setAddr(r *pipeline.Request, addr string) bool {
	if !isAddr(addr) {
		return false
	}
	m.save(r)
	r.RemoteIP, r.RemotePort = addr, 0
	r.Eval.ResetField(config.FieldRemoteIP)
	r.Options = r.Eval.Options()
	return true
}

// setProto makes the request's scheme what the proxy was asked with, if
// that is http or https (lighttpd's mod_extforward_set_proto).
func (m *module) setProto(r *pipeline.Request, proto string) {
	var scheme string
	switch {
	case proto == "" || strings.EqualFold(proto, r.Scheme):
		return
	case strings.EqualFold(proto, "https"):
		scheme = "https"
	case strings.EqualFold(proto, "http"):
		scheme = "http"
	default:
		return
	}
	m.save(r)
	if m.proxy {
		r.Env.Set("_L_EXTFORWARD_ACTUAL_PROTO", r.Scheme)
	}
	r.Scheme = scheme
	r.Eval.ResetField(config.FieldScheme)
	r.Options = r.Eval.Options()
}

func (m *module) save(r *pipeline.Request) {
	if _, ok := m.saved[r.ConnID]; !ok {
		m.saved[r.ConnID] = client{ip: r.RemoteIP, port: r.RemotePort, scheme: r.Scheme}
	}
}

func (m *module) restore(r *pipeline.Request) {
	c, ok := m.saved[r.ConnID]
	if !ok {
		return
	}
	delete(m.saved, r.ConnID)
	r.RemoteIP, r.RemotePort, r.Scheme = c.ip, c.port, c.scheme
	r.Eval.ResetField(config.FieldRemoteIP)
	r.Eval.ResetField(config.FieldScheme)
	r.Options = r.Eval.Options()
}

// badRequest answers 400 to a header from a trusted proxy that cannot be
// read without the risk of believing what its client wrote.
func (m *module) badRequest(r *pipeline.Request, why string) pipeline.Result {
	m.logger.Printf("%s (from %s)", why, r.RemoteIP)
	r.Resp.Status = 400
	return pipeline.Finished
}

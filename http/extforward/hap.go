package extforward

import (
	"slices"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
)

// proxyConn is what a connection's PROXY protocol header left for its
// requests besides the client's address.
type proxyConn struct {
	env      []string // for gateways, name and value in turn
	verified bool     // the client certificate was verified
}

// ConnectionAccept has a connection from a trusted peer start with a
// PROXY protocol header, when extforward.hap-PROXY is on for it
// (lighttpd's mod_extforward_handle_con_accept). Only the conditions on
// the listen socket and the peer's address decide this.
func (m *module) ConnectionAccept(r *pipeline.Request) pipeline.Result {
	m.opts.Merge(&m.conf, r.Eval)
	if m.conf.hapPROXY && m.conf.forwarder != nil && m.peerTrusted(r) {
		r.ExpectPreamble(m)
	}
	return pipeline.GoOn
}

// Preamble reads the PROXY protocol header; the client it names is the
// connection's client from then on, for every request on it. A
// connection that does not start with a valid header is closed, as
// lighttpd does.
func (m *module) Preamble(r *pipeline.Request, in []byte) (int, pipeline.Result) {
	h := &m.hdr
	n, err := parseProxy(in, h)
	if err != nil {
		m.logger.Printf("hap-PROXY proto received invalid/unsupported request from %s: %v", r.RemoteIP, err)
		return 0, pipeline.Error
	}
	if n == 0 {
		return 0, pipeline.WaitForEvent
	}
	switch {
	case h.keep:
	case h.unixPath != "":
		r.RemoteIP, r.RemotePort = h.unixPath, 0
	default:
		r.RemoteIP, r.RemotePort = h.src.Addr().Unmap().String(), h.src.Port()
	}
	if !h.keep {
		r.Eval.ResetField(config.FieldRemoteIP)
		r.Options = r.Eval.Options()
	}
	if len(h.env) > 0 || h.verified {
		m.conns[r.ConnID] = &proxyConn{env: slices.Clone(h.env), verified: h.verified}
	}
	return n, pipeline.GoOn
}

// proxyEnv gives a request what its connection's PROXY protocol header
// said for gateways (lighttpd's mod_extforward_handle_request_env) and,
// with extforward.hap-PROXY-ssl-client-verify, the verified client
// certificate's name as the authenticated user.
func (m *module) proxyEnv(r *pipeline.Request, verify bool) {
	pc := m.conns[r.ConnID]
	if pc != nil {
		for i := 0; i < len(pc.env); i += 2 {
			r.Env.Set(pc.env[i], pc.env[i+1])
		}
	}
	if !verify {
		return
	}
	if pc != nil && pc.verified {
		for i := 0; i < len(pc.env); i += 2 {
			if pc.env[i] == "SSL_CLIENT_S_DN_CN" {
				r.Env.Set("SSL_CLIENT_VERIFY", "SUCCESS")
				r.Env.Set("REMOTE_USER", pc.env[i+1])
				r.Env.Set("AUTH_TYPE", "SSL_CLIENT_VERIFY")
				return
			}
		}
	}
	r.Env.Set("SSL_CLIENT_VERIFY", "NONE")
}

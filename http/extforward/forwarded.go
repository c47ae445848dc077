package extforward

import (
	"strings"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
)

// fwdParam is one key=value of a Forwarded header (RFC 7239), or, with
// sep, the comma that ends one proxy's element. key and value are as
// written (a value may still be a quoted-string).
type fwdParam struct {
	key, value string
	sep        bool
}

// maxForwardedSlots bounds the parameters of one Forwarded header as
// lighttpd's table of 256 offsets does: four per parameter, one per
// comma. A header with more is refused rather than partly believed.
const maxForwardedSlots = 252

// parseForwarded splits a Forwarded header into its parameters, as
// lighttpd's mod_extforward_Forwarded does: a token without '=' or with
// an empty key is skipped; values are not checked here. It returns a
// reason (for a 400) when a quoted-string does not end, since a proxy's
// quoting cannot then be told from the client's, or when there are too
// many parameters.
func parseForwarded(s string, out []fwdParam) ([]fwdParam, string) {
	out = out[:0]
	slots := 0
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			break
		}
		switch s[i] {
		case ';':
			i++
			continue
		case ',':
			out = append(out, fwdParam{sep: true})
			if slots++; slots > maxForwardedSlots {
				return nil, "too many params in Forwarded header"
			}
			i++
			continue
		}
		k := i
		if i = scanParam(s, i, true); i < 0 {
			return nil, "invalid quoted-string in Forwarded header"
		}
		if i == len(s) || s[i] != '=' {
			continue
		}
		key := s[k:i]
		v := i + 1
		if i = scanParam(s, v, false); i < 0 {
			return nil, "invalid quoted-string in Forwarded header"
		}
		if key == "" {
			continue
		}
		out = append(out, fwdParam{key: key, value: s[v:i]})
		if slots += 4; slots > maxForwardedSlots {
			return nil, "too many params in Forwarded header"
		}
	}
	return out, ""
}

// scanParam returns the index of the ';', ',' (or, with eq, '=') that
// ends the token starting at i, or len(s); quoted-strings are skipped
// whole, with their backslash escapes. It returns -1 when a
// quoted-string does not end.
func scanParam(s string, i int, eq bool) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case ';', ',':
			return i
		case '=':
			if eq {
				return i
			}
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i >= len(s) {
				return -1
			}
		}
	}
	return i
}

// forValue is the node a for= names (RFC 7239 §6), as lighttpd reads it:
// trailing blanks dropped and, in a quoted-string, the brackets of an IPv6
// address and the port removed. Obfuscated nodes ("_hidden"), "unknown"
// and unix socket paths come back as they are. Backslash escapes are not
// undone. bad is set for brackets with no address in them.
func forValue(v string) (node string, bad bool) {
	v = trimBlanks(v)
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v, false
	}
	v = v[1 : len(v)-1]
	switch {
	case v == "":
	case v[0] == '[':
		end := strings.LastIndexByte(v, ']')
		if end <= 1 {
			return "", true
		}
		v = v[1:end]
	case v[0] != '_' && v[0] != '/' && v[0] != 'u':
		if i := strings.IndexByte(v, ':'); i >= 0 {
			v = v[:i]
		}
	}
	return v, false
}

// plainValue is a parameter's value with trailing blanks and the quotes
// of a quoted-string removed (escapes are left).
func plainValue(v string) (s string, quoted bool) {
	v = trimBlanks(v)
	if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1], true
	}
	return v, false
}

// unescape undoes a quoted-string's backslash escapes; false when it ends
// in a lone backslash.
func unescape(s string) (string, bool) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			if i++; i == len(s) {
				return "", false
			}
		}
		b = append(b, s[i])
	}
	return string(b), true
}

func trimBlanks(s string) string {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func isFor(p *fwdParam) bool { return !p.sep && len(p.key) == 3 && strings.EqualFold(p.key, "for") }

// forwarded applies a Forwarded header from a trusted peer (lighttpd's
// mod_extforward_Forwarded). Walking the proxies' elements from the
// last, each element's last for= is a proxy or, at the first that is not
// trusted, the client; the client's address is the last of those
// nodes that is an address, not an obfuscated name or "unknown". The
// proto= (and, when extforward.params asks, host= and remote_user=) of the
// same element go with it. A header that cannot be read safely is 400.
//
// lighttpd skips the first element when it holds for= alone (a single
// "Forwarded: for=192.0.2.1" changes nothing there, and behind two proxies
// the trusted one's address is taken for the client's); featherd reads
// every element.
func (m *module) forwarded(r *pipeline.Request, header string) pipeline.Result {
	ps, bad := parseForwarded(header, m.fwd)
	if bad != "" {
		return m.badRequest(r, bad)
	}
	m.fwd = ps
	f := m.conf.forwarder
	client, node := -1, ""
	for end := len(ps); end > 0; {
		start := end
		for start > 0 && !ps[start-1].sep {
			start--
		}
		last := -1
		for i := start; i < end; i++ {
			if isFor(&ps[i]) {
				last = i
			}
		}
		end = start - 1
		if last < 0 {
			continue
		}
		v, bad := forValue(ps[last].value)
		if bad {
			return m.badRequest(r, "invalid IPv6 addr in Forwarded header")
		}
		if v == "" {
			continue
		}
		if v[0] != '_' && v[0] != '/' && v != "unknown" {
			client, node = last, v
		}
		if !f.trusted(v, &m.lower) {
			break
		}
	}
	if client < 0 || !m.setAddr(r, node) {
		return pipeline.GoOn
	}

	// The parameters of the client's element, and where the elements of
	// the proxies after it start.
	start, end := client, client
	for start > 0 && !ps[start-1].sep {
		start--
	}
	for end < len(ps) && !ps[end].sep {
		end++
	}
	proto, host, user := -1, -1, -1
	for i := start; i < end; i++ {
		switch k := ps[i].key; {
		case strings.EqualFold(k, "proto"):
			proto = i
		case strings.EqualFold(k, "host"):
			host = i
		case strings.EqualFold(k, "remote_user"):
			user = i
		}
	}
	if proto >= 0 {
		v, _ := plainValue(ps[proto].value)
		m.setProto(r, v)
	}
	if m.conf.params&paramHost != 0 {
		// The host the first trusted proxy was asked for, if the
		// client's element does not say.
		for i := end; i < len(ps) && host < 0; i++ {
			if !ps[i].sep && strings.EqualFold(ps[i].key, "host") {
				host = i
			}
		}
		if host >= 0 && !m.setHost(r, ps[host].value) {
			return m.badRequest(r, "invalid host= value in Forwarded header")
		}
	}
	if m.conf.params&paramRemoteUser != 0 {
		// The user the proxy closest to featherd authenticated.
		for i := end; i < len(ps); i++ {
			if !ps[i].sep && strings.EqualFold(ps[i].key, "remote_user") {
				user = i
			}
		}
		if user >= 0 {
			v, quoted := plainValue(ps[user].value)
			if quoted {
				var ok bool
				if v, ok = unescape(v); !ok {
					return m.badRequest(r, "invalid remote_user= value in Forwarded header")
				}
			}
			r.Env.Set("REMOTE_USER", v)
		}
	}
	return pipeline.GoOn
}

// setHost makes the forwarded host the request's, as a Host header would
// be checked; false when it is not a valid host.
func (m *module) setHost(r *pipeline.Request, v string) bool {
	v, quoted := plainValue(v)
	if quoted {
		var ok bool
		if v, ok = unescape(v); !ok {
			return false
		}
	}
	before := r.Head.Host
	if !r.Head.SetHost(v, &r.Server.HTTPParseOpts) {
		return false
	}
	if m.proxy && before != "" {
		r.Env.Set("_L_EXTFORWARD_ACTUAL_HOST", before)
	}
	r.Eval.ResetField(config.FieldHost)
	r.Options = r.Eval.Options()
	return true
}

package http

import (
	"net/netip"

	"github.com/featherd/featherd/config"
)

// schemePort is the default port of the only scheme featherd serves;
// host-normalize drops an explicit ":80".
const schemePort = 80

// hostPolicy checks and rewrites r.Host with server.http-parseopts
// host-strict and host-normalize, and stores the result as the Host header.
// A Host line that an absolute-form target overrides must pass the same
// checks (RFC 9112 §3.2: an invalid Host is 400), though it is not used.
func (r *Request) hostPolicy(o *config.ParseOpts) bool {
	if r.overriddenHost != "" {
		start := len(r.extra)
		_, ok := r.checkHost(r.overriddenHost, o)
		r.extra = r.extra[:start]
		if !ok {
			return false
		}
	}
	host, ok := r.checkHost(r.Host, o)
	if !ok {
		return false
	}
	r.Host = host
	r.fields[r.fieldByID(hdrHost)].value = host
	return true
}

// checkHost applies host-strict and host-normalize to host and returns the
// result, which may be built in r.extra.
func (r *Request) checkHost(host string, o *config.ParseOpts) (string, bool) {
	if o.HostStrict {
		start := len(r.extra)
		var ok bool
		if r.extra, ok = appendStrictHost(r.extra, host); !ok {
			return "", false
		}
		host = bstr(r.extra[start:])
	} else {
		for i := 0; i < len(host); i++ {
			if c := host[i]; c == 0 || c == '\r' || c == '\n' {
				return "", false
			}
		}
	}
	if o.HostNormalize {
		start := len(r.extra)
		var ok bool
		if r.extra, ok = appendNormalHost(r.extra, host); !ok {
			return "", false
		}
		host = bstr(r.extra[start:])
	}
	return host, true
}

// appendStrictHost checks h with lighttpd's host-strict rules and appends
// it to dst without the trailing dot of a name and without an empty port:
//
//	host = hostname / IPv4address / "[" IPv6 characters "]", then [":" digits]
//
// where a hostname is dot-separated labels of letters, digits and '-' (not
// first in the name, not first in a label), and a last label of digits only
// is allowed only as the fourth part of a dotted-quad IPv4 address.
func appendStrictHost(dst []byte, h string) ([]byte, bool) {
	if len(h) == 0 {
		return dst, false
	}
	var port string
	if h[0] != '[' {
		name := h
		if i := indexByteString(h, ':'); i >= 0 {
			name, port = h[:i], h[i:]
		}
		if len(name) > 0 && name[len(name)-1] == '.' {
			name = name[:len(name)-1]
		}
		if !validHostname(name) {
			return dst, false
		}
		dst = append(dst, name...)
	} else {
		i, colons := 1, 0
		for ; i < len(h); i++ {
			c := h[i]
			if isHex(c) || c == '.' {
				continue
			}
			if c == ':' {
				if colons++; colons < 8 {
					continue
				}
			}
			break
		}
		if i == 1 || i >= len(h) || h[i] != ']' {
			return dst, false
		}
		dst = append(dst, h[:i+1]...)
		port = h[i+1:]
	}
	if port == "" {
		return dst, true
	}
	if port[0] != ':' {
		return dst, false
	}
	for i := 1; i < len(port); i++ {
		if !isDigit(port[i]) {
			return dst, false
		}
	}
	if len(port) > 1 {
		dst = append(dst, port...)
	}
	return dst, true
}

// validHostname applies lighttpd's label rules (request_check_hostname).
func validHostname(name string) bool {
	if len(name) == 0 {
		return false
	}
	labelLen, level := 0, 0
	numeric, allNumeric := true, true
	for i := 0; i < len(name); i++ {
		c := name[i]
		labelLen++
		switch {
		case isDigit(c):
		case isAlpha(c) || (c == '-' && i != 0):
			numeric = false
		case c == '.' && labelLen != 1 && (i+1 == len(name) || name[i+1] != '-'):
			allNumeric = allNumeric && numeric
			numeric = true
			labelLen = 0
			level++
		default:
			return false
		}
	}
	if labelLen == 0 {
		return false
	}
	if numeric && (level != 3 || !allNumeric) {
		return false // a numeric last label is only allowed in a.b.c.d
	}
	return true
}

// appendNormalHost canonicalises h as lighttpd's host-normalize does and
// appends it to dst: an IPv6 literal in RFC 5952 form, a port that is
// valid (strtol syntax: decimal, 0octal or 0xhex) kept in decimal unless
// it is 80, an empty port removed. IPv4 literals are left as they are (the
// only ones accepted are already canonical).
func appendNormalHost(dst []byte, h string) ([]byte, bool) {
	port := 0
	if len(h) == 0 || h[0] != '[' {
		if i := indexByteString(h, ':'); i >= 0 {
			if i == 0 {
				return dst, false // port without host, or a bare IPv6 address
			}
			if i+1 < len(h) {
				var ok bool
				if port, ok = parsePort(h[i+1:]); !ok {
					return dst, false
				}
			}
			h = h[:i]
		}
		dst = append(dst, h...)
	} else {
		if len(h) <= 2 {
			return dst, false
		}
		end := len(h) - 1
		if h[end] != ']' {
			end = indexByteString(h, ']')
			if end < 0 || end+1 >= len(h) || h[end+1] != ':' || end == 1 {
				return dst, false
			}
			if end+2 < len(h) {
				var ok bool
				if port, ok = parsePort(h[end+2:]); !ok {
					return dst, false
				}
			}
		}
		addr, zone := h[1:end], ""
		if i := indexByteString(h[1:], '%'); i >= 0 {
			if 1+i > end {
				return dst, false
			}
			addr, zone = h[1:1+i], h[1+i:end]
		}
		ip, err := netip.ParseAddr(addr)
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return dst, false
		}
		dst = append(dst, '[')
		dst = appendIPv6(dst, ip)
		dst = append(dst, zone...)
		dst = append(dst, ']')
	}
	if port != 0 && port != schemePort {
		dst = append(dst, ':')
		dst = appendUint(dst, uint64(port))
	}
	return dst, true
}

// appendIPv6 formats ip as glibc's inet_ntop does: RFC 5952, except that an
// IPv4-compatible address (::a.b.c.d) keeps its dotted tail.
func appendIPv6(dst []byte, ip netip.Addr) []byte {
	a := ip.As16()
	compat := a[12]|a[13] != 0
	for i := 0; i < 12; i++ {
		if a[i] != 0 {
			compat = false
			break
		}
	}
	if compat {
		dst = append(dst, "::"...)
		return netip.AddrFrom4([4]byte{a[12], a[13], a[14], a[15]}).AppendTo(dst)
	}
	return ip.AppendTo(dst)
}

// parsePort reads a port the way strtol(s, &e, 0) would, requiring the
// whole string and a value in 1..65535.
func parsePort(s string) (int, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i]-'\t' < 5) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := 10
	if i+1 < len(s) && s[i] == '0' && (s[i+1]|0x20) == 'x' && i+2 < len(s) && isHex(s[i+2]) {
		base, i = 16, i+2
	} else if i < len(s) && s[i] == '0' {
		base = 8
	}
	if i == len(s) {
		return 0, false
	}
	n := 0
	for ; i < len(s); i++ {
		d := hexValue(s[i])
		if d < 0 || d >= base {
			return 0, false
		}
		if n = n*base + d; n > 65535 {
			return 0, false
		}
	}
	if neg || n == 0 {
		return 0, false
	}
	return n, true
}

func isAlpha(c byte) bool { return (c|0x20)-'a' < 26 }

func isHex(c byte) bool { return hexValue(c) >= 0 }

// hexValue returns the value of a hex digit, -1 for any other byte.
func hexValue(c byte) int {
	switch {
	case c-'0' < 10:
		return int(c - '0')
	case (c|0x20)-'a' < 6:
		return int((c|0x20)-'a') + 10
	}
	return -1
}

// appendUint appends n in decimal.
func appendUint(dst []byte, n uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// SetHost replaces Host after the head was parsed, as mod_extforward does
// with the host a trusted proxy forwarded (Forwarded: host=): h is
// lower-cased and checked with host-strict and host-normalize as a Host
// header is, and becomes the Host header too (added when the request had
// none). It reports false, leaving Host as it was, when h is not a valid
// host. h is copied; it may point anywhere.
func (r *Request) SetHost(h string, o *config.ParseOpts) bool {
	if len(h) >= maxHostLen {
		return false
	}
	start := len(r.extra)
	for i := 0; i < len(h); i++ {
		r.extra = append(r.extra, lower(h[i]))
	}
	host, ok := r.checkHost(bstr(r.extra[start:]), o)
	if !ok {
		r.extra = r.extra[:start]
		return false
	}
	r.Host = host
	if i := r.fieldByID(hdrHost); i >= 0 {
		r.fields[i].value = host
	} else {
		r.addField(hdrHost, "Host", host, hostName)
	}
	return true
}

package extforward

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/featherd/featherd/config"
)

// forwarder is extforward.forwarder: which proxies are trusted to say who
// their client is. It is immutable once built and shared by every loop.
type forwarder struct {
	// all is the "all" entry: 1 ("trust") trusts every peer that
	// connects, -1 (any other value) none, whatever else is listed; 0
	// when absent. It is not used for the proxies named in the headers.
	all int8
	// exact are the entries by their key as written, lower-cased (lighttpd
	// looks keys up without regard to case): true for "trust". A network
	// is in exact too, untrusted, as lighttpd keeps it.
	exact map[string]bool
	// nets are the trusted networks ("10.0.0.0/8" => "trust").
	nets []netip.Prefix
}

// newForwarder builds a forwarder from the entries of
// extforward.forwarder. warn, if not nil, says what lighttpd logs and goes
// on with (a value other than "trust" or "untrusted", and untrusted
// networks, which are ignored), at the first entry concerned. A network
// that does not parse is an error at its entry, as it stops lighttpd from
// starting.
func newForwarder(list []config.Element) (f *forwarder, warn error, err error) {
	f = &forwarder{exact: make(map[string]bool, len(list))}
	var warns []string
	var first config.Element
	for _, e := range list {
		if len(warns) == 0 {
			first = e
		}
		key, value := e.Key, e.Value.Str
		trust := strings.EqualFold(value, "trust")
		if !trust && !strings.EqualFold(value, "untrusted") {
			warns = append(warns, fmt.Sprintf(`expected "trust", not %q => %q; treating it as untrusted`, key, value))
		}
		if strings.EqualFold(key, "all") {
			f.all = -1
			if trust {
				f.all = 1
			}
		}
		slash := strings.IndexByte(key, '/')
		if slash <= 0 { // an address, or a unix socket's path
			f.exact[strings.ToLower(key)] = trust
			continue
		}
		f.exact[strings.ToLower(key)] = false // a network never matches as a string
		if !trust {
			warns = append(warns, fmt.Sprintf("untrusted networks are ignored (%q => %q)", key, value))
			continue
		}
		p, err := parseNetwork(key[:slash], key[slash+1:])
		if err != nil {
			return nil, nil, config.At(e, fmt.Errorf("%q: %v", key, err))
		}
		f.nets = append(f.nets, p)
	}
	if len(warns) > 0 {
		warn = config.At(first, config.Warn("%s", strings.Join(warns, "; ")))
	}
	return f, warn, nil
}

// parseNetwork reads an address (IPv6 may be in brackets) and a prefix
// length of at least 1; a length beyond the address's is taken as the
// whole address, as lighttpd does.
func parseNetwork(addr, bits string) (netip.Prefix, error) {
	n, err := strconv.Atoi(bits)
	if err != nil || n <= 0 || bits[0] < '0' || bits[0] > '9' {
		return netip.Prefix{}, fmt.Errorf("invalid netmask %q (expected a prefix length of 1 or more)", bits)
	}
	if len(addr) > 2 && addr[0] == '[' && addr[len(addr)-1] == ']' {
		addr = addr[1 : len(addr)-1]
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("invalid network address %q", addr)
	}
	return netip.PrefixFrom(a, min(n, a.BitLen())).Masked(), nil
}

// trusted reports whether the proxy named ip is trusted (lighttpd's
// is_proxy_trusted): its entry if it has one, written the same way but
// for case, else whether it parses as an address in a trusted network.
// "all" plays no part. scratch is space for lower-casing, kept for reuse.
func (f *forwarder) trusted(ip string, scratch *[]byte) bool {
	var t, ok bool
	if hasUpper(ip) {
		*scratch = appendLower((*scratch)[:0], ip)
		t, ok = f.exact[string(*scratch)]
	} else {
		t, ok = f.exact[ip]
	}
	if ok {
		return t
	}
	if len(f.nets) == 0 || len(ip) == 0 || len(ip) >= 64 {
		return false
	}
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Zone() != "" {
		return false
	}
	for _, p := range f.nets {
		if inNetwork(p, a) {
			return true
		}
	}
	return false
}

// inNetwork reports whether a is in p, where an IPv4 address and its
// IPv4-mapped IPv6 form are the same address.
func inNetwork(p netip.Prefix, a netip.Addr) bool {
	if p.Addr().Is4() {
		return p.Contains(a.Unmap())
	}
	if a.Is4() && p.Addr().Is4In6() {
		a = netip.AddrFrom16(a.As16())
	}
	return p.Contains(a)
}

func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// isAddr reports whether s is an IPv4 or IPv6 address written plainly:
// no zone, no port, no brackets, and none of the legacy IPv4 forms
// ("10.1", "010.0.0.1") the C library would also take.
func isAddr(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}

package evhost

import (
	"fmt"
	"strings"
)

// A pattern is evhost.path-pattern compiled: literal text and the host's
// parts, in order. For sub2.sub1.domain.tld:
//
//	%%      a '%'
//	%0      domain.tld, the last two labels
//	%1      tld
//	%2      domain
//	%3      sub1
//	%4      sub2, and so on to %9
//	%_      the whole host, without its port
//	%{n}    the same as %n
//	%{n.m}  the m-th character of %n (nothing past its end); %{n.0} is %n
//
// A part the host does not have is empty. n and m are single digits.
type pattern []piece

type piece struct {
	kind byte   // one of the kinds below
	lit  string // kindLiteral
	n, m int    // kindPart: %n; kindChar: %{n.m}
}

const (
	kindLiteral = iota
	kindPercent
	kindHost
	kindPart
	kindChar
)

// parsePattern compiles a path pattern as lighttpd's
// mod_evhost_parse_pattern does, refusing a '%' that is not followed by
// one of the sequences above.
func parsePattern(s string) (pattern, error) {
	var p pattern
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		var pc piece
		n := 2
		switch c := at(s, i+1); {
		case c == '%':
			pc.kind = kindPercent
		case c == '_':
			pc.kind = kindHost
		case isDigit(c):
			pc.kind, pc.n = kindPart, int(c-'0')
		case c == '{' && isDigit(at(s, i+2)) && at(s, i+3) == '}':
			pc.kind, pc.n, n = kindPart, int(s[i+2]-'0'), 4
		case c == '{' && isDigit(at(s, i+2)) && at(s, i+3) == '.' && isDigit(at(s, i+4)) && at(s, i+5) == '}':
			pc.kind, pc.n, pc.m, n = kindChar, int(s[i+2]-'0'), int(s[i+4]-'0'), 6
		default:
			return nil, fmt.Errorf(`invalid pattern %q: %q is not one of %%%%, %%_, %%0 ... %%9, %%{n} or %%{n.m} (n and m digits)`,
				s, badSequence(s[i:]))
		}
		if i > start {
			p = append(p, piece{kind: kindLiteral, lit: s[start:i]})
		}
		p = append(p, pc)
		start = i + n
		i += n - 1
	}
	if start < len(s) {
		p = append(p, piece{kind: kindLiteral, lit: s[start:]})
	}
	return p, nil
}

// badSequence returns the start of t, a '%' sequence parsePattern
// refused, for its error message: up to the '}' of a "%{", or two bytes.
func badSequence(t string) string {
	if at(t, 1) != '{' {
		return t[:min(2, len(t))]
	}
	if j := strings.IndexByte(t, '}'); j >= 0 && j < 12 {
		return t[:j+1]
	}
	return t[:min(6, len(t))]
}

// hostParts are the parts %0 ... %9 of one host; a part it does not have
// is empty.
type hostParts [10]string

// split finds the parts of host (an authority, maybe with a port) as
// lighttpd's mod_evhost_parse_host does: %0 is the last two labels, %1,
// %2 … the labels from the right, empty labels skipped. An IPv6 literal
// has only %0, itself without the port. The parts are substrings of host.
func (h *hostParts) split(host string) {
	*h = hostParts{}
	n := len(host)
	if n == 0 {
		return
	}
	if host[0] == '[' {
		end := n
		if host[n-1] != ']' {
			i := n - 1
			for i > 0 && host[i-1] != ']' {
				i--
			}
			if host[i] != ':' {
				return
			}
			end = i
		}
		h[0] = host[:end]
		return
	}

	// %0: back from the end to the second dot before the port, where
	// a ':' starts the count again.
	colon, first := n, true
	i := n
scan:
	for ; i > 0; i-- {
		switch at(host, i) {
		case '.':
			if !first {
				break scan
			}
			first = false
		case ':':
			colon, first = i, true
		}
	}
	if host[i] == '.' {
		i++
	}
	h[0] = host[i:colon]

	// %1, %2 …: the labels before the port, from the right.
	if colon == 0 {
		return
	}
	k := 1
	i = colon - 1
	for ; i > 0; i-- {
		if host[i] != '.' {
			continue
		}
		if i != colon-1 {
			h.set(k, host[i+1:colon])
			k++
		}
		colon = i
	}
	if colon != i {
		h.set(k, host[i:colon])
	}
}

// set keeps part k if a pattern can name it (%0 … %9).
func (h *hostParts) set(k int, v string) {
	if k < len(h) {
		h[k] = v
	}
}

// appendTo appends the path p makes for host (split into parts) to dst,
// with a trailing '/' (lighttpd's mod_evhost_build_doc_root_path).
func (p pattern) appendTo(dst []byte, host string, parts *hostParts) []byte {
	for _, pc := range p {
		switch pc.kind {
		case kindLiteral:
			dst = append(dst, pc.lit...)
		case kindPercent:
			dst = append(dst, '%')
		case kindHost:
			if i := strings.IndexByte(host, ':'); i >= 0 {
				dst = append(dst, host[:i]...)
			} else {
				dst = append(dst, host...)
			}
		case kindPart:
			dst = append(dst, parts[pc.n]...)
		case kindChar:
			if v := parts[pc.n]; pc.m == 0 {
				dst = append(dst, v...)
			} else if pc.m <= len(v) {
				dst = append(dst, v[pc.m-1])
			}
		}
	}
	if len(dst) > 0 && dst[len(dst)-1] != '/' {
		dst = append(dst, '/')
	}
	return dst
}

// at returns s[i], or 0 past its end (as C's string terminator).
func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isDigit(c byte) bool { return c-'0' < 10 }

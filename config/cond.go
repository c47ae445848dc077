package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Field is what a condition compares: a property of the listen socket or
// connection, or a part of the request.
type Field uint8

const (
	FieldSocket   Field = iota // $SERVER["socket"]: the listen socket's token
	FieldRemoteIP              // $HTTP["remoteip"]: the client address
	FieldScheme                // $HTTP["scheme"]: "http" or "https"
	FieldHost                  // $HTTP["host"]: lower-cased authority
	FieldURL                   // $HTTP["url"]: decoded, simplified path without query
	FieldQuery                 // $HTTP["querystring"]
	FieldMethod                // $HTTP["request-method"]
	FieldHeader                // $REQUEST_HEADER["Name"], and useragent, referer, cookie, language
	numFields
)

var fieldNames = [numFields]string{"socket", "remoteip", "scheme", "host", "url", "querystring", "request-method", "header"}

func (f Field) String() string { return fieldNames[f] }

// AtConnection reports whether the field is known as soon as a connection
// is accepted; the others are known once the request headers are parsed.
func (f Field) AtConnection() bool { return f == FieldSocket || f == FieldRemoteIP }

// Op is a condition's operator.
type Op uint8

const (
	OpEq      Op = iota + 1 // ==
	OpNe                    // !=
	OpMatch                 // =~  (regular expression)
	OpNoMatch               // !~
	OpPrefix                // =^
	OpSuffix                // =$
	OpElse                  // the bare "else { }" of a chain
)

var opNames = [...]string{OpEq: "==", OpNe: "!=", OpMatch: "=~", OpNoMatch: "!~", OpPrefix: "=^", OpSuffix: "=$", OpElse: "else"}

func (o Op) String() string { return opNames[o] }

// negate gives the operator lighttpd uses to name the else branch of a
// condition with this operator.
func (o Op) negate() string {
	switch o {
	case OpEq:
		return "!="
	case OpNe:
		return "=="
	case OpMatch:
		return "!~"
	case OpNoMatch:
		return "=~"
	case OpPrefix:
		return "!^"
	case OpSuffix:
		return "!$"
	}
	return "?"
}

// Cond is the condition of a block, as written and as evaluated.
type Cond struct {
	Object  string // "HTTP", "SERVER" or "REQUEST_HEADER", as written
	Tag     string // "host", "socket", a header name, …, as written
	Op      Op     // as written
	Pattern string // the right-hand side, as written

	Field  Field
	Header string // the request header a FieldHeader condition reads

	// How it is evaluated: lighttpd turns simple anchored regexes into
	// plain comparisons ("^/lit$" is ==), keeping the regex for captures.
	op     Op
	str    string
	re     *regexp.Regexp
	prefix netip.Prefix // remoteip == / != with an address or CIDR
}

// headerFields are the $HTTP[...] names that read a request header.
var headerFields = map[string]string{
	"useragent":  "User-Agent",
	"user-agent": "User-Agent",
	"referer":    "Referer",
	"cookie":     "Cookie",
	"language":   "Accept-Language",
}

var httpFields = map[string]Field{
	"host":           FieldHost,
	"url":            FieldURL,
	"remoteip":       FieldRemoteIP,
	"remote-ip":      FieldRemoteIP,
	"querystring":    FieldQuery,
	"query-string":   FieldQuery,
	"request-method": FieldMethod,
	"scheme":         FieldScheme,
}

// newCond checks and compiles a condition. pos is where the condition
// starts, for error messages.
func newCond(object, tag string, op Op, pattern string) (*Cond, error) {
	c := &Cond{Object: object, Tag: tag, Op: op, Pattern: pattern, op: op, str: pattern}
	switch object {
	case "HTTP":
		if f, ok := httpFields[tag]; ok {
			c.Field = f
		} else if h, ok := headerFields[tag]; ok {
			c.Field, c.Header = FieldHeader, h
		} else {
			return nil, fmt.Errorf("unknown condition $HTTP[%q]", tag)
		}
	case "SERVER":
		if tag != "socket" {
			return nil, fmt.Errorf("unknown condition $SERVER[%q] (only \"socket\" exists)", tag)
		}
		c.Field = FieldSocket
	case "REQUEST_HEADER":
		if !validHeaderName(tag) {
			return nil, fmt.Errorf("invalid header name in $REQUEST_HEADER[%q]", tag)
		}
		c.Field, c.Header = FieldHeader, tag
	default:
		return nil, fmt.Errorf("unknown condition $%s (expected $HTTP, $SERVER or $REQUEST_HEADER)", object)
	}

	if op == OpMatch || op == OpNoMatch {
		re, err := compileRegex(pattern)
		if err != nil {
			return nil, err
		}
		c.re = re
		if op == OpMatch && c.Field != FieldSocket {
			c.op, c.str = simplifyRegex(pattern)
		}
	}

	switch c.Field {
	case FieldHost:
		if c.op != OpMatch && c.op != OpNoMatch {
			c.str = strings.ToLower(c.str)
		}
	case FieldRemoteIP:
		if (c.op == OpEq || c.op == OpNe) && !strings.HasPrefix(c.str, "/") {
			p, err := parseRemoteIP(c.str)
			if err != nil {
				return nil, err
			}
			c.prefix = p
		}
	case FieldSocket:
		if c.op != OpEq && c.op != OpNe {
			return nil, fmt.Errorf("$SERVER[\"socket\"] takes only == or !=")
		}
		// The token is normalised once server.port is known (see sockets.go).
	}
	return c, nil
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return true
}

// isTokenByte reports whether c may appear in an HTTP token (RFC 9110 §5.6.2).
func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// compileRegex compiles a condition's regular expression with Go's RE2
// engine. lighttpd uses PCRE; RE2 matches in time linear in the input, so
// a pattern can never be made to backtrack for seconds on a hostile URL or
// User-Agent, at the price of PCRE's back-references and look-around. A
// pattern using those is reported here, at load time, never at request
// time.
func compileRegex(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		msg := err.Error()
		if pcreOnly(pattern) {
			msg += " (featherd uses RE2 regular expressions: look-around, back-references, possessive and atomic groups are not available)"
		}
		return nil, fmt.Errorf("invalid regex %q: %s", pattern, msg)
	}
	if n := re.NumSubexp(); n > 9 {
		return nil, fmt.Errorf("too many captures (%d) in regex %q, use (?:...) instead of (...)", n, pattern)
	}
	return re, nil
}

// pcreOnly guesses whether a pattern RE2 rejected uses a PCRE-only feature.
func pcreOnly(p string) bool {
	for _, s := range []string{"(?=", "(?!", "(?<=", "(?<!", "(?>", "*+", "++", "?+", `\1`, `\2`, `\k<`} {
		if strings.Contains(p, s) {
			return true
		}
	}
	return false
}

// simplifyRegex mirrors lighttpd's configparser_simplify_regex: an anchored
// regex without metacharacters is a plain comparison. "^lit$" is ==,
// "^lit" is =^, "lit$" and "\.ext$" are =$.
func simplifyRegex(p string) (Op, string) {
	if p == "" {
		return OpMatch, p
	}
	op := OpMatch
	body := p
	switch {
	case strings.HasSuffix(p, "$") && strings.HasPrefix(p, "^"):
		op, body = OpEq, p[1:len(p)-1]
	case strings.HasSuffix(p, "$") && strings.HasPrefix(p, `\.`):
		op, body = OpSuffix, "."+p[2:len(p)-1]
	case strings.HasSuffix(p, "$"):
		op, body = OpSuffix, p[:len(p)-1]
	case strings.HasPrefix(p, "^"):
		op, body = OpPrefix, p[1:]
	default:
		return OpMatch, p
	}
	check := body
	if op == OpSuffix && strings.HasPrefix(p, `\.`) {
		check = body[1:]
	}
	if strings.ContainsAny(check, `\^$.|?*+()[]{}`) {
		return OpMatch, p
	}
	return op, body
}

// parseRemoteIP reads "addr" or "addr/bits" for $HTTP["remoteip"] == / !=.
func parseRemoteIP(s string) (netip.Prefix, error) {
	addrPart, bitsPart, hasBits := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(strings.Trim(addrPart, "[]"))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid IP addr: %s", s)
	}
	bits := addr.BitLen()
	if hasBits {
		n, err := strconv.Atoi(bitsPart)
		if err != nil || n < 0 || n > addr.BitLen() {
			return netip.Prefix{}, fmt.Errorf("invalid IP addr: %s (bad prefix length)", s)
		}
		bits = n
	}
	if addr.Is4In6() {
		// Clients are compared unmapped, so ::ffff:10.0.0.0/104 means 10.0.0.0/8.
		if bits < 96 {
			return netip.Prefix{}, fmt.Errorf("invalid IP addr: %s (prefix shorter than the IPv4-mapped range)", s)
		}
		addr, bits = addr.Unmap(), bits-96
	}
	return addr.Prefix(bits)
}

// String writes the condition as it appears in lighttpd.conf.
func (c *Cond) String() string {
	if c.Op == OpElse {
		return "else"
	}
	return "$" + c.Object + "[" + quote(c.Tag) + "] " + c.Op.String() + " " + quote(c.Pattern)
}

// identity is the part of lighttpd's block key this condition contributes;
// two blocks whose conditions read the same after simplification are one.
func (c *Cond) identity() string {
	return "$" + c.Object + "[" + quote(c.Tag) + "] " + c.op.String() + " " + quote(c.str)
}

package keyvalue

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// A substitution ("/index.php?page=$1${qsa}") is parsed when the
// configuration loads into pieces, so that a request only appends them
// and a mistake is reported by featherd -t. The syntax is lighttpd's
// (keyvalue.c, pcre_keyvalue_buffer_subst):
//
//	$0 … $9        a capture of the rule's regex, as it is
//	%0 … %9        a capture of the enclosing condition's regex
//	$$  %%         a '$', a '%'; any other "$x" or "%x" stays as written
//	${N} %{N}      capture N (up to two digits) escaped as escpsnde
//	${url.scheme} ${url.authority} ${url.authority.noport} ${url.port}
//	${url.path} ${url.query}        parts of the request's URL, as they are
//	${qsa}         '?' or '&' and the query string, when the request has one
//
// and modifiers before the item in braces, each ending in ':' —
// esc: (or escape:), escnde:, escpsnde:, noesc: (or noescape:),
// tolower:, toupper:, encb64u:, decb64u: — as in ${esc:$1},
// %{tolower:1}, ${escape:url.path}. Inside braces a capture may be
// written with its sigil or without (${esc:$1} or ${esc:1}); it must be
// the sigil of the braces.

// pieceKind is what a piece of a substitution appends.
type pieceKind uint8

const (
	pieceLiteral pieceKind = iota
	pieceMatch             // a capture of the rule's regex
	pieceCond              // a capture of the enclosing condition's regex
	pieceScheme
	pieceAuthority
	pieceAuthorityNoPort
	piecePort
	piecePath
	pieceQuery
	pieceQSA
)

// urlItems are the items in braces that name a part of the URL.
var urlItems = map[string]pieceKind{
	"url.scheme":           pieceScheme,
	"url.authority":        pieceAuthority,
	"url.authority.noport": pieceAuthorityNoPort,
	"url.port":             piecePort,
	"url.path":             piecePath,
	"url.query":            pieceQuery,
	"qsa":                  pieceQSA,
}

// modifiers are the encodings a "name:" before an item in braces adds.
var modifiers = map[string]encoding{
	"esc":      encAll,
	"escape":   encAll,
	"escnde":   encNDE,
	"escpsnde": encPSNDE,
	"noesc":    encNone,
	"noescape": encNone,
	"tolower":  encToLower,
	"toupper":  encToUpper,
	"encb64u":  encB64U,
	"decb64u":  decB64U,
}

type piece struct {
	kind pieceKind
	n    int      // the capture's number
	enc  encoding // how a value is written
	lit  string   // pieceLiteral's text
}

// template is a parsed substitution.
type template struct {
	pieces    []piece
	usesMatch bool // some piece is a capture of the rule's regex
	usesCond  bool // some piece is a capture of the condition's regex
}

// parseTemplate parses a substitution.
func parseTemplate(s string) (template, error) {
	var t template
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.pieces = append(t.pieces, piece{kind: pieceLiteral, lit: lit.String()})
			lit.Reset()
		}
	}
	start := 0
	for k := 0; k+1 < len(s); k++ {
		sigil := s[k]
		if sigil != '$' && sigil != '%' {
			continue
		}
		lit.WriteString(s[start:k])
		switch next := s[k+1]; {
		case next == '{':
			end := strings.IndexByte(s[k+2:], '}')
			if end < 0 {
				return t, fmt.Errorf("%c{ without its closing '}' in %q (write %c%c for a literal %c)", sigil, s, sigil, sigil, sigil)
			}
			p, err := parseBraces(sigil, s[k+2:k+2+end])
			if err != nil {
				return t, err
			}
			flush()
			t.pieces = append(t.pieces, p)
			k += 2 + end
		case next >= '0' && next <= '9':
			flush()
			t.pieces = append(t.pieces, piece{kind: captureKind(sigil), n: int(next - '0')})
			k++
		case next == sigil:
			lit.WriteByte(sigil)
			k++
		default:
			lit.WriteString(s[k : k+2])
			k++
		}
		start = k + 1
	}
	lit.WriteString(s[start:])
	flush()
	for _, p := range t.pieces {
		t.usesMatch = t.usesMatch || p.kind == pieceMatch
		t.usesCond = t.usesCond || p.kind == pieceCond
	}
	return t, nil
}

func captureKind(sigil byte) pieceKind {
	if sigil == '$' {
		return pieceMatch
	}
	return pieceCond
}

// parseBraces parses what is between the braces of ${…} or %{…}.
func parseBraces(sigil byte, body string) (piece, error) {
	var enc encoding
	for rest := body; ; {
		if kind, ok := urlItems[rest]; ok {
			return piece{kind: kind, enc: enc}, nil
		}
		num := rest
		if len(num) > 1 && (num[0] == '$' || num[0] == '%') {
			num = num[1:]
		}
		if n, ok := captureNumber(num); ok {
			if len(num) < len(rest) && rest[0] != sigil {
				// lighttpd skips the sigil and takes the braces': a
				// surprise featherd does not repeat.
				return piece{}, fmt.Errorf("%c{%s}: a capture in %c{…} is one of the %s (lighttpd would take %c%s); "+
					"write %c{%s%s} for the %s", sigil, body, sigil, captureOwner(sigil), sigil, num,
					rest[0], body[:len(body)-len(rest)], num, captureOwner(rest[0]))
			}
			if enc&encEscape == 0 {
				enc |= encPSNDE
			}
			return piece{kind: captureKind(sigil), n: n, enc: enc}, nil
		}
		name, after, ok := strings.Cut(rest, ":")
		if !ok {
			return piece{}, fmt.Errorf("unknown substitution %c{%s}: %q is none of N (a capture), "+
				"url.scheme, url.authority, url.authority.noport, url.port, url.path, url.query, qsa", sigil, body, rest)
		}
		m, known := modifiers[name]
		if !known {
			return piece{}, fmt.Errorf("unknown substitution %c{%s}: %q is none of the modifiers "+
				"(esc:, escape:, escnde:, escpsnde:, noesc:, noescape:, tolower:, toupper:, encb64u:, decb64u:)", sigil, body, name+":")
		}
		enc |= m
		rest = after
	}
}

func captureOwner(sigil byte) string {
	if sigil == '$' {
		return "rule's regex captures"
	}
	return "condition's regex captures"
}

// captureNumber reads a capture number of one or two digits.
func captureNumber(s string) (int, bool) {
	if len(s) == 0 || len(s) > 2 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// URL is what a substitution may take from the request besides the
// captures. Its strings are read during Expand only.
type URL struct {
	// Scheme is "http" or "https" (lighttpd's uri.scheme).
	Scheme string
	// Authority is the request's host as the client gave it, lower-cased,
	// or server.name when it gave none (lighttpd's uri.authority).
	Authority string
	// Port is the port of the socket the connection came on; 0 for a
	// unix socket.
	Port uint16
	// Target is the target the rules matched: the normalised path and
	// query (lighttpd's r->target).
	Target string
	// Query is the query string without its '?'.
	Query string
	// HasQuery is set when Target has a '?', even with nothing after it.
	HasQuery bool
}

// expand appends the substitution: match holds the submatch indices of
// the rule's regex in u.Target (nil when the template uses none), cond
// the captures of the condition (nil when there are none).
func (t *template) expand(dst []byte, u *URL, match []int, cond []string) []byte {
	start := len(dst)
	for i := range t.pieces {
		p := &t.pieces[i]
		switch p.kind {
		case pieceLiteral:
			dst = append(dst, p.lit...)
		case pieceMatch:
			if 2*p.n+1 < len(match) && match[2*p.n] >= 0 {
				dst = appendEncoded(dst, u.Target[match[2*p.n]:match[2*p.n+1]], p.enc)
			}
		case pieceCond:
			if p.n < len(cond) {
				dst = appendEncoded(dst, cond[p.n], p.enc)
			}
		case pieceScheme:
			dst = appendEncoded(dst, u.Scheme, p.enc)
		case pieceAuthority:
			dst = appendEncoded(dst, u.Authority, p.enc)
		case pieceAuthorityNoPort:
			dst = appendEncoded(dst, hostOnly(u.Authority), p.enc)
		case piecePort:
			dst = strconv.AppendUint(dst, uint64(u.Port), 10)
		case piecePath:
			path := u.Target
			if i := strings.IndexByte(path, '?'); i >= 0 {
				path = path[:i]
			}
			dst = appendEncoded(dst, path, p.enc)
		case pieceQuery:
			dst = appendEncoded(dst, u.Query, p.enc)
		case pieceQSA:
			if !u.HasQuery {
				break
			}
			switch {
			case bytes.IndexByte(dst[start:], '?') < 0:
				dst = append(dst, '?')
			case u.Query != "":
				dst = append(dst, '&')
			}
			dst = appendEncoded(dst, u.Query, p.enc)
		}
	}
	return dst
}

// hostOnly cuts a ":port" from an authority; "[::1]" keeps its colons.
func hostOnly(a string) string {
	if i := strings.LastIndexByte(a, ':'); i >= 0 && a[len(a)-1] != ']' {
		return a[:i]
	}
	return a
}

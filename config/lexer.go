package config

import (
	"strings"
	"unicode/utf8"
)

// tokenKind is the kind of a lexical token of lighttpd.conf.
type tokenKind uint8

const (
	tkEOF tokenKind = iota
	tkEOL
	tkString
	tkInteger
	tkKey // an option or variable name: [A-Za-z0-9._-]+
	tkAssign
	tkForceAssign
	tkAppend
	tkPlus
	tkLParen
	tkRParen
	tkComma
	tkArrow // => inside parentheses
	tkDollar
	tkCondObject // HTTP, SERVER, REQUEST_HEADER after $
	tkLBracket
	tkRBracket
	tkLCurly
	tkRCurly
	tkEq
	tkNe
	tkMatch
	tkNoMatch
	tkPrefix
	tkSuffix
	tkInclude
	tkIncludeShell
	tkGlobal
	tkElse
)

var tokenNames = [...]string{
	tkEOF:          "end of file",
	tkEOL:          "end of line",
	tkString:       "string",
	tkInteger:      "integer",
	tkKey:          "name",
	tkAssign:       "'='",
	tkForceAssign:  "':='",
	tkAppend:       "'+='",
	tkPlus:         "'+'",
	tkLParen:       "'('",
	tkRParen:       "')'",
	tkComma:        "','",
	tkArrow:        "'=>'",
	tkDollar:       "'$'",
	tkCondObject:   "condition name",
	tkLBracket:     "'['",
	tkRBracket:     "']'",
	tkLCurly:       "'{'",
	tkRCurly:       "'}'",
	tkEq:           "'=='",
	tkNe:           "'!='",
	tkMatch:        "'=~'",
	tkNoMatch:      "'!~'",
	tkPrefix:       "'=^'",
	tkSuffix:       "'=$'",
	tkInclude:      "'include'",
	tkIncludeShell: "'include_shell'",
	tkGlobal:       "'global'",
	tkElse:         "'else'",
}

func (k tokenKind) String() string { return tokenNames[k] }

type token struct {
	kind tokenKind
	text string // string contents (unescaped), name, or integer digits
	pos  Pos
}

func (t token) describe() string {
	switch t.kind {
	case tkString:
		return "string \"" + t.text + "\""
	case tkKey, tkInteger, tkCondObject:
		return t.kind.String() + " " + t.text
	}
	return t.kind.String()
}

// lexer splits one source into tokens the way lighttpd's config_tokenizer
// does. Like lighttpd's, it tracks a little context of its own: whether it
// is inside parentheses (where newlines and commas separate list elements
// and '=' must be '=>'), inside a condition (after '$', where '==' '!='
// '=~' '!~' '=^' '=$' are operators) and whether the previous token was a
// string or a name, to explain the two commonest mistakes.
type lexer struct {
	src  string
	file string
	off  int
	line int
	bol  int // offset of the first byte of the current line

	inKey       bool
	inCond      bool
	parens      int
	simulateEOL bool
	prev        tokenKind
}

func newLexer(file, src string) *lexer {
	return &lexer{src: src, file: file, line: 1, inKey: true, prev: tkEOL}
}

func (l *lexer) pos() Pos { return Pos{File: l.file, Line: l.line, Col: l.off - l.bol + 1} }

func (l *lexer) newline() {
	if l.src[l.off] == '\r' && l.off+1 < len(l.src) && l.src[l.off+1] == '\n' {
		l.off++
	}
	l.off++
	l.line++
	l.bol = l.off
}

func (l *lexer) skipComment() {
	for l.off < len(l.src) && l.src[l.off] != '\n' && l.src[l.off] != '\r' {
		l.off++
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// next returns the next token, or an error for input no token can start.
func (l *lexer) next() (token, error) {
	t, err := l.scan()
	if err == nil {
		l.prev = t.kind
	}
	return t, err
}

func (l *lexer) emit(kind tokenKind, text string, pos Pos, width int) token {
	l.off += width
	return token{kind: kind, text: text, pos: pos}
}

func (l *lexer) scan() (token, error) {
	if l.simulateEOL {
		l.simulateEOL = false
		l.inKey = true
		return token{kind: tkEOL, pos: l.pos()}, nil
	}
	for l.off < len(l.src) {
		c := l.src[l.off]
		var c1 byte
		if l.off+1 < len(l.src) {
			c1 = l.src[l.off+1]
		}
		pos := l.pos()
		switch {
		case c == ' ' || c == '\t':
			l.off++
		case c == 0xc2 && c1 == 0xa0: // U+00A0 NO-BREAK SPACE counts as a space
			l.off += 2
		case c == '#':
			l.skipComment()
		case c == '\n' || c == '\r':
			l.skipBlankLines()
			if l.parens == 0 {
				l.inKey = true
				return token{kind: tkEOL, pos: pos}, nil
			}
		case c == '=':
			switch {
			case l.parens > 0:
				if c1 != '>' {
					return token{}, errorf(pos, "use => for assignments in arrays")
				}
				return l.emit(tkArrow, "=>", pos, 2), nil
			case l.inCond:
				var kind tokenKind
				switch c1 {
				case '=':
					kind = tkEq
				case '~':
					kind = tkMatch
				case '^':
					kind = tkPrefix
				case '$':
					kind = tkSuffix
				default:
					return token{}, errorf(pos, "only == =~ =^ =$ are allowed in the condition")
				}
				l.inKey, l.inCond = true, false
				return l.emit(kind, l.src[l.off:l.off+2], pos, 2), nil
			case c1 == '>':
				return token{}, errorf(pos, "=> is only allowed inside ( ), between a key and its value")
			case l.inKey:
				return l.emit(tkAssign, "=", pos, 1), nil
			default:
				return token{}, errorf(pos, "unexpected equal-sign: =")
			}
		case c == '!':
			if !l.inCond {
				return token{}, errorf(pos, "unexpected exclamation-mark: !")
			}
			var kind tokenKind
			switch c1 {
			case '=':
				kind = tkNe
			case '~':
				kind = tkNoMatch
			default:
				return token{}, errorf(pos, "only != and !~ are allowed in the condition")
			}
			l.inKey, l.inCond = true, false
			return l.emit(kind, l.src[l.off:l.off+2], pos, 2), nil
		case c == ',':
			l.off++
			if l.parens > 0 {
				return token{kind: tkComma, text: ",", pos: pos}, nil
			}
			// lighttpd skips a comma outside parentheses; so do we.
		case c == '"':
			return l.scanString(pos)
		case c == '(':
			l.parens++
			return l.emit(tkLParen, "(", pos, 1), nil
		case c == ')':
			if l.parens == 0 {
				return token{}, errorf(pos, "close-parens without open-parens")
			}
			l.parens--
			return l.emit(tkRParen, ")", pos, 1), nil
		case c == '$':
			l.inCond, l.inKey = true, false
			return l.emit(tkDollar, "$", pos, 1), nil
		case c == '+':
			if c1 == '=' {
				return l.emit(tkAppend, "+=", pos, 2), nil
			}
			return l.emit(tkPlus, "+", pos, 1), nil
		case c == ':':
			if c1 != '=' {
				return token{}, errorf(pos, "unexpected character ':'")
			}
			return l.emit(tkForceAssign, ":=", pos, 2), nil
		case c == '{':
			return l.emit(tkLCurly, "{", pos, 1), nil
		case c == '}':
			l.off++
			l.afterCurly()
			return token{kind: tkRCurly, text: "}", pos: pos}, nil
		case c == '[':
			return l.emit(tkLBracket, "[", pos, 1), nil
		case c == ']':
			return l.emit(tkRBracket, "]", pos, 1), nil
		case c == 0:
			return token{}, errorf(pos, "stray NUL byte")
		case l.inCond:
			n := 0
			for l.off+n < len(l.src) && (isAlpha(l.src[l.off+n]) || l.src[l.off+n] == '_') {
				n++
			}
			if n == 0 {
				return token{}, errorf(pos, "invalid character in condition: %q", c)
			}
			return l.emit(tkCondObject, l.src[l.off:l.off+n], pos, n), nil
		case c >= '0' && c <= '9':
			n := 1
			for l.off+n < len(l.src) && l.src[l.off+n] >= '0' && l.src[l.off+n] <= '9' {
				n++
			}
			return l.emit(tkInteger, l.src[l.off:l.off+n], pos, n), nil
		case isNameByte(c):
			n := 1
			for l.off+n < len(l.src) && isNameByte(l.src[l.off+n]) {
				n++
			}
			word := l.src[l.off : l.off+n]
			switch word {
			case "include":
				return l.emit(tkInclude, word, pos, n), nil
			case "include_shell":
				return l.emit(tkIncludeShell, word, pos, n), nil
			case "global":
				return l.emit(tkGlobal, word, pos, n), nil
			case "else", "elif", "elsif", "elseif":
				return l.emit(tkElse, word, pos, n), nil
			case "if":
				// 'if' is noise before a condition: "if $HTTP[...]", "else if $HTTP[...]".
				j := l.off + n
				for j < len(l.src) && (l.src[j] == ' ' || l.src[j] == '\t') {
					j++
				}
				if j < len(l.src) && l.src[j] == '$' {
					l.off += n
					continue
				}
			}
			if l.prev == tkKey {
				return token{}, errorf(pos, "missing assignment operator ('=') or missing string concat operator ('+') before %s", word)
			}
			return l.emit(tkKey, word, pos, n), nil
		default:
			r, _ := utf8.DecodeRuneInString(l.src[l.off:])
			if r == utf8.RuneError {
				return token{}, errorf(pos, "invalid byte 0x%02x", c)
			}
			return token{}, errorf(pos, "invalid character %q", r)
		}
	}
	return token{kind: tkEOF, pos: l.pos()}, nil
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// skipBlankLines consumes a run of newlines, blank lines and comment lines,
// so a statement's end is one EOL token however many lines follow it.
func (l *lexer) skipBlankLines() {
	for l.off < len(l.src) {
		switch l.src[l.off] {
		case '\r', '\n':
			l.newline()
		case '#':
			l.skipComment()
		case ' ', '\t':
			l.off++
		default:
			return
		}
	}
}

// afterCurly implements lighttpd's rule that '}' ends a statement: if
// anything but blanks or a comment follows on the same line ("} else {"),
// an end-of-line token is simulated before it.
func (l *lexer) afterCurly() {
	for l.off < len(l.src) {
		switch l.src[l.off] {
		case ' ', '\t':
			l.off++
		case '\r', '\n':
			return
		case '#':
			l.skipComment()
			return
		default:
			l.simulateEOL = true
			return
		}
	}
}

func (l *lexer) scanString(pos Pos) (token, error) {
	switch l.prev {
	case tkString:
		return token{}, errorf(pos, "strings may be combined with '+' or separated with ',' or '=>' in lists")
	case tkKey:
		return token{}, errorf(pos, "missing assignment operator ('=')?")
	}
	// The only escape is \" for a literal quote; any other backslash is
	// itself, so Windows paths and regexes read as written.
	var b strings.Builder
	start := l.off + 1
	i := start
	for ; i < len(l.src) && l.src[i] != '"'; i++ {
		switch l.src[i] {
		case '\\':
			if i+1 < len(l.src) && l.src[i+1] == '"' {
				b.WriteString(l.src[start:i])
				i++
				start = i
			}
		case '\n':
			l.line++
			l.bol = i + 1
		case 0:
			return token{}, errorf(pos, "stray NUL byte in string")
		}
	}
	if i >= len(l.src) {
		return token{}, errorf(pos, "missing closing quote")
	}
	b.WriteString(l.src[start:i])
	l.off = i + 1
	return token{kind: tkString, text: b.String(), pos: pos}, nil
}

package config

import (
	"strconv"
	"strings"
)

// parser reads the statements of one source (a file, stdin or a command's
// output) into the scopes of its tree. Sources nest through include and
// include_shell; they share the tree, so an include inside a conditional
// block adds to that block.
type parser struct {
	tree *tree
	lx   *lexer
	tok  token
	err  error // a lexer error, reported when the parser reaches it
	have bool
}

func (p *parser) peek() token {
	if !p.have {
		p.tok, p.err = p.lx.next()
		if p.err != nil {
			p.tok = token{kind: tkEOF, pos: p.lx.pos()}
		}
		p.have = true
	}
	return p.tok
}

func (p *parser) advance() (token, error) {
	t := p.peek()
	p.have = false
	return t, p.err
}

// skipEOLs consumes ends of line where featherd, like lighttpd, lets a
// line break continue a statement: before a block's '{' and after 'else'.
// lighttpd has no rule for it: its generated parser discards any token its
// grammar cannot take at that point, which is also why it accepts, and at
// times misreads, a line break or a stray token elsewhere in a statement.
// featherd reports those instead.
func (p *parser) skipEOLs() {
	for p.peek().kind == tkEOL && p.err == nil {
		p.advance()
	}
}

// expect consumes a token of the given kind or reports what it found.
func (p *parser) expect(kind tokenKind, context string) (token, error) {
	t := p.peek()
	if p.err != nil {
		return t, p.err
	}
	if t.kind != kind {
		return t, errorf(t.pos, "expected %s %s, found %s", kind, context, t.describe())
	}
	return p.advance()
}

// statements parses until end (tkEOF for a source, tkRCurly for a block),
// leaving the end token unconsumed.
func (p *parser) statements(end tokenKind, open Pos) error {
	for {
		t := p.peek()
		if p.err != nil {
			return p.err
		}
		var err error
		switch t.kind {
		case end:
			return nil
		case tkEOL:
			p.advance()
		case tkEOF:
			return errorf(open, "block is not closed: missing '}'")
		case tkKey:
			err = p.assignment()
		case tkDollar:
			err = p.condChain()
		case tkGlobal:
			err = p.global()
		case tkInclude, tkIncludeShell:
			err = p.include()
		case tkRCurly:
			return errorf(t.pos, "unexpected '}' without a matching '{'")
		case tkElse:
			return errorf(t.pos, "'%s' without a condition block before it", t.text)
		default:
			return errorf(t.pos, "unexpected %s at the start of a statement", t.describe())
		}
		if err != nil {
			return err
		}
	}
}

// fullKey applies lighttpd's rule that a name without a dot is a variable.
func fullKey(name string) string {
	if !strings.Contains(name, ".") {
		return "var." + name
	}
	return name
}

func (p *parser) assignment() error {
	name, _ := p.advance()
	key := fullKey(name.text)
	op, err := p.advance()
	if err != nil {
		return err
	}
	if op.kind != tkAssign && op.kind != tkForceAssign && op.kind != tkAppend {
		return errorf(op.pos, "expected '=', ':=' or '+=' after %s, found %s", name.text, op.describe())
	}
	v, err := p.expression()
	if err != nil {
		return err
	}
	if strings.HasPrefix(key, "env.") {
		return errorf(name.pos, "cannot set %s: env.* variables are read-only", key)
	}
	b := p.tree.current
	switch op.kind {
	case tkAssign:
		if old, ok := b.Lookup(key); ok {
			if old.Pos.Line == 0 {
				return errorf(name.pos, "duplicate config variable %s: it is predefined (use := to replace it or += to append)", key)
			}
			return errorf(name.pos, "duplicate config variable %s in this block (first set at %s; use := to replace it or += to append)", key, old.Pos)
		}
		b.Settings = append(b.Settings, Setting{Key: key, Value: v, Pos: name.pos})
	case tkForceAssign:
		if i := b.find(key); i >= 0 {
			b.Settings[i] = Setting{Key: key, Value: v, Pos: name.pos}
		} else {
			b.Settings = append(b.Settings, Setting{Key: key, Value: v, Pos: name.pos})
		}
	case tkAppend:
		var base Setting
		found := false
		if i := b.find(key); i >= 0 {
			base, found = b.remove(i), true
		} else {
			base, found = b.resolve(key)
		}
		if found {
			merged, err := merge(base.Value, v)
			if err != nil {
				return errorf(op.pos, "cannot append to %s: %v", key, err)
			}
			v = merged
		}
		b.Settings = append(b.Settings, Setting{Key: key, Value: v, Pos: name.pos})
	}
	return nil
}

// expression parses value { '+' value }.
func (p *parser) expression() (Value, error) {
	v, err := p.value()
	if err != nil {
		return Value{}, err
	}
	for p.peek().kind == tkPlus && p.err == nil {
		plus, _ := p.advance()
		w, err := p.value()
		if err != nil {
			return Value{}, err
		}
		sum, err := merge(v, w)
		if err != nil {
			return Value{}, errorf(plus.pos, "cannot add %s and %s: %v", v.Kind, w.Kind, err)
		}
		v = sum
	}
	return v, nil
}

func (p *parser) value() (Value, error) {
	t, err := p.advance()
	if err != nil {
		return Value{}, err
	}
	switch t.kind {
	case tkString:
		return StringValue(t.text), nil
	case tkInteger:
		n, err := parseInteger(t.text)
		if err != nil {
			return Value{}, errorf(t.pos, "%v", err)
		}
		return IntValue(n), nil
	case tkKey:
		return p.tree.variable(t)
	case tkLParen:
		return p.array(t)
	}
	return Value{}, errorf(t.pos, "expected a value (a string, an integer, an array or a variable), found %s", t.describe())
}

// array parses the rest of "( elem, key => elem, … )" after its '('.
func (p *parser) array(open token) (Value, error) {
	arr := Value{Kind: KindArray, List: []Element{}}
	if p.peek().kind == tkRParen {
		p.advance()
		return arr, p.err
	}
	for {
		t := p.peek()
		if p.err != nil {
			return Value{}, p.err
		}
		if t.kind == tkEOF {
			return Value{}, errorf(open.pos, "array is not closed: missing ')'")
		}
		v, err := p.expression()
		if err != nil {
			return Value{}, err
		}
		e := Element{Value: v, Pos: t.pos}
		if p.peek().kind == tkArrow {
			p.advance()
			key, err := keyString(v, t.pos)
			if err != nil {
				return Value{}, err
			}
			if _, dup := arr.Lookup(key); dup {
				return Value{}, errorf(t.pos, "duplicate array-key %q: please remove the duplicate entry", key)
			}
			if e.Value, err = p.expression(); err != nil {
				return Value{}, err
			}
			e.Key, e.Keyed = key, true
		}
		arr.List = append(arr.List, e)
		t, err = p.advance()
		if err != nil {
			return Value{}, err
		}
		switch t.kind {
		case tkRParen:
			return arr, nil
		case tkComma:
			for p.peek().kind == tkComma && p.err == nil {
				p.advance() // lighttpd's grammar accepts a comma after any element
			}
			if p.peek().kind == tkRParen {
				p.advance()
				return arr, p.err
			}
		case tkEOF:
			return Value{}, errorf(open.pos, "array is not closed: missing ')'")
		default:
			return Value{}, errorf(t.pos, "expected ',' or ')' in array, found %s", t.describe())
		}
	}
}

// keyString converts the operand of "=>" or of a condition's [ ] to a
// string; lighttpd accepts integers there too.
func keyString(v Value, pos Pos) (string, error) {
	switch v.Kind {
	case KindString:
		return v.Str, nil
	case KindInteger:
		return strconv.FormatInt(v.Int, 10), nil
	}
	return "", errorf(pos, "operand must be a string, found an array")
}

// stringOperand parses an expression that must give a string (or integer).
func (p *parser) stringOperand() (string, Pos, error) {
	pos := p.peek().pos
	v, err := p.expression()
	if err != nil {
		return "", pos, err
	}
	s, err := keyString(v, pos)
	return s, pos, err
}

// condChain parses a conditional block and the else branches chained to it.
func (p *parser) condChain() error {
	prev, err := p.condBlock()
	if err != nil {
		return err
	}
	for {
		if p.peek().kind != tkEOL || p.err != nil {
			return p.err // end of file, or the end of the enclosing block
		}
		p.advance()
		if p.peek().kind != tkElse {
			return p.err
		}
		elseTok, _ := p.advance()
		if prev.isElse() {
			return errorf(elseTok.pos, "unreachable condition following else catch-all")
		}
		p.skipEOLs()
		var b *Block
		switch t := p.peek(); t.kind {
		case tkDollar:
			if t.pos.Line != elseTok.pos.Line {
				// lighttpd's parser turns an 'else' that ends its line into
				// a bare else before it sees the condition, which it then
				// drops: refuse what it would silently misread.
				return errorf(t.pos, "the condition must be on the same line as its '%s' (lighttpd reads an '%s' at the end of a line as a bare else and ignores the condition)", elseTok.text, elseTok.text)
			}
			b, err = p.condBlock()
			if err == nil {
				err = p.tree.chain(prev, b, elseTok.pos)
			}
		case tkLCurly:
			b, err = p.tree.openElse(prev, elseTok.pos)
			if err == nil {
				err = p.blockBody(b)
			}
		default:
			return errorf(t.pos, "expected a condition or '{' after else, found %s", t.describe())
		}
		if err != nil {
			return err
		}
		prev = b
	}
}

var condOps = map[tokenKind]Op{tkEq: OpEq, tkNe: OpNe, tkMatch: OpMatch, tkNoMatch: OpNoMatch, tkPrefix: OpPrefix, tkSuffix: OpSuffix}

// condBlock parses "$OBJ["tag"] op expr { statements }".
func (p *parser) condBlock() (*Block, error) {
	dollar, _ := p.advance()
	obj, err := p.expect(tkCondObject, "after '$'")
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tkLBracket, "after $"+obj.text); err != nil {
		return nil, err
	}
	tag, _, err := p.stringOperand()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tkRBracket, "to close the condition name"); err != nil {
		return nil, err
	}
	opTok, err := p.advance()
	if err != nil {
		return nil, err
	}
	op, ok := condOps[opTok.kind]
	if !ok {
		return nil, errorf(opTok.pos, "expected ==, !=, =~, !~, =^ or =$ in the condition, found %s", opTok.describe())
	}
	rhsPos := p.peek().pos
	rhs, err := p.expression()
	if err != nil {
		return nil, err
	}
	if rhs.Kind != KindString {
		return nil, errorf(rhsPos, "the right side of a condition must be a string, found %s", rhs.Kind)
	}
	c, err := newCond(obj.text, tag, op, rhs.Str)
	if err != nil {
		return nil, errorf(dollar.pos, "%v", err)
	}
	b, err := p.tree.openCond(c, dollar.pos)
	if err != nil {
		return nil, err
	}
	return b, p.blockBody(b)
}

// blockBody parses "{ statements }" into b, which the tree has opened.
// The '{' may be on a later line than the condition, 'else' or 'global'
// before it.
func (p *parser) blockBody(b *Block) error {
	p.skipEOLs()
	open, err := p.expect(tkLCurly, "to open the block")
	if err != nil {
		return err
	}
	if err := p.statements(tkRCurly, open.pos); err != nil {
		return err
	}
	p.advance()
	p.tree.close()
	return nil
}

func (p *parser) global() error {
	g, _ := p.advance()
	if err := p.tree.openGlobal(g.pos); err != nil {
		return err
	}
	return p.blockBody(p.tree.blocks[0])
}

func (p *parser) include() error {
	t, _ := p.advance()
	arg, _, err := p.stringOperand()
	if err != nil {
		return err
	}
	if t.kind == tkInclude {
		return p.tree.includeFiles(arg, t.pos)
	}
	return p.tree.includeShell(arg, t.pos)
}

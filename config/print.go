package config

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Print writes the configuration as plain lighttpd.conf with everything
// evaluated: variables, env.*, '+', '+=' and includes resolved, one
// "key = value" line per setting, conditional blocks nested and chained
// as written. Reading the output back and printing it again gives the
// same bytes, and the same merge order: blocks are written in the order
// they first appeared, which is the order their options merge in, so a
// block that gained a child after a later sibling appeared is opened
// again (writing a condition again names the same block, as in
// lighttpd). The predefined var.CWD and var.PID are printed only when the
// configuration assigns them, first and with := since they always exist.
func (c *Config) Print(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := printer{w: bw}
	p.settings(c.Blocks[0], 0)

	var open []*Block     // blocks open in the output, outermost first
	var justClosed *Block // the block whose '}' was the last line written
	closeTo := func(n int) {
		for len(open) > n {
			b := open[len(open)-1]
			open = open[:len(open)-1]
			p.indent(len(open))
			p.w.WriteString("}\n")
			justClosed = b
		}
	}
	for _, b := range c.Blocks[1:] {
		path := ancestors(b)
		k := 0
		for k < len(open) && k < len(path) && open[k] == path[k] {
			k++
		}
		closeTo(k)
		for _, a := range path[k:] {
			p.reopen(a, len(open))
			open = append(open, a)
			justClosed = nil
		}
		depth := len(open)
		if b.Prev != nil {
			if justClosed != b.Prev {
				// Reopen the branch before, empty, so the else attaches to it.
				p.reopen(b.Prev, depth)
				p.indent(depth)
				p.w.WriteString("}\n")
			}
			p.indent(depth)
			p.w.WriteString("else ")
		} else {
			p.indent(depth)
		}
		if !b.isElse() {
			p.cond(b)
		}
		p.w.WriteString("{\n")
		open = append(open, b)
		justClosed = nil
		p.settings(b, depth+1)
	}
	closeTo(0)
	if p.err != nil {
		return p.err
	}
	return bw.Flush()
}

// ancestors returns b's enclosing conditional blocks, outermost first.
func ancestors(b *Block) []*Block {
	var path []*Block
	for a := b.Parent; a != nil && a.Index != 0; a = a.Parent {
		path = append(path, a)
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}

type printer struct {
	w   *bufio.Writer
	err error
}

func (p *printer) indent(depth int) {
	for range depth {
		p.w.WriteString("    ")
	}
}

func (p *printer) cond(b *Block) {
	p.checkString(b.Cond.Tag, b.Pos)
	p.checkString(b.Cond.Pattern, b.Pos)
	p.w.WriteString(b.Cond.String())
	p.w.WriteByte(' ')
}

// reopen writes a block's condition again to get back into it. A bare
// else cannot be named again, but never needs to be: nothing can be added
// to it after its '}', so its whole subtree is written while it is open.
func (p *printer) reopen(b *Block, depth int) {
	if b.isElse() && p.err == nil {
		p.err = errorf(b.Pos, "cannot print: an else block would have to be reopened")
	}
	p.indent(depth)
	p.cond(b)
	p.w.WriteString("{\n")
}

func (p *printer) settings(b *Block, depth int) {
	if b.Index == 0 {
		// Assigned predefined variables come first: read back with :=
		// they keep the slot they were predefined in.
		for _, name := range []string{"var.CWD", "var.PID"} {
			if s, ok := b.Lookup(name); ok && s.Pos.Line > 0 {
				p.setting(s, " := ", depth)
			}
		}
	}
	for _, s := range b.Settings {
		if b.Index == 0 && (strings.EqualFold(s.Key, "var.CWD") || strings.EqualFold(s.Key, "var.PID")) {
			continue
		}
		p.setting(s, " = ", depth)
	}
}

func (p *printer) setting(s Setting, op string, depth int) {
	p.indent(depth)
	p.w.WriteString(s.Key)
	p.w.WriteString(op)
	p.value(s.Value, s)
	p.w.WriteByte('\n')
}

func (p *printer) value(v Value, s Setting) {
	switch v.Kind {
	case KindString:
		p.checkString(v.Str, s.Pos)
		p.w.WriteString(quote(v.Str))
	case KindInteger:
		p.w.WriteString(strconv.FormatInt(v.Int, 10))
	case KindArray:
		if len(v.List) == 0 {
			p.w.WriteString("( )")
			return
		}
		p.w.WriteString("( ")
		for i, e := range v.List {
			if i > 0 {
				p.w.WriteString(", ")
			}
			if e.Keyed {
				p.checkString(e.Key, s.Pos)
				p.w.WriteString(quote(e.Key))
				p.w.WriteString(" => ")
			}
			p.value(e.Value, s)
		}
		p.w.WriteString(" )")
	}
}

// checkString records that a string cannot be written back: lighttpd.conf
// has no escape for a backslash, so a string ending in one would swallow
// its closing quote.
func (p *printer) checkString(s string, pos Pos) {
	if p.err == nil && strings.HasSuffix(s, `\`) {
		p.err = errorf(pos, "cannot print %s: lighttpd.conf strings cannot end with a backslash", quote(s))
	}
}

// quote writes s as a lighttpd.conf string: in double quotes, with \" for
// a quote. Any other backslash stands for itself.
func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// String returns the value as lighttpd.conf source.
func (v Value) String() string {
	var b strings.Builder
	p := printer{w: bufio.NewWriter(&b)}
	p.value(v, Setting{})
	p.w.Flush()
	return b.String()
}

var _ fmt.Stringer = Value{}

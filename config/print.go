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
// same bytes. The predefined var.CWD and var.PID are printed only when the
// configuration assigns them, with := since they always exist.
func (c *Config) Print(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := printer{w: bw}
	p.settings(c.Blocks[0], 0)
	p.children(c.Blocks[0], 0)
	if p.err != nil {
		return p.err
	}
	return bw.Flush()
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

func (p *printer) settings(b *Block, depth int) {
	for _, s := range b.Settings {
		if s.Pos.Line == 0 && b.Index == 0 {
			continue // predefined var.CWD / var.PID, never assigned
		}
		op := " = "
		if b.Index == 0 && (strings.EqualFold(s.Key, "var.CWD") || strings.EqualFold(s.Key, "var.PID")) {
			op = " := "
		}
		p.indent(depth)
		p.w.WriteString(s.Key)
		p.w.WriteString(op)
		p.value(s.Value, s)
		p.w.WriteByte('\n')
	}
}

func (p *printer) children(b *Block, depth int) {
	for _, child := range b.Children {
		if child.Prev != nil {
			continue // printed with the head of its chain
		}
		for br := child; br != nil; br = br.Next {
			p.indent(depth)
			if br.Prev != nil {
				p.w.WriteString("else ")
			}
			if !br.isElse() {
				p.w.WriteString(br.Cond.String())
				p.w.WriteByte(' ')
				p.checkString(br.Cond.Tag, br.Pos)
				p.checkString(br.Cond.Pattern, br.Pos)
			}
			p.w.WriteString("{\n")
			p.settings(br, depth+1)
			p.children(br, depth+1)
			p.indent(depth)
			p.w.WriteString("}\n")
		}
	}
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

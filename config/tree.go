package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// maxSourceSize bounds a configuration file or command output, as
// lighttpd's 32 MB limit does.
const maxSourceSize = 32 << 20

// maxIncludeDepth stops include loops; real configurations nest two or
// three levels.
const maxIncludeDepth = 32

// tree is the parse state shared by every source of one configuration.
type tree struct {
	opts    *LoadOptions
	basedir string
	blocks  []*Block
	byKey   map[string]*Block
	current *Block
	stack   []*Block
	depth   int
}

func newTree(opts *LoadOptions, basedir string) *tree {
	global := &Block{Index: 0, key: "global"}
	cwd := opts.Dir
	if cwd == "" {
		cwd, _ = os.Getwd()
	}
	global.Settings = []Setting{
		{Key: "var.CWD", Value: StringValue(cwd)},
		{Key: "var.PID", Value: IntValue(int64(os.Getpid()))},
	}
	return &tree{
		opts:    opts,
		basedir: basedir,
		blocks:  []*Block{global},
		byKey:   map[string]*Block{"global": global},
		current: global,
	}
}

// parse reads one source into the tree.
func (t *tree) parse(name, src string) error {
	p := &parser{tree: t, lx: newLexer(name, src)}
	if err := p.statements(tkEOF, Pos{}); err != nil {
		return err
	}
	return nil
}

func (t *tree) push(b *Block) {
	t.stack = append(t.stack, t.current)
	t.current = b
}

func (t *tree) close() {
	t.current = t.stack[len(t.stack)-1]
	t.stack = t.stack[:len(t.stack)-1]
}

// insideGlobal reports whether the parser is within "global { }".
func (t *tree) insideGlobal() bool { return t.current.Index == 0 && len(t.stack) > 0 }

func (t *tree) openGlobal(pos Pos) error {
	if t.insideGlobal() {
		return errorf(pos, "global { } cannot be nested in global { }")
	}
	t.push(t.blocks[0])
	return nil
}

// openCond enters the block for condition c under the current block,
// creating it unless the same condition was already written there.
func (t *tree) openCond(c *Cond, pos Pos) (*Block, error) {
	if t.insideGlobal() {
		return nil, errorf(pos, "conditionals cannot be used inside a global { } block")
	}
	key := t.current.key + " / " + c.identity()
	if b, ok := t.byKey[key]; ok {
		t.push(b)
		return b, nil
	}
	b := t.newBlock(c, pos, key)
	t.push(b)
	return b, nil
}

func (t *tree) newBlock(c *Cond, pos Pos, key string) *Block {
	b := &Block{Index: len(t.blocks), Parent: t.current, Cond: c, Pos: pos, key: key}
	t.blocks = append(t.blocks, b)
	t.byKey[key] = b
	t.current.Children = append(t.current.Children, b)
	return b
}

// chain links an else-if branch b after prev.
func (t *tree) chain(prev, b *Block, pos Pos) error {
	switch {
	case prev.Index >= b.Index:
		return errorf(pos, "unreachable else condition: %s was already written before this chain", b.Cond)
	case prev.Next != nil && prev.Next != b:
		return errorf(pos, "%s already has an else branch (at %s)", prev.Cond, prev.Next.Pos)
	case b.Prev != nil && b.Prev != prev:
		return errorf(pos, "%s is already the else branch of %s", b.Cond, b.Prev.Cond)
	}
	prev.Next, b.Prev = b, prev
	return nil
}

// openElse enters the bare "else { }" branch after prev. lighttpd names
// it after prev's condition negated, so an else written twice for the
// same condition is caught.
func (t *tree) openElse(prev *Block, pos Pos) (*Block, error) {
	if prev.Next != nil {
		return nil, errorf(pos, "%s already has an else branch (at %s)", prev.Cond, prev.Next.Pos)
	}
	pc := prev.Cond
	key := t.current.key + " / $" + pc.Object + "[" + quote(pc.Tag) + "] " + pc.op.negate() + " " + quote(pc.str)
	if _, ok := t.byKey[key]; ok {
		return nil, errorf(pos, "unreachable else condition")
	}
	c := &Cond{Object: pc.Object, Tag: pc.Tag, Op: OpElse, op: OpElse, Field: pc.Field, Header: pc.Header}
	b := t.newBlock(c, pos, key)
	prev.Next, b.Prev = b, prev
	t.push(b)
	return b, nil
}

// variable evaluates a name used as a value: env.NAME from the
// environment, anything else from the current block or its parents.
func (t *tree) variable(tok token) (Value, error) {
	key := fullKey(tok.text)
	if name, ok := strings.CutPrefix(key, "env."); ok {
		v, ok := t.opts.lookupEnv(name)
		if !ok {
			return Value{}, errorf(tok.pos, "undefined environment variable: %s", name)
		}
		return StringValue(v), nil
	}
	s, ok := t.current.resolve(key)
	if !ok {
		return Value{}, errorf(tok.pos, "undefined config variable: %s", key)
	}
	return s.Value, nil
}

// includePath applies lighttpd's rule: relative paths are relative to the
// directory of the main configuration file, except those starting with
// ./ or ../, which are relative to the working directory.
func (t *tree) includePath(p string) string {
	if t.basedir == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") {
		return p
	}
	return filepath.Join(t.basedir, p)
}

func (t *tree) enter(pos Pos) error {
	if t.depth >= maxIncludeDepth {
		return errorf(pos, "includes nested more than %d deep (does a file include itself?)", maxIncludeDepth)
	}
	t.depth++
	return nil
}

func (t *tree) includeFiles(pattern string, pos Pos) error {
	if t.opts.Sandbox {
		return errorf(pos, "include is not allowed here")
	}
	if err := t.enter(pos); err != nil {
		return err
	}
	defer func() { t.depth-- }()
	full := t.includePath(pattern)
	var files []string
	for _, p := range expandBraces(full) {
		m, err := filepath.Glob(p)
		if err != nil {
			return errorf(pos, "include %q: %v", pattern, err)
		}
		for _, f := range m {
			if !hiddenMatch(p, f) {
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		if strings.ContainsAny(full, "*?[]{}") {
			return nil // a pattern that matches nothing is not an error
		}
		return errorf(pos, "include file not found: %s", full)
	}
	for _, f := range files {
		src, err := readSource(f)
		if err != nil {
			return errorf(pos, "include %s: %v", f, err)
		}
		if err := t.parse(f, src); err != nil {
			return err
		}
	}
	return nil
}

// readSource reads a configuration file of at most maxSourceSize bytes.
func readSource(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return "", errors.New("is a directory")
	}
	return readLimited(f)
}

func readLimited(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSourceSize+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxSourceSize {
		return "", fmt.Errorf("larger than %d MB", maxSourceSize>>20)
	}
	return string(data), nil
}

// includeShell runs cmd with /bin/sh in the main file's directory and
// parses what it prints.
func (t *tree) includeShell(cmdline string, pos Pos) error {
	if t.opts.Sandbox {
		return errorf(pos, "include_shell is not allowed here")
	}
	if err := t.enter(pos); err != nil {
		return err
	}
	defer func() { t.depth-- }()
	timeout := t.opts.ShellTimeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", cmdline)
	cmd.Dir = t.basedir
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	cmd.Stdout = &limitedWriter{w: &out, n: maxSourceSize}
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return errorf(pos, "command %q did not finish within %v", cmdline, timeout)
	case errors.As(err, &exitErr):
		return errorf(pos, "command %q exited non-zero: %d", cmdline, exitErr.ExitCode())
	case err != nil:
		return errorf(pos, "command %q: %v", cmdline, err)
	}
	return t.parse("include_shell "+strconv.Quote(cmdline), out.String())
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, fmt.Errorf("output larger than %d MB", maxSourceSize>>20)
	}
	l.n -= len(p)
	return l.w.Write(p)
}

// hiddenMatch reports whether a wildcard matched a name starting with a
// dot. glob(3), which lighttpd uses, never lets a wildcard match a leading
// dot; Go's filepath.Glob does, which would include editor lock files
// such as ".#site.conf" from conf.d/*.conf.
func hiddenMatch(pattern, match string) bool {
	pp := strings.Split(pattern, "/")
	mp := strings.Split(match, "/")
	if len(pp) != len(mp) {
		return false
	}
	for i := range mp {
		if strings.HasPrefix(mp[i], ".") && !strings.HasPrefix(pp[i], ".") {
			return true
		}
	}
	return false
}

// expandBraces expands the first {a,b} group of a glob pattern, recursively,
// as glob(3) with GLOB_BRACE does; Go's filepath.Glob has no braces.
func expandBraces(p string) []string {
	open := strings.IndexByte(p, '{')
	if open < 0 {
		return []string{p}
	}
	depth, alts, start := 0, []string(nil), open+1
	for i := open; i < len(p); i++ {
		switch p[i] {
		case '{':
			depth++
		case ',':
			if depth == 1 {
				alts = append(alts, p[start:i])
				start = i + 1
			}
		case '}':
			depth--
			if depth == 0 {
				alts = append(alts, p[start:i])
				var out []string
				for _, a := range alts {
					out = append(out, expandBraces(p[:open]+a+p[i+1:])...)
				}
				return out
			}
		}
	}
	return []string{p} // unbalanced: taken literally
}

package config

import (
	"fmt"
	"strings"
)

// Pos is a position in a configuration source: the file (or the pseudo
// name of a command's output or of stdin), a 1-based line and a 1-based
// byte column.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is a configuration error at a position. Its message reads
// "file:line:col: message", the form editors and compilers use.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

func errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Warning is a problem that does not stop featherd from starting, such as
// an option it does not know. Its String reads
// "file:line:col: warning: message".
type Warning struct {
	Pos Pos
	Msg string
}

func (w Warning) String() string { return w.Pos.String() + ": warning: " + w.Msg }

// ErrorList is what loading a configuration returns when it finds more
// than one error in the typed options; the parser itself stops at the
// first syntax error, as lighttpd does.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// err returns nil for an empty list, so callers can return it directly.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

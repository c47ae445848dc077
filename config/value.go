package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// Kind is the type of a configuration value: lighttpd.conf knows strings,
// integers and arrays (lists, hashes, or a mix of both).
type Kind uint8

const (
	KindString Kind = iota + 1
	KindInteger
	KindArray
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindInteger:
		return "integer"
	case KindArray:
		return "array"
	}
	return "unset"
}

// Value is one evaluated configuration value. Values are immutable once
// the configuration is loaded; every merge makes a new one.
type Value struct {
	Kind Kind
	Str  string    // KindString
	Int  int64     // KindInteger, always within int32 as in lighttpd
	List []Element // KindArray, in file order
}

// Element is one entry of an array: a value with an optional key
// ("k" => v). Keys compare ASCII case-insensitively, as lighttpd's do.
type Element struct {
	Key   string
	Keyed bool
	Value Value
	// Pos is where the element was written (its key, if it has one), so
	// a message about one option inside a long array can point at it;
	// zero for elements built in Go. Equal ignores it.
	Pos Pos
}

// StringValue, IntValue and ArrayValue build values; tests and modules use
// them to describe expected configurations.
func StringValue(s string) Value        { return Value{Kind: KindString, Str: s} }
func IntValue(n int64) Value            { return Value{Kind: KindInteger, Int: n} }
func ArrayValue(elems ...Element) Value { return Value{Kind: KindArray, List: elems} }

// Lookup returns the element of an array with the given key, compared
// ASCII case-insensitively.
func (v Value) Lookup(key string) (Value, bool) {
	for _, e := range v.List {
		if e.Keyed && strings.EqualFold(e.Key, key) {
			return e.Value, true
		}
	}
	return Value{}, false
}

// Equal reports whether two values are the same, keys compared as
// lighttpd compares them.
func (v Value) Equal(w Value) bool {
	if v.Kind != w.Kind {
		return false
	}
	switch v.Kind {
	case KindString:
		return v.Str == w.Str
	case KindInteger:
		return v.Int == w.Int
	case KindArray:
		if len(v.List) != len(w.List) {
			return false
		}
		for i, e := range v.List {
			f := w.List[i]
			if e.Keyed != f.Keyed || !strings.EqualFold(e.Key, f.Key) || !e.Value.Equal(f.Value) {
				return false
			}
		}
		return true
	}
	return true
}

// isList reports whether the array has no keys: ( "a", "b" ).
func (v Value) isList() bool {
	for _, e := range v.List {
		if e.Keyed {
			return false
		}
	}
	return true
}

// isHash reports whether every element of the array has a key.
func (v Value) isHash() bool {
	for _, e := range v.List {
		if !e.Keyed {
			return false
		}
	}
	return true
}

var (
	errTypeMismatch = errors.New("data type mismatch, cannot merge")
	errIntOverflow  = errors.New("integer overflow")
)

// maxInt is the largest integer lighttpd's configuration holds (a C int).
const maxInt = math.MaxInt32

// parseInteger reads the digits of an integer token.
func parseInteger(digits string) (int64, error) {
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > maxInt {
		return 0, errors.New("error parsing number: '" + digits + "' (the largest is 2147483647)")
	}
	return n, nil
}

// merge implements '+' and '+=' (lighttpd's configparser_merge_data):
// strings concatenate, integers add, a string and an integer concatenate
// as text, and arrays append, where a key already present is an error
// unless it carries the same string or integer.
func merge(a, b Value) (Value, error) {
	switch {
	case a.Kind == KindString && b.Kind == KindString:
		return StringValue(a.Str + b.Str), nil
	case a.Kind == KindInteger && b.Kind == KindInteger:
		n := a.Int + b.Int
		if n > maxInt {
			return Value{}, errIntOverflow
		}
		return IntValue(n), nil
	case a.Kind == KindString && b.Kind == KindInteger:
		return StringValue(a.Str + strconv.FormatInt(b.Int, 10)), nil
	case a.Kind == KindInteger && b.Kind == KindString:
		return StringValue(strconv.FormatInt(a.Int, 10) + b.Str), nil
	case a.Kind == KindArray && b.Kind == KindArray:
		list := make([]Element, len(a.List), len(a.List)+len(b.List))
		copy(list, a.List)
		out := Value{Kind: KindArray, List: list}
	next:
		for _, e := range b.List {
			if e.Keyed {
				if old, ok := out.Lookup(e.Key); ok {
					if old.Kind == e.Value.Kind && old.Kind != KindArray && old.Equal(e.Value) {
						continue next
					}
					return Value{}, errors.New("duplicate array-key '" + e.Key + "'")
				}
			}
			out.List = append(out.List, e)
		}
		return out, nil
	}
	return Value{}, errTypeMismatch
}

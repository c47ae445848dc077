package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The decoders turn a Value into the Go type of an option, accepting what
// lighttpd's config_plugin_values_init_block accepts. Their errors say
// what was expected; the caller adds the key and position.

func found(v Value) string {
	switch v.Kind {
	case KindString:
		return "string " + quote(v.Str)
	case KindInteger:
		return "integer " + strconv.FormatInt(v.Int, 10)
	}
	return v.Kind.String()
}

// decodeBool accepts enable/enabled/true/1 and disable/disabled/false/0
// in any case, or an integer (non-zero is true).
func decodeBool(v Value) (bool, error) {
	switch v.Kind {
	case KindInteger:
		return v.Int != 0, nil
	case KindString:
		switch strings.ToLower(v.Str) {
		case "enable", "enabled", "true", "1":
			return true, nil
		case "disable", "disabled", "false", "0":
			return false, nil
		}
	}
	return false, fmt.Errorf(`expected "enable" or "disable", found %s`, found(v))
}

// softError is a problem with a value that still leaves a usable one:
// it is reported as a warning and the value applies.
type softError string

func (e softError) Error() string { return string(e) }

// decodeShort accepts 0..65535 (65536 is taken as 65535, as lighttpd
// does), as an integer or a string of digits such as env.PORT gives. A
// larger integer is taken as 65535 with a warning: lighttpd 1.4.69 and
// older silently truncated it, so such values are found in real
// configurations (server.max-keep-alive-requests = 1000000).
func decodeShort(v Value) (int, error) {
	n, err := decodeUint(v)
	switch {
	case err == nil && n <= 65536:
		return int(min(n, 65535)), nil
	case err == nil && v.Kind == KindInteger:
		return 65535, softError(fmt.Sprintf("%d is above 65535, the largest value this option takes; using 65535", n))
	}
	return 0, fmt.Errorf("expected an integer 0 ... 65535, found %s", found(v))
}

// decodeInt accepts 0 ... 4294967295 as an integer or a string of digits.
func decodeInt(v Value) (int, error) {
	n, err := decodeUint(v)
	if err != nil || n > 1<<32-1 {
		return 0, fmt.Errorf("expected an integer 0 ... 4294967295, found %s", found(v))
	}
	return int(n), nil
}

func decodeUint(v Value) (int64, error) {
	switch v.Kind {
	case KindInteger:
		if v.Int >= 0 {
			return v.Int, nil
		}
	case KindString:
		if n, err := strconv.ParseInt(v.Str, 10, 64); err == nil && n >= 0 && v.Str[0] != '+' {
			return n, nil
		}
	}
	return 0, errors.New("not a non-negative integer")
}

func decodeSeconds(v Value) (time.Duration, error) {
	n, err := decodeShort(v)
	return time.Duration(n) * time.Second, err
}

func decodeKiB(v Value) (int64, error) {
	n, err := decodeInt(v)
	return int64(n) << 10, err
}

func decodeString(v Value) (string, error) {
	if v.Kind != KindString {
		return "", fmt.Errorf(`expected a string like "...", found %s`, found(v))
	}
	return v.Str, nil
}

// decodeList accepts a list of strings: ( "a", "b" ).
func decodeList(v Value) ([]string, error) {
	if v.Kind == KindArray && v.isList() {
		out := make([]string, 0, len(v.List))
		for _, e := range v.List {
			if e.Value.Kind != KindString {
				break
			}
			out = append(out, e.Value.Str)
		}
		if len(out) == len(v.List) {
			return out, nil
		}
	}
	return nil, fmt.Errorf(`expected a list of strings like ( "...", "..." ), found %s`, found(v))
}

// decodeHash accepts a list of key => value pairs.
func decodeHash(v Value) ([]Element, error) {
	if v.Kind != KindArray || !v.isHash() {
		return nil, fmt.Errorf(`expected a list of key => values like ( "..." => "..." ), found %s`, found(v))
	}
	return v.List, nil
}

// decodeStringHash accepts a list of key => string pairs.
func decodeStringHash(v Value) ([]Element, error) {
	list, err := decodeHash(v)
	if err == nil {
		for _, e := range list {
			if e.Value.Kind != KindString {
				err = errors.New("")
				break
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf(`expected a list of key => string values like ( "..." => "..." ), found %s`, found(v))
	}
	return list, nil
}

func decodeStreamMode(v Value) (int, error) {
	n, err := decodeShort(v)
	if err != nil || n > 2 {
		return 0, fmt.Errorf("expected 0 (buffer), 1 (stream) or 2 (stream with minimal buffering), found %s", found(v))
	}
	return n, nil
}

func decodeMimeTypes(v Value) (*MimeTypes, error) {
	list, err := decodeStringHash(v)
	if err != nil {
		return nil, err
	}
	return newMimeTypes(list), nil
}

// decodeSocketPerms accepts an octal file mode such as "0660".
func decodeSocketPerms(v Value) (string, error) {
	s, err := decodeString(v)
	if err != nil {
		return "", err
	}
	if n, err := strconv.ParseUint(s, 8, 32); err != nil || n > 0o7777 {
		return "", fmt.Errorf(`expected an octal mode like "0660", found %s`, found(v))
	}
	return s, nil
}

func decodeNetworkBackend(v Value) (string, error) {
	s, err := decodeString(v)
	if err != nil {
		return "", err
	}
	switch s {
	case "sendfile", "linux-sendfile", "writev", "write":
		return s, nil
	}
	return "", fmt.Errorf(`expected "sendfile", "linux-sendfile", "writev" or "write", found %s`, found(v))
}

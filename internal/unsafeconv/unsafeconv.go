// Package unsafeconv holds featherd's one unsafe conversion: viewing a
// byte slice as a string without copying it, for lookups and parsed
// fields that point into buffers the caller owns.
package unsafeconv

import "unsafe"

// String returns b's bytes as a string without copying. The string is
// valid only while b is neither modified nor reused: callers use it for
// values that do not outlive the buffer (a request's fields, a map
// lookup).
func String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

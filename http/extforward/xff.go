package extforward

// lastUntrusted returns the rightmost address of an X-Forwarded-For list
// that is not a trusted proxy, or "" when every one is (lighttpd's
// last_not_in_array over extract_forward_array). Each proxy appends the
// address it got the request from, so the rightmost entries were written
// by proxies featherd trusts, and the first untrusted one from the right
// is the furthest the chain can be believed.
//
// As in lighttpd, the list is not split on commas: an entry is a run of
// hex digits, ':' and '.' that starts with a hex digit or ':', and
// everything else separates entries. So "unknown" is skipped, while
// "[2001:db8::1]:443" yields ":443", an entry that is no address.
func lastUntrusted(list string, f *forwarder, scratch *[]byte) string {
	end := len(list)
	for end > 0 {
		for end > 0 && !isAddrChar(list[end-1]) {
			end--
		}
		start := end
		for start > 0 && isAddrChar(list[start-1]) {
			start--
		}
		entry := list[start:end]
		for len(entry) > 0 && entry[0] == '.' {
			entry = entry[1:]
		}
		end = start
		if entry != "" && !f.trusted(entry, scratch) {
			return entry
		}
	}
	return ""
}

func isAddrChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.'
}

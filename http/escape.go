package http

// AppendPathEscaped appends path percent-encoded for a Location header:
// unreserved characters and '/' stay, every other byte becomes %XX, as
// lighttpd's ENCODING_REL_URI does (a space is %20, "ä" is %C3%A4).
func AppendPathEscaped(dst []byte, path string) []byte {
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

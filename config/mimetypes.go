package config

import (
	"strings"
	"sync"
)

// MimeTypes maps file names to media types (mimetype.assign). Keys are
// suffixes such as ".html" or ".tar.gz", or whole names such as "README";
// the key "" is the fallback. A MimeTypes is immutable and safe to share.
type MimeTypes struct {
	list  []MimeType        // in configured order, for printing
	exact map[string]string // lower-cased key -> type
}

// MimeType is one mimetype.assign entry.
type MimeType struct {
	Suffix string
	Type   string
}

func newMimeTypes(list []Element) *MimeTypes {
	m := &MimeTypes{exact: make(map[string]string, len(list))}
	for _, e := range list {
		t := e.Value.Str
		// lighttpd rewrites the obsolete type for .js to the current one.
		if strings.EqualFold(e.Key, ".js") && t == "application/javascript" {
			t = "text/javascript"
		}
		m.list = append(m.list, MimeType{Suffix: e.Key, Type: t})
		m.exact[strings.ToLower(e.Key)] = t
	}
	return m
}

// Entries returns the table in configured order.
func (m *MimeTypes) Entries() []MimeType { return m.list }

// Lookup returns the media type for a file name (or path) as lighttpd
// does. A table of fewer than 16 entries is searched in order for the
// first key that is a suffix of the name. A larger one is searched for the
// whole base name, then the longest ".ext2.ext1" suffix down to ".ext1"
// (each also without its leading dot), then the "" fallback. Lookup
// reports false when nothing matches, in which case lighttpd sends
// application/octet-stream without caching headers. It does not allocate
// for names of up to 64 bytes.
func (m *MimeTypes) Lookup(name string) (string, bool) {
	if len(m.list) < 16 {
		for _, e := range m.list {
			if len(e.Suffix) <= len(name) && strings.EqualFold(name[len(name)-len(e.Suffix):], e.Suffix) {
				return e.Type, true
			}
		}
		return "", false
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if t, ok := m.get(name); ok {
		return t, true
	}
	// A leading dot starts a hidden file's name, not an extension.
	for i := 1; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		if t, ok := m.get(name[i:]); ok {
			return t, true
		}
		if i+1 < len(name) && name[i+1] != '.' {
			if t, ok := m.get(name[i+1:]); ok {
				return t, true
			}
		}
	}
	t, ok := m.exact[""]
	return t, ok
}

// get looks a key up case-insensitively without allocating for short keys.
func (m *MimeTypes) get(key string) (string, bool) {
	var buf [64]byte
	if len(key) > len(buf) {
		t, ok := m.exact[strings.ToLower(key)]
		return t, ok
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	t, ok := m.exact[string(buf[:len(key)])]
	return t, ok
}

// DefaultMimeTypes returns lighttpd's built-in table, used when
// mimetype.assign is not configured.
var DefaultMimeTypes = sync.OnceValue(func() *MimeTypes {
	list := make([]Element, 0, len(defaultMimeTypes)/2)
	for i := 0; i < len(defaultMimeTypes); i += 2 {
		list = append(list, Element{Key: defaultMimeTypes[i], Keyed: true, Value: StringValue(defaultMimeTypes[i+1])})
	}
	return newMimeTypes(list)
})

// defaultMimeTypes is lighttpd 1.4's config_mimetypes_default table.
var defaultMimeTypes = []string{
	".html", "text/html",
	".htm", "text/html",
	".txt", "text/plain;charset=utf-8",
	".text", "text/plain;charset=utf-8",
	".css", "text/css;charset=utf-8",
	".js", "text/javascript",
	".mjs", "text/javascript",
	".xml", "text/xml",

	".aac", "audio/aac",
	".flac", "audio/flac",
	".m4a", "audio/mp4",
	".mp3", "audio/mpeg",
	".oga", "audio/ogg",
	".ogg", "audio/ogg",
	".opus", "audio/opus",
	".wav", "audio/x-wav",
	".weba", "audio/webm",
	".ogx", "application/ogg",

	".apng", "image/apng",
	".avif", "image/avif",
	".bmp", "image/bmp",
	".gif", "image/gif",
	".jpeg", "image/jpeg",
	".jpg", "image/jpeg",
	".png", "image/png",
	".svg", "image/svg+xml",
	".svgz", "image/svg+xml",
	".tiff", "image/tiff",
	".webp", "image/webp",

	".avi", "video/x-msvideo",
	".mkv", "video/x-matroska",
	".m4v", "video/mp4",
	".mp4", "video/mp4",
	".mpeg", "video/mpeg",
	".mpg", "video/mpeg",
	".ogv", "video/ogg",
	".mov", "video/quicktime",
	".qt", "video/quicktime",
	".webm", "video/webm",

	".json", "application/json",
	".dtd", "application/xml-dtd",
	".pdf", "application/pdf",
	".xhtml", "application/xhtml+xml",
	".xsl", "application/xslt+xml",
	".xslt", "application/xslt+xml",

	".eot", "application/vnd.ms-fontobject",
	".otf", "font/otf",
	".sfnt", "font/sfnt",
	".ttc", "font/collection",
	".ttf", "font/ttf",
	".woff", "font/woff",
	".woff2", "font/woff2",

	".conf", "text/plain",
	".log", "text/plain",
	".csv", "text/csv",
	".rst", "text/x-rst",
	".rtf", "text/rtf",
	".ics", "text/calendar",
	".md", "text/markdown;charset=utf-8",
	".ico", "image/vnd.microsoft.icon",

	// Explicit types for archives, even application/octet-stream: in a
	// configured table without a "" entry, a name that matches nothing is
	// sent without ETag and Last-Modified.
	".7z", "application/x-7z-compressed",
	".bz2", "application/x-bzip2",
	".gz", "application/gzip",
	".rar", "application/vnd.rar",
	".tar", "application/x-tar",
	".tar.gz", "application/x-gtar-compressed",
	".tgz", "application/x-gtar-compressed",
	".xz", "application/x-xz",
	".zip", "application/zip",
	".zst", "application/zstd",

	".bin", "application/octet-stream",
	".class", "application/java-vm",
	".dll", "application/x-msdos-program",
	".exe", "application/x-msdos-program",
	".img", "application/octet-stream",
	".iso", "application/x-iso9660-image",
	".jar", "application/java-archive",
	".lha", "application/x-lha",
	".lhz", "application/x-lzh",
	".so", "application/octet-stream",
	".torrent", "application/x-bittorrent",

	".deb", "application/vnd.debian.binary-package",
	".dmg", "application/x-apple-diskimage",
	".rpm", "application/x-redhat-package-manager",
	".sig", "application/pgp-signature",

	"README", "text/plain;charset=utf-8",

	"", "application/octet-stream",
}

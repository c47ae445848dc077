package config

import (
	"strconv"
	"testing"
)

// mimeTable builds a table from suffix, type pairs in order.
func mimeTable(pairs ...string) *MimeTypes {
	var list []Element
	for i := 0; i+1 < len(pairs); i += 2 {
		list = append(list, Element{Key: pairs[i], Keyed: true, Value: StringValue(pairs[i+1])})
	}
	return newMimeTypes(list)
}

// mimeLarge pads pairs with unrelated entries up to 16, the size from
// which lighttpd's stat_cache_mimetype_by_ext stops scanning in order and
// looks names up instead.
func mimeLarge(pairs ...string) *MimeTypes {
	for i := 0; len(pairs) < 32; i++ {
		pairs = append(pairs, ".pad"+strconv.Itoa(i), "application/x-pad")
	}
	return mimeTable(pairs...)
}

type mimeCase struct {
	name string
	file string
	want string
	ok   bool
}

func mimeRun(t *testing.T, m *MimeTypes, tests []mimeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := m.Lookup(tt.file)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.file, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestMimeTypesSmallTable(t *testing.T) {
	m := mimeTable(
		".gz", "application/gzip",
		".tar.gz", "application/x-gtar-compressed", // never reached: ".gz" comes first
		".HTML", "text/html",
		"README", "text/plain",
		"z", "application/x-z",
		"", "application/octet-stream",
	)
	if len(m.Entries()) >= 16 {
		t.Fatal("table is not small")
	}
	mimeRun(t, m, []mimeCase{
		{"first suffix in order, not longest", "a.tar.gz", "application/gzip", true},
		{"case-insensitive key", "index.html", "text/html", true},
		{"case-insensitive name", "INDEX.HTML", "text/html", true},
		{"whole name", "README", "text/plain", true},
		// Suffixes of the whole path, not of the base name.
		{"suffix of a longer name", "NOTREADME", "text/plain", true},
		{"in a directory", "/docs/README", "text/plain", true},
		{"key without a dot", "x.zz", "application/x-z", true},
		{"empty key matches anything", "x.bin", "application/octet-stream", true},
		{"empty name", "", "application/octet-stream", true},
	})
	t.Run("no match", func(t *testing.T) {
		m := mimeTable(".html", "text/html", ".css", "text/css")
		if got, ok := m.Lookup("a.js"); got != "" || ok {
			t.Errorf("Lookup = %q, %v; want \"\", false", got, ok)
		}
	})
	t.Run("empty key first catches all", func(t *testing.T) {
		m := mimeTable("", "application/octet-stream", ".html", "text/html")
		if got, _ := m.Lookup("a.html"); got != "application/octet-stream" {
			t.Errorf("Lookup = %q, want the first entry's type", got)
		}
	})
	t.Run("15 entries are still scanned", func(t *testing.T) {
		pairs := []string{".gz", "application/gzip", ".tar.gz", "application/x-gtar-compressed"}
		for i := 0; len(pairs) < 30; i++ {
			pairs = append(pairs, ".pad"+strconv.Itoa(i), "application/x-pad")
		}
		m := mimeTable(pairs...)
		if got, _ := m.Lookup("a.tar.gz"); got != "application/gzip" {
			t.Errorf("Lookup = %q, want the first suffix in order", got)
		}
	})
}

func TestMimeTypesLargeTable(t *testing.T) {
	m := mimeLarge(
		".gz", "application/gzip",
		".tar.gz", "application/x-gtar-compressed",
		"tgz", "application/x-tgz", // no leading dot
		"tar.xz", "application/x-txz",
		".HTML", "text/html",
		"README", "text/plain",
		"bashrc", "text/x-shellscript",
		".b", "text/x-b",
		"", "application/octet-stream",
	)
	if len(m.Entries()) < 16 {
		t.Fatal("table is not large")
	}
	mimeRun(t, m, []mimeCase{
		{"longest extension first", "a.tar.gz", "application/x-gtar-compressed", true},
		{"longest known extension", "a.b.tar.gz", "application/x-gtar-compressed", true},
		{"single extension", "a.gz", "application/gzip", true},
		{"key without a leading dot", "a.tgz", "application/x-tgz", true},
		{"double extension without a leading dot", "a.tar.xz", "application/x-txz", true},
		{"case-insensitive", "A.TAR.GZ", "application/x-gtar-compressed", true},
		{"case-insensitive key", "index.html", "text/html", true},
		{"base name", "README", "text/plain", true},
		{"base name case-insensitive", "readme", "text/plain", true},
		{"base name in a directory", "/docs/README", "text/plain", true},
		// Only the base name counts: no suffix matching as in small tables.
		{"not a suffix of the name", "NOTREADME", "application/octet-stream", true},
		{"dots in directories ignored", "/dir.gz/file", "application/octet-stream", true},
		{"base name with an extension", "README.gz", "application/gzip", true},
		{"consecutive dots", "a..b", "text/x-b", true},
		{"trailing dot", "file.", "application/octet-stream", true},
		{"no extension", "Makefile", "application/octet-stream", true},
		{"empty name", "", "application/octet-stream", true},
		{"directory only", "/docs/", "application/octet-stream", true},
		// The leading dot of a hidden file is not an extension: lighttpd
		// starts looking for '.' after the first character.
		{"hidden file", ".bashrc", "application/octet-stream", true},
		{"hidden file in a directory", "/home/u/.bashrc", "application/octet-stream", true},
		{"long name", "/x/a-very-long-file-name-that-is-longer-than-sixty-four-bytes-for-sure.tar.gz", "application/x-gtar-compressed", true},
	})
	t.Run("no fallback", func(t *testing.T) {
		m := mimeLarge(".html", "text/html")
		if got, ok := m.Lookup("a.js"); got != "" || ok {
			t.Errorf("Lookup = %q, %v; want \"\", false", got, ok)
		}
	})
}

func TestMimeTypesDefault(t *testing.T) {
	m := DefaultMimeTypes()
	if DefaultMimeTypes() != m {
		t.Error("DefaultMimeTypes returns a new table each call")
	}
	if n := len(m.Entries()); n != 87 {
		t.Errorf("%d entries, want lighttpd's 87", n)
	}
	mimeRun(t, m, []mimeCase{
		{"html", "/index.html", "text/html", true},
		{"htm", "a.htm", "text/html", true},
		{"txt", "a.txt", "text/plain;charset=utf-8", true},
		{"css", "a.css", "text/css;charset=utf-8", true},
		{"js", "a.js", "text/javascript", true},
		{"mjs", "a.mjs", "text/javascript", true},
		{"jpg upper case", "PHOTO.JPG", "image/jpeg", true},
		{"svg", "a.svg", "image/svg+xml", true},
		{"woff2", "a.woff2", "font/woff2", true},
		{"json", "a.json", "application/json", true},
		{"md", "a.md", "text/markdown;charset=utf-8", true},
		{"tar.gz", "a.tar.gz", "application/x-gtar-compressed", true},
		{"gz", "a.gz", "application/gzip", true},
		{"tgz", "a.tgz", "application/x-gtar-compressed", true},
		{"README", "/usr/share/doc/README", "text/plain;charset=utf-8", true},
		{"readme", "readme", "text/plain;charset=utf-8", true},
		{"unknown", "a.xyz", "application/octet-stream", true},
		{"no extension", "LICENSE", "application/octet-stream", true},
	})
}

// TestMimeTypesLookupAllocs: Lookup runs for every static file served.
func TestMimeTypesLookupAllocs(t *testing.T) {
	small := mimeTable(".html", "text/html", ".css", "text/css", "", "application/octet-stream")
	tests := []struct {
		name string
		m    *MimeTypes
		file string
	}{
		{"small table", small, "/static/Index.HTML"},
		{"default table, extension", DefaultMimeTypes(), "/static/Archive.Tar.Gz"},
		{"default table, base name", DefaultMimeTypes(), "/docs/README"},
		{"default table, fallback", DefaultMimeTypes(), "/bin/some.unknown.ext"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if allocs := testing.AllocsPerRun(100, func() { tt.m.Lookup(tt.file) }); allocs != 0 {
				t.Errorf("Lookup(%q): %v allocations, want 0", tt.file, allocs)
			}
		})
	}
}

func BenchmarkMimeTypesLookup(b *testing.B) {
	m := DefaultMimeTypes()
	b.ReportAllocs()
	for b.Loop() {
		m.Lookup("/static/js/app.min.js")
	}
}

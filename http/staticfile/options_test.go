package staticfile_test

import (
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/reactor/reactortest"
)

// TestOptions: static-file.exclude-extensions (compared without regard
// to case), static-file.etags and static-file.disable-pathinfo, globally
// and in conditional blocks, which replace the global values.
func TestOptions(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: `static-file.exclude-extensions = ( ".inc", "~" )
$HTTP["url"] =^ "/other/" {
  static-file.exclude-extensions = ( ".txt" )
  static-file.etags = "disable"
}
$HTTP["url"] =^ "/pi/" {
  static-file.disable-pathinfo = "enable"
}`,
		Files: map[string]string{
			"a.txt": "a", "b.inc": "b", "UP.INC": "up", "c.html~": "c",
			"other/a.txt": "a", "other/b.inc": "b", "pi/f.txt": "f",
		},
	})
	for _, tc := range []struct {
		path   string
		status int
		etag   bool
	}{
		{"/a.txt", 200, true},
		{"/b.inc", 403, false},
		{"/UP.INC", 403, false},
		{"/c.html~", 403, false},
		{"/other/a.txt", 403, false},
		{"/other/b.inc", 200, false}, // the block's list replaces the global one
		{"/a.txt/more", 200, true},   // PATH_INFO is served by default
		{"/pi/f.txt", 200, true},
		{"/pi/f.txt/more", 403, false},
	} {
		r := s.Get(tc.path)
		if r.Status != tc.status || (r.Header("ETag") != "") != tc.etag {
			t.Errorf("GET %s: %d, ETag %q; want %d, ETag %v", tc.path, r.Status, r.Header("ETag"), tc.status, tc.etag)
		}
	}
}

// TestOptionErrors: values of the wrong type stop the configuration at
// the setting.
func TestOptionErrors(t *testing.T) {
	for _, tc := range []struct{ conf, err string }{
		{`static-file.exclude-extensions = ".php"`,
			`test.conf:2:1: static-file.exclude-extensions: expected a list of strings like ( "...", "..." ), found string ".php"`},
		{`static-file.exclude-extensions = ( ".php" => "x" )`,
			`test.conf:2:1: static-file.exclude-extensions: expected a list of strings like ( "...", "..." ), found array`},
		{`static-file.etags = "sometimes"`,
			`test.conf:2:1: static-file.etags: expected "enable" or "disable", found string "sometimes"`},
		{"$HTTP[\"url\"] =^ \"/a/\" {\n  static-file.disable-pathinfo = ( 1 )\n}",
			`test.conf:3:3: static-file.disable-pathinfo: expected "enable" or "disable", found array`},
	} {
		_, err := config.Parse("test.conf", "server.document-root = \"/srv/www\"\n"+tc.conf+"\n", "", config.LoadOptions{})
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s:\n got %v\nwant %s", tc.conf, err, tc.err)
		}
	}
}

// TestKeysKnown: mod_staticfile is loaded whether server.modules lists it
// or not, so its keys draw no warning; with server.compat-module-load
// disabled and the module not listed, nothing reads them, and they are
// unknown, as in lighttpd.
func TestKeysKnown(t *testing.T) {
	const keys = "static-file.exclude-extensions = ( \".inc\" )\nstatic-file.etags = \"disable\"\nstatic-file.disable-pathinfo = \"enable\"\n"
	for _, tc := range []struct {
		name, conf string
		warns      []string
	}{
		{"not listed", keys, nil},
		{"listed", "server.modules = ( \"mod_staticfile\" )\n" + keys, nil},
		{"not loaded", "server.compat-module-load = \"disable\"\n" + keys, []string{
			"test.conf:3:1: warning: unknown config-key: static-file.exclude-extensions (ignored)",
			"test.conf:4:1: warning: unknown config-key: static-file.etags (ignored)",
			"test.conf:5:1: warning: unknown config-key: static-file.disable-pathinfo (ignored)",
		}},
	} {
		c, err := config.Parse("test.conf", "server.document-root = \"/srv/www\"\n"+tc.conf, "", config.LoadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, w := range c.Warnings {
			got = append(got, w.String())
		}
		if strings.Join(got, "\n") != strings.Join(tc.warns, "\n") {
			t.Errorf("%s: warnings\n%s\nwant\n%s", tc.name, strings.Join(got, "\n"), strings.Join(tc.warns, "\n"))
		}
	}
}

package indexfile_test

import (
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/reactor/reactortest"
)

// TestIndexFiles: a directory is served by the first index file that
// exists; a name starting with '/' comes from the document root; a
// directory without one is 403.
func TestIndexFiles(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: `index-file.names = ( "missing.html", "index.txt", "/fallback.txt" )`,
		Files: map[string]string{
			"index.txt":      "root index",
			"a/index.txt":    "a index",
			"b/other.txt":    "b",
			"fallback.txt":   "fallback",
			"c/d/index.html": "not an index here",
		},
	})
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/", 200, "root index"},
		{"/a/", 200, "a index"},
		{"/b/", 200, "fallback"},
		{"/a", 301, ""},
	} {
		r := s.Get(tc.path)
		if r.Status != tc.status || tc.body != "" && string(r.Body) != tc.body {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, r.Status, r.Body, tc.status, tc.body)
		}
	}
	s2 := reactortest.Start(t, reactortest.Options{
		Conf:  `index-file.names = ( "index.html" )`,
		Files: map[string]string{"a/x.txt": "x"},
	})
	if r := s2.Get("/a/"); r.Status != 403 {
		t.Errorf("directory without index: %d, want 403", r.Status)
	}
}

// TestOptionScopes: server.indexfiles is index-file.names by its old
// name, and a conditional block's list replaces the global one.
func TestOptionScopes(t *testing.T) {
	s := reactortest.Start(t, reactortest.Options{
		Conf: `server.indexfiles = ( "index.htm" )
$HTTP["url"] =^ "/b/" {
  index-file.names = ( "home.html" )
}`,
		Files: map[string]string{
			"a/index.htm": "a index", "a/home.html": "a home",
			"b/index.htm": "b index", "b/home.html": "b home",
		},
	})
	for path, want := range map[string]string{"/a/": "a index", "/b/": "b home"} {
		if r := s.Get(path); r.Status != 200 || string(r.Body) != want {
			t.Errorf("GET %s: %d %q, want 200 %q", path, r.Status, r.Body, want)
		}
	}
}

// TestOptionErrors: once mod_indexfile is loaded, a value that is not a
// list of strings stops the configuration at the setting.
func TestOptionErrors(t *testing.T) {
	for _, tc := range []struct{ conf, err string }{
		{"index-file.names = ( \"index.html\" )\n$HTTP[\"url\"] =^ \"/a/\" {\n  index-file.names = \"home.html\"\n}",
			`test.conf:4:3: index-file.names: expected a list of strings like ( "...", "..." ), found string "home.html"`},
		{"index-file.names = ( \"index.html\" )\n$HTTP[\"url\"] =^ \"/a/\" {\n  server.indexfiles = ( \"index.html\" => 1 )\n}",
			`test.conf:4:3: server.indexfiles: expected a list of strings like ( "...", "..." ), found array`},
	} {
		_, err := config.Parse("test.conf", "server.document-root = \"/srv/www\"\n"+tc.conf+"\n", "", config.LoadOptions{})
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s:\n got %v\nwant %s", tc.conf, err, tc.err)
		}
	}
}

// TestKeysKnown: index-file.names loads mod_indexfile, so it draws no
// warning. An empty list, or a string, loads nothing, and then the key is
// unknown and no index file is served, as in lighttpd (whose
// config_has_opt_enabled counts neither as enabled).
func TestKeysKnown(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		modules    []string
		warns      []string
	}{
		{"index-file.names", "index-file.names = ( \"index.html\" )\n",
			[]string{"mod_indexfile", "mod_staticfile"}, nil},
		{"server.indexfiles in a block", "$HTTP[\"host\"] == \"a\" {\n  server.indexfiles = ( \"index.html\" )\n}\n",
			[]string{"mod_indexfile", "mod_staticfile"}, nil},
		{"empty", "index-file.names = ()\n",
			[]string{"mod_staticfile"}, []string{"test.conf:2:1: warning: unknown config-key: index-file.names (ignored)"}},
		{"a string", "index-file.names = \"index.html\"\n",
			[]string{"mod_staticfile"}, []string{"test.conf:2:1: warning: unknown config-key: index-file.names (ignored)"}},
	} {
		c, err := config.Parse("test.conf", "server.document-root = \"/srv/www\"\n"+tc.conf, "", config.LoadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, w := range c.Warnings {
			got = append(got, w.String())
		}
		if strings.Join(c.Modules, ",") != strings.Join(tc.modules, ",") {
			t.Errorf("%s: modules %q, want %q", tc.name, c.Modules, tc.modules)
		}
		if strings.Join(got, "\n") != strings.Join(tc.warns, "\n") {
			t.Errorf("%s: warnings\n%s\nwant\n%s", tc.name, strings.Join(got, "\n"), strings.Join(tc.warns, "\n"))
		}
	}
}

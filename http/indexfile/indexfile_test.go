package indexfile_test

import (
	"testing"

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

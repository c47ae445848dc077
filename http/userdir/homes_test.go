package userdir

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/http/statcache"
)

// TestHomeCache: the last two users whose directory was found are looked
// up again only after a minute; users not found, or without the
// directory, are looked up every time.
func TestHomeCache(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []string{"a", "b", "c"} {
		if err := os.MkdirAll(filepath.Join(dir, u, "public_html"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "nodir"), 0o755); err != nil {
		t.Fatal(err)
	}
	lookups := map[string]int{}
	h := homes{lookup: func(name string) (string, bool) {
		lookups[name]++
		if name == "ghost" {
			return "", false
		}
		return filepath.Join(dir, name), true
	}}
	r := &pipeline.Request{StatCache: statcache.New(false)}
	steps := []struct {
		now     int64
		user    string
		found   bool
		lookups int // of user, so far
	}{
		{1, "a", true, 1},
		{1, "a", true, 1},
		{2, "b", true, 1},
		{60, "a", true, 1},
		{3, "c", true, 1}, // replaces a, the oldest
		{3, "b", true, 1},
		{3, "a", true, 2},  // replaces b
		{62, "c", true, 1}, // 59 seconds old
		{63, "c", true, 2}, // a minute old
		{62, "ghost", false, 1},
		{62, "ghost", false, 2},
		{62, "nodir", false, 1},
		{62, "nodir", false, 2},
	}
	for i, s := range steps {
		r.Now = s.now
		got, ok := h.appendDir(nil, r, s.user, "public_html")
		if ok != s.found || lookups[s.user] != s.lookups {
			t.Fatalf("step %d (%s at %d): found %v after %d lookups, want %v after %d", i, s.user, s.now, ok, lookups[s.user], s.found, s.lookups)
		}
		if want := filepath.Join(dir, s.user, "public_html"); ok && string(got) != want {
			t.Fatalf("step %d: %s, want %s", i, got, want)
		}
	}
}

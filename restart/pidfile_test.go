package restart

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestPidFileNotThroughLinks: links planted in the pid file's directory,
// at the temporary name featherd used to write through and at the pid
// file itself, are never written through: the pid file ends up a regular
// file of its own, readable by all, and nothing else is left in the
// directory.
func TestPidFileNotThroughLinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "target")
	if err := os.WriteFile(target, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "featherd.pid")
	for _, link := range []string{path + ".tmp", path} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	if err := writePidFile(path); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "untouched" {
		t.Errorf("the link's target was written: %q, %v", b, err)
	}
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Fatalf("pid file %v, %v; want a regular file with mode 0644", fi, err)
	}
	if b, _ := os.ReadFile(path); string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("pid file holds %q", b)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"featherd.pid", "featherd.pid.tmp"}; !slices.Equal(names, want) {
		t.Errorf("directory holds %v, want %v", names, want)
	}
	removePidFile(path)
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("pid file not removed: %v", err)
	}
}

// TestRemovePidFileFIFO: a FIFO put in the pid file's place does not
// block the master's exit, and is left alone.
func TestRemovePidFileFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "featherd.pid")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		removePidFile(path)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("removePidFile blocks on a FIFO")
	}
	if _, err := os.Lstat(path); err != nil {
		t.Errorf("the FIFO was removed: %v", err)
	}
}

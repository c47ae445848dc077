package chunkqueue

import (
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// fdOpen reports whether fd is an open descriptor.
func fdOpen(fd int) bool {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err == nil
}

// TestFileRefcount shares one File between goroutines that take and drop
// references concurrently (run it with -race): the descriptor stays open
// until the last reference goes, and closes then.
func TestFileRefcount(t *testing.T) {
	before := openFds(t)
	f := tempFile(t, pattern(100, 0))
	fd := f.Fd()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		f.Ref() // each goroutine's own reference, taken before it starts
		go func() {
			defer wg.Done()
			defer f.Release()
			var q Queue
			for i := range 2000 {
				f.Ref()
				if i%2 == g%2 {
					q.AppendFile(f, 0, 100) // a queue's reference too
					q.Reset()
				}
				f.Release()
			}
		}()
	}
	wg.Wait()
	if !fdOpen(fd) {
		t.Fatal("closed while a reference is held")
	}
	f.Release()
	checkNoLeak(t, before)
}

func TestFileReleaseTooOften(t *testing.T) {
	f := tempFile(t, nil)
	f.Release()
	defer func() {
		if recover() == nil {
			t.Error("no panic for a Release without a reference")
		}
	}()
	f.Release()
}

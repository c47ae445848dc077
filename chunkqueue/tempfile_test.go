package chunkqueue

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// spoolPieces spools pieces of varying size until total bytes were given
// and returns them concatenated, checking after every call that the temp
// dir stays empty.
func spoolPieces(t *testing.T, q *Queue, s *SpoolConfig, total int, check func(spooled int)) []byte {
	t.Helper()
	var want []byte
	for i := 0; len(want) < total; i++ {
		piece := pattern(1+i*7919%20000, byte(i))
		if err := q.Spool(piece, s); err != nil {
			t.Fatalf("Spool: %v", err)
		}
		want = append(want, piece...)
		for _, d := range s.Dirs {
			dirEmpty(t, d)
		}
		if check != nil {
			check(len(want))
		}
	}
	return want
}

func TestSpool(t *testing.T) {
	for _, tmpfile := range []bool{true, false} {
		name := "O_TMPFILE"
		if !tmpfile {
			name = "create+unlink"
		}
		t.Run(name, func(t *testing.T) {
			useTmpfile = tmpfile
			t.Cleanup(func() { useTmpfile = true })
			dir := t.TempDir()
			s := &SpoolConfig{Dirs: []string{dir}}
			before := openFds(t)
			var q Queue
			mem := -1 // bytes kept in memory before the first spill
			// lighttpd would spread 8 MiB over 8 temp files of
			// server.upload-temp-file-size's default 1 MiB.
			want := spoolPieces(t, &q, s, 8<<20+12345, func(spooled int) {
				files := fdsUnder(t, dir)
				if files == 0 {
					if spooled > DefaultMemLimit {
						t.Fatalf("%d bytes spooled and no temp file", spooled)
					}
					return
				}
				if mem < 0 {
					mem = int(q.memLen)
				}
				if files != 1 {
					t.Fatalf("%d bytes on disk in %d temp files; want one", spooled-mem, files)
				}
			})
			if mem <= 0 || mem > DefaultMemLimit {
				t.Fatalf("%d bytes held in memory; want some, at most %d", mem, DefaultMemLimit)
			}
			if q.Len() != int64(len(want)) {
				t.Fatalf("Len %d, want %d", q.Len(), len(want))
			}
			sameBytes(t, drain(t, &q), want)
			checkNoLeak(t, before) // every temp file closed once written out

			// Reset, not writing, must close them too.
			spoolPieces(t, &q, s, 500<<10, nil)
			if fdsUnder(t, dir) == 0 {
				t.Fatal("no temp file open")
			}
			q.Reset()
			checkNoLeak(t, before)
			dirEmpty(t, dir)
		})
	}
}

// TestSpoolKeepsAppendingToDisk: once a queue ends in a temp file, small
// appends go there too, so memory and disk do not interleave.
func TestSpoolKeepsAppendingToDisk(t *testing.T) {
	dir := t.TempDir()
	s := &SpoolConfig{Dirs: []string{dir}, MemLimit: 1000}
	var q Queue
	defer q.Reset()
	q.Spool(pattern(900, 1), s)
	q.Spool(pattern(200, 2), s) // over the limit: a temp file
	q.Spool(pattern(10, 3), s)  // small, but after a temp file
	if q.memLen != 900 || fdsUnder(t, dir) != 1 {
		t.Fatalf("%d bytes in memory, %d temp files; want 900 and 1", q.memLen, fdsUnder(t, dir))
	}
	want := append(append(pattern(900, 1), pattern(200, 2)...), pattern(10, 3)...)
	sameBytes(t, drain(t, &q), want)
}

// failWritesIn makes pwrite fail with errno for temp files in dir once
// limit bytes went there.
func failWritesIn(t *testing.T, dir string, limit int, errno unix.Errno) {
	written := 0
	pwriteFn = func(fd int, p []byte, off int64) (int, error) {
		link, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
		if strings.HasPrefix(link, dir+"/") {
			if written >= limit {
				return -1, errno
			}
			if left := limit - written; len(p) > left {
				p = p[:left]
			}
			written += len(p)
		}
		return unix.Pwrite(fd, p, off)
	}
	t.Cleanup(func() { pwriteFn = unix.Pwrite })
}

func TestSpoolNextDir(t *testing.T) {
	for _, tc := range []struct {
		name  string
		errno unix.Errno
	}{
		{"ENOSPC", unix.ENOSPC},
		{"EDQUOT", unix.EDQUOT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full, spare := t.TempDir(), t.TempDir()
			failWritesIn(t, full, 150<<10, tc.errno)
			s := &SpoolConfig{Dirs: []string{full, spare}}
			before := openFds(t)
			var q Queue
			want := spoolPieces(t, &q, s, 600<<10, nil)
			if fdsUnder(t, full) != 1 || fdsUnder(t, spare) != 1 {
				t.Fatalf("temp files: %d in the full dir, %d in the spare; want 1 (what fitted) and 1 (the rest)",
					fdsUnder(t, full), fdsUnder(t, spare))
			}
			sameBytes(t, drain(t, &q), want)
			q.Reset()
			checkNoLeak(t, before)
		})
	}
	t.Run("every dir full", func(t *testing.T) {
		dir := t.TempDir()
		failWritesIn(t, dir, 0, unix.ENOSPC)
		s := &SpoolConfig{Dirs: []string{dir}}
		before := openFds(t)
		var q Queue
		err := q.Spool(pattern(DefaultMemLimit+1, 0), s)
		if !errors.Is(err, unix.ENOSPC) {
			t.Fatalf("Spool: %v; want ENOSPC", err)
		}
		q.Reset()
		checkNoLeak(t, before)
	})
	t.Run("missing dir", func(t *testing.T) {
		spare := t.TempDir()
		s := &SpoolConfig{Dirs: []string{spare + "/missing", spare}}
		var q Queue
		defer q.Reset()
		want := pattern(DefaultMemLimit+1, 0)
		if err := q.Spool(want, s); err != nil {
			t.Fatal(err)
		}
		if fdsUnder(t, spare) != 1 {
			t.Fatalf("%d temp files in the second dir; want 1", fdsUnder(t, spare))
		}
		sameBytes(t, drain(t, &q), want)
	})
}

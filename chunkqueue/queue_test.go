package chunkqueue

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// drain writes q to a fresh socket pair and returns what arrived.
func drain(t *testing.T, q *Queue) []byte {
	t.Helper()
	p := unixPair(t, pairOpts{})
	defer p.closeReader()
	rd := startReader(p.r, q.Len(), readerOpts{})
	writeAll(t, NewWriter("sendfile"), p.w, q, MaxWriteLimit)
	data := waitReader(t, rd).data
	p.closeWriter()
	return data
}

func TestQueueWriteOrder(t *testing.T) {
	var q Queue
	defer q.Reset()
	var want bytes.Buffer
	q.WriteString("body-1 ")
	q.Write(pattern(3*ChunkSize+5, 2)) // spans chunks
	q.WriteString(" body-2")
	want.WriteString("body-1 ")
	want.Write(pattern(3*ChunkSize+5, 2))
	want.WriteString(" body-2")
	head := GetBuffer()
	head.B = append(head.B, "HEAD "...)
	q.PrependBuffer(head)
	q.PrependBuffer(GetBuffer()) // an empty one changes nothing
	if q.Len() != int64(want.Len()+5) {
		t.Fatalf("Len %d, want %d", q.Len(), want.Len()+5)
	}
	if q.ShouldCork() {
		t.Error("ShouldCork with memory chunks only")
	}
	got := drain(t, &q)
	sameBytes(t, got, append([]byte("HEAD "), want.Bytes()...))
	if q.Len() != 0 || q.BytesOut() != int64(len(got)) {
		t.Errorf("after writing: Len %d, BytesOut %d", q.Len(), q.BytesOut())
	}
}

func TestShouldCork(t *testing.T) {
	f := tempFile(t, pattern(100, 0))
	defer f.Release()
	type op func(*Queue)
	mem := func(q *Queue) { q.Write([]byte("m")) }
	big := func(q *Queue) { q.Write(pattern(ChunkSize+1, 0)) } // two chunks
	file := func(q *Queue) { q.AppendFile(f, 0, 10) }
	head := func(q *Queue) { b := GetBuffer(); b.B = append(b.B, 'h'); q.PrependBuffer(b) }
	for _, tc := range []struct {
		name string
		ops  []op
		want bool
	}{
		{"empty", nil, false},
		{"one memory chunk", []op{mem}, false},
		{"memory chunks", []op{big}, false},
		{"file only", []op{file}, false},
		{"file then memory", []op{file, mem}, false},
		{"head and file", []op{file, head}, true},
		{"memory, file, memory", []op{mem, file, mem}, true},
		{"memory chunks then file", []op{big, file}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var q Queue
			defer q.Reset()
			for _, o := range tc.ops {
				o(&q)
			}
			if got := q.ShouldCork(); got != tc.want {
				t.Errorf("ShouldCork = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestInlineSmallFile(t *testing.T) {
	data := pattern(20000, 7)
	for _, tc := range []struct {
		name    string
		headLen int   // 0: no head chunk
		off, n  int64 // file range
		after   bool  // memory after the file
		inlined bool
	}{
		{"head and small file", 200, 100, 5000, false, true},
		{"head fills its chunk", ChunkSize - 10, 0, 12000, false, true},
		{"at the limit", 200, 0, SmallFileLimit, false, false},
		{"just below the limit", 200, 1, SmallFileLimit - 1, false, true},
		{"no head", 0, 0, 100, false, false},
		{"memory after the file", 200, 0, 100, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := openFds(t)
			f := tempFile(t, data)
			var q Queue
			var want []byte
			if tc.headLen > 0 {
				h := pattern(tc.headLen, 1)
				q.Write(h)
				want = append(want, h...)
			}
			q.AppendFile(f, tc.off, tc.n)
			want = append(want, data[tc.off:tc.off+tc.n]...)
			if tc.after {
				q.WriteString("after")
				want = append(want, "after"...)
			}
			f.Release() // the queue's reference is the last one now
			length := q.Len()
			if err := q.InlineSmallFile(SmallFileLimit); err != nil {
				t.Fatal(err)
			}
			if q.Len() != length {
				t.Fatalf("Len %d after inlining, was %d", q.Len(), length)
			}
			if tc.inlined {
				if q.ShouldCork() {
					t.Error("a file chunk is still queued")
				}
				checkNoLeak(t, before) // the file was closed: it is in memory now
			}
			sameBytes(t, drain(t, &q), want)
			q.Reset()
			checkNoLeak(t, before)
		})
	}
}

// TestInlineSmallFileShrank: a read error leaves the queue as it was.
func TestInlineSmallFileShrank(t *testing.T) {
	name := t.TempDir() + "/f"
	if err := os.WriteFile(name, pattern(5000, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	f := openFile(t, name)
	defer f.Release()
	var q Queue
	defer q.Reset()
	q.Write(pattern(ChunkSize-100, 2)) // the file's bytes would span two chunks
	q.AppendFile(f, 0, 5000)
	if err := os.Truncate(name, 3000); err != nil {
		t.Fatal(err)
	}
	length := q.Len()
	if err := q.InlineSmallFile(SmallFileLimit); err == nil {
		t.Fatal("no error for a file that shrank")
	}
	if q.Len() != length || !q.ShouldCork() {
		t.Fatalf("queue changed: Len %d (was %d), file chunk kept: %v", q.Len(), length, q.ShouldCork())
	}
	p := unixPair(t, pairOpts{})
	rd := startReader(p.r, 1<<20, readerOpts{})
	// The short sendfile looks like a full socket; the next call finds
	// the end of the file.
	w := NewWriter("sendfile")
	var n int64
	var err error
	for range 3 {
		var wr int64
		wr, err = w.WriteTo(p.w, &q, MaxWriteLimit)
		n += wr
		if err != ErrAgain {
			break
		}
	}
	if err != ErrFileShrank || n != ChunkSize-100+3000 {
		t.Fatalf("WriteTo: %d, %v; want the head, the 3000 bytes left and ErrFileShrank", n, err)
	}
	p.closeWriter()
	sameBytes(t, waitReader(t, rd).data, append(pattern(ChunkSize-100, 2), pattern(3000, 1)...))
}

// TestQueueResetReleases checks that Reset closes every file the queue
// held the last reference to and that a queue is reusable after it.
func TestQueueResetReleases(t *testing.T) {
	before := openFds(t)
	data := pattern(10000, 3)
	var q Queue
	for round := range 3 {
		var want []byte
		for i := range 5 {
			f := tempFile(t, data)
			q.WriteString("x")
			q.AppendFile(f, int64(i), 100)
			f.Release()
			want = append(append(want, 'x'), data[i:i+100]...)
		}
		if round == 1 {
			sameBytes(t, drain(t, &q), want) // written out, then reused
		}
		q.Reset()
		if q.Len() != 0 || q.BytesOut() != 0 {
			t.Fatalf("after Reset: Len %d, BytesOut %d", q.Len(), q.BytesOut())
		}
		checkNoLeak(t, before)
	}
}

func TestQueueWriteNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops buffers at random under -race")
	}
	var q Queue
	body := pattern(1024, 1)
	q.Write(body) // warm the pool and the chunk slice
	q.Reset()
	allocs := testing.AllocsPerRun(1000, func() {
		head := GetBuffer()
		head.B = append(head.B, "HTTP/1.1 200 OK\r\n\r\n"...)
		q.Write(body)
		q.PrependBuffer(head)
		q.Reset()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per response; want 0", allocs)
	}
}

// TestTakePrefix: the first n bytes move, across memory and file
// chunks, the chunk at the boundary split; what is left stays in order.
func TestTakePrefix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	osf, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f := NewFile(osf)
	defer f.Release()
	for _, n := range []int64{0, 2, 3, 5, 9, 13, 20} {
		var src, dst Queue
		src.WriteString("abc")
		src.AppendFile(f, 2, 6) // "234567"
		src.WriteString("xyz")
		moved := dst.TakePrefix(&src, n)
		want := "abc234567xyz"
		k := min(n, int64(len(want)))
		if moved != k || dst.Len() != k || src.Len() != int64(len(want))-k {
			t.Fatalf("n=%d: moved %d, dst %d, src %d", n, moved, dst.Len(), src.Len())
		}
		if got := string(drain(t, &dst)) + "|" + string(drain(t, &src)); got != want[:k]+"|"+want[k:] {
			t.Errorf("n=%d: %q, want %q", n, got, want[:k]+"|"+want[k:])
		}
	}
}

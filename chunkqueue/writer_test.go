package chunkqueue

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var transports = []struct {
	name string
	pair func(testing.TB, pairOpts) *sockPair
}{
	{"unix", unixPair},
	{"tcp", tcpPair},
}

// TestWritevManySmallChunks queues far more than 32 memory chunks through
// a 4 KiB send buffer to a slow reader: every byte must arrive, in order,
// over many partial writes.
func TestWritevManySmallChunks(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			p := tr.pair(t, pairOpts{sndbuf: 4096})
			var q Queue
			defer q.Reset()
			want := make([]byte, 0, 512<<10)
			for i := 0; len(want) < 400<<10; i++ {
				piece := pattern(1+i*37%301, byte(i))
				q.Write(piece)
				want = append(want, piece...)
			}
			head := GetBuffer()
			head.B = append(head.B, "HTTP/1.1 200 OK\r\n\r\n"...)
			q.PrependBuffer(head)
			want = append([]byte("HTTP/1.1 200 OK\r\n\r\n"), want...)
			if got := q.Len(); got != int64(len(want)) {
				t.Fatalf("Len %d, want %d", got, len(want))
			}
			if n := len(q.chunks) - q.head; n <= maxIovecs {
				t.Fatalf("only %d chunks queued; the test needs more than %d", n, maxIovecs)
			}

			rd := startReader(p.r, int64(len(want)), readerOpts{bufSize: 997, pause: 20 * time.Microsecond})
			agains := writeAll(t, NewWriter("sendfile"), p.w, &q, MaxWriteLimit)
			res := waitReader(t, rd)
			sameBytes(t, res.data, want)
			if agains == 0 {
				t.Error("the socket never blocked; the test did not exercise partial writes")
			}
			if q.BytesOut() != int64(len(want)) {
				t.Errorf("BytesOut %d, want %d", q.BytesOut(), len(want))
			}
		})
	}
}

// TestWriteMixed sends memory and file chunks interleaved, files at
// offsets, with every backend, over both transports.
func TestWriteMixed(t *testing.T) {
	data := pattern(300<<10, 0x5a)
	for _, backend := range []string{"sendfile", "linux-sendfile", "writev", "write"} {
		for _, tr := range transports {
			t.Run(backend+"/"+tr.name, func(t *testing.T) {
				f := tempFile(t, data)
				defer f.Release()
				p := tr.pair(t, pairOpts{sndbuf: 16 << 10})
				var q Queue
				defer q.Reset()
				var want []byte
				add := func(b []byte) {
					q.Write(b)
					want = append(want, b...)
				}
				addFile := func(off, n int64) {
					q.AppendFile(f, off, n)
					want = append(want, data[off:off+n]...)
				}
				add([]byte("head\r\n"))
				addFile(1000, 200000)
				add(pattern(20000, 1))
				addFile(5, 10)
				addFile(0, 1)
				add([]byte("--"))
				addFile(int64(len(data))-70000, 70000) // to the end
				add([]byte("tail"))

				rd := startReader(p.r, int64(len(want)), readerOpts{bufSize: 3000})
				writeAll(t, NewWriter(backend), p.w, &q, MaxWriteLimit)
				sameBytes(t, waitReader(t, rd).data, want)
			})
		}
	}
}

// TestSendfileFallback sends a file sendfile refuses with EINVAL (procfs
// files without splice support): the pread path takes over.
func TestSendfileFallback(t *testing.T) {
	want, err := os.ReadFile("/proc/self/cmdline")
	if err != nil || len(want) < 2 {
		t.Skipf("no /proc/self/cmdline: %v", err)
	}
	f := openFile(t, "/proc/self/cmdline")
	defer f.Release()
	p := unixPair(t, pairOpts{})
	probe := unixPair(t, pairOpts{})
	off := int64(0)
	if _, err := unix.Sendfile(probe.w, f.Fd(), &off, 1); err != unix.EINVAL {
		t.Logf("sendfile from procfs gives %v here, not EINVAL; the fallback is not exercised", err)
	}
	var q Queue
	q.Write([]byte("x"))
	q.AppendFile(f, 1, int64(len(want)-1))
	rd := startReader(p.r, int64(len(want)), readerOpts{})
	writeAll(t, NewWriter("sendfile"), p.w, &q, MaxWriteLimit)
	sameBytes(t, waitReader(t, rd).data, append([]byte("x"), want[1:]...))
}

// TestWriteToMax checks that WriteTo never writes more than max, and that
// it reports nil (not ErrAgain) when it stops because max is used up.
func TestWriteToMax(t *testing.T) {
	data := pattern(50000, 3)
	for _, backend := range []string{"sendfile", "write"} {
		t.Run(backend, func(t *testing.T) {
			f := tempFile(t, data)
			defer f.Release()
			p := unixPair(t, pairOpts{})
			w := NewWriter(backend)
			var q Queue
			defer q.Reset()
			q.Write(pattern(30000, 4))
			q.AppendFile(f, 0, int64(len(data)))
			q.Write(pattern(10, 5))
			total := q.Len()
			want := append(append(pattern(30000, 4), data...), pattern(10, 5)...)
			rd := startReader(p.r, total, readerOpts{})

			if n, err := w.WriteTo(p.w, &q, 0); n != 0 || err != nil {
				t.Fatalf("max 0: %d, %v", n, err)
			}
			for _, max := range []int64{1000, 7, 29993, 1, 40000} {
				n, err := w.WriteTo(p.w, &q, max)
				if n != max || err != nil {
					t.Fatalf("max %d: wrote %d, %v", max, n, err)
				}
			}
			writeAll(t, w, p.w, &q, 4097)
			sameBytes(t, waitReader(t, rd).data, want)
		})
	}
}

// TestErrAgain fills a socket whose peer does not read.
func TestErrAgain(t *testing.T) {
	data := pattern(4<<20, 9)
	for _, kind := range []string{"memory", "sendfile", "pread"} {
		t.Run(kind, func(t *testing.T) {
			p := unixPair(t, pairOpts{sndbuf: 32 << 10})
			w := NewWriter("sendfile")
			var q Queue
			defer q.Reset()
			switch kind {
			case "memory":
				q.Write(data)
			default:
				f := tempFile(t, data)
				q.AppendFile(f, 0, int64(len(data)))
				f.Release()
				if kind == "pread" {
					w = NewWriter("write")
				}
			}
			n, err := w.WriteTo(p.w, &q, 1<<40)
			if err != ErrAgain || n <= 0 || n >= int64(len(data)) {
				t.Fatalf("first write: %d, %v; want some bytes and ErrAgain", n, err)
			}
			if q.Len() != int64(len(data))-n {
				t.Fatalf("Len %d after writing %d of %d", q.Len(), n, len(data))
			}
			n, err = w.WriteTo(p.w, &q, 1<<40)
			if err != ErrAgain || n != 0 {
				t.Fatalf("second write: %d, %v; want 0 and ErrAgain", n, err)
			}
		})
	}
}

// TestErrPeerClosed writes to a socket whose peer has gone.
func TestErrPeerClosed(t *testing.T) {
	data := pattern(1<<20, 11)
	for _, tr := range transports {
		for _, kind := range []string{"memory", "sendfile", "pread"} {
			t.Run(tr.name+"/"+kind, func(t *testing.T) {
				p := tr.pair(t, pairOpts{})
				// Closing with unread data makes TCP answer with RST.
				unix.Write(p.w, []byte("unread"))
				p.closeReader()
				w := NewWriter("sendfile")
				if kind == "pread" {
					w = NewWriter("write")
				}
				f := tempFile(t, data)
				defer f.Release()
				deadline := time.Now().Add(testTimeout)
				for {
					var q Queue
					if kind == "memory" {
						q.Write(data[:1000])
					} else {
						q.AppendFile(f, 0, 1000)
					}
					_, err := w.WriteTo(p.w, &q, MaxWriteLimit)
					q.Reset()
					if err == ErrPeerClosed {
						return
					}
					if err != nil && err != ErrAgain {
						t.Fatalf("got %v, want ErrPeerClosed", err)
					}
					if time.Now().After(deadline) {
						t.Fatal("no ErrPeerClosed in time")
					}
					// TCP may accept a write or two until the RST is processed.
					waitWritable(t, p.w, deadline)
				}
			})
		}
	}
}

// TestFileShrank truncates a file after queueing a range of it.
func TestFileShrank(t *testing.T) {
	for _, backend := range []string{"sendfile", "write"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			name := dir + "/f"
			if err := os.WriteFile(name, pattern(100000, 1), 0o644); err != nil {
				t.Fatal(err)
			}
			f := openFile(t, name)
			defer f.Release()
			p := unixPair(t, pairOpts{})
			rd := startReader(p.r, 1<<30, readerOpts{discard: true})
			var q Queue
			defer q.Reset()
			q.AppendFile(f, 0, 100000)
			if err := os.Truncate(name, 50000); err != nil {
				t.Fatal(err)
			}
			w := NewWriter(backend)
			var total int64
			var err error
			for range 100 {
				var n int64
				n, err = w.WriteTo(p.w, &q, MaxWriteLimit)
				total += n
				if err != ErrAgain {
					break
				}
				waitWritable(t, p.w, time.Now().Add(testTimeout))
			}
			if !errors.Is(err, ErrFileShrank) || total != 50000 {
				t.Fatalf("wrote %d, %v; want 50000 and ErrFileShrank", total, err)
			}
			unix.Shutdown(p.w, unix.SHUT_WR)
			waitReader(t, rd)
		})
	}
}

// TestSendLargeSparseFile sends a 1 GiB sparse file through WriteTo to a
// reader that discards it: memory must not grow with the file.
func TestSendLargeSparseFile(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 1 GiB")
	}
	const size = 1 << 30
	name := t.TempDir() + "/sparse"
	fh, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(size); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	f := openFile(t, name)
	p := unixPair(t, pairOpts{sndbuf: 4 << 20})
	w := NewWriter("sendfile")
	var q Queue
	q.AppendFile(f, 0, size)
	f.Release()

	rd := startReader(p.r, size, readerOpts{bufSize: 256 << 10, discard: true})
	before := vmRSS(t)
	peak := before
	start := time.Now()
	deadline := start.Add(testTimeout)
	for turns := 0; q.Len() > 0; turns++ {
		_, err := w.WriteTo(p.w, &q, MaxWriteLimit)
		switch err {
		case nil:
		case ErrAgain:
			waitWritable(t, p.w, deadline)
		default:
			t.Fatalf("WriteTo: %v", err)
		}
		if turns%256 == 0 {
			peak = max(peak, vmRSS(t))
		}
	}
	res := waitReader(t, rd)
	elapsed := time.Since(start)
	peak = max(peak, vmRSS(t))
	if res.n != size {
		t.Fatalf("reader got %d bytes, want %d", res.n, size)
	}
	growth := peak - before
	t.Logf("1 GiB in %v (%.0f MB/s); VmRSS %d KiB before, peak %d KiB, growth %d KiB",
		elapsed.Round(time.Millisecond), size/elapsed.Seconds()/1e6, before>>10, peak>>10, growth>>10)
	if growth > 20<<20 {
		t.Fatalf("RSS grew by %d KiB sending a file; want < 20 MiB", growth>>10)
	}
}

// vmRSS returns the process's resident set size in bytes.
func vmRSS(t testing.TB) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var kb int64
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	if kb == 0 {
		t.Fatal("no VmRSS in /proc/self/status")
	}
	return kb << 10
}

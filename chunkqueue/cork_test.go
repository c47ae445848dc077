package chunkqueue

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestIsTCP(t *testing.T) {
	tcp := tcpPair(t, pairOpts{})
	uni := unixPair(t, pairOpts{})
	udp, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(udp)
	file := tempFile(t, nil)
	defer file.Release()
	for _, tc := range []struct {
		name string
		fd   int
		want bool
	}{
		{"tcp accepted", tcp.w, true},
		{"tcp connected", tcp.r, true},
		{"unix", uni.w, false},
		{"udp", udp, false},
		{"not a socket", file.Fd(), false},
	} {
		if got := IsTCP(tc.fd); got != tc.want {
			t.Errorf("%s: IsTCP = %v, want %v", tc.name, got, tc.want)
		}
	}
	if fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err == nil {
		if !IsTCP(fd) {
			t.Error("IPv6 TCP socket: IsTCP = false")
		}
		unix.Close(fd)
	}
}

func corked(t *testing.T, fd int) bool {
	t.Helper()
	v, err := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_CORK)
	if err != nil {
		t.Fatalf("getsockopt TCP_CORK: %v", err)
	}
	return v != 0
}

func TestSetCork(t *testing.T) {
	p := tcpPair(t, pairOpts{})
	if err := SetCork(p.w, true); err != nil || !corked(t, p.w) {
		t.Fatalf("SetCork on: %v, corked %v", err, corked(t, p.w))
	}
	if err := SetCork(p.w, false); err != nil || corked(t, p.w) {
		t.Fatalf("SetCork off: %v, corked %v", err, corked(t, p.w))
	}
}

// TestWriteTurnCork checks that WriteTurn corks TCP around a head and a
// file, leaves the socket uncorked, and never tries on a unix socket.
func TestWriteTurnCork(t *testing.T) {
	data := pattern(100<<10, 1)
	for _, tr := range transports {
		for _, withFile := range []bool{true, false} {
			name := tr.name + "/memory only"
			if withFile {
				name = tr.name + "/head and file"
			}
			t.Run(name, func(t *testing.T) {
				p := tr.pair(t, pairOpts{})
				var calls []bool
				setCork = func(fd int, on bool) error {
					calls = append(calls, on)
					return SetCork(fd, on)
				}
				t.Cleanup(func() { setCork = SetCork })
				f := tempFile(t, data)
				defer f.Release()
				var q Queue
				defer q.Reset()
				q.WriteString("HTTP/1.1 200 OK\r\n\r\n")
				want := []byte("HTTP/1.1 200 OK\r\n\r\n")
				if withFile {
					q.AppendFile(f, 0, int64(len(data)))
					want = append(want, data...)
				}
				rd := startReader(p.r, int64(len(want)), readerOpts{})
				tcp := IsTCP(p.w)
				w := NewWriter("sendfile")
				dl := time.Now().Add(testTimeout)
				for q.Len() > 0 {
					_, err := w.WriteTurn(p.w, tcp, &q, nil, MaxWriteLimit)
					if err == ErrAgain {
						waitWritable(t, p.w, dl)
					} else if err != nil {
						t.Fatal(err)
					}
					if tcp && corked(t, p.w) {
						t.Fatal("socket left corked after a turn")
					}
				}
				sameBytes(t, waitReader(t, rd).data, want)
				switch {
				case !tcp || !withFile:
					if len(calls) > 0 {
						t.Errorf("TCP_CORK attempted %d times; want none", len(calls))
					}
				case len(calls) < 2 || !calls[0] || calls[1]:
					t.Errorf("cork calls %v; want on, off first", calls)
				}
			})
		}
	}
}

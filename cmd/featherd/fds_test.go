package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startWithNoFile starts featherd -D on conf with RLIMIT_NOFILE set to
// soft:hard beforehand (util-linux prlimit, which execs featherd in its
// own process), and waits until a generation serves. It returns the
// master and the serving generation.
func startWithNoFile(t *testing.T, conf string, soft, hard int) (p *featherdProc, gen int) {
	t.Helper()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) is not installed")
	}
	p = featherdProcessWith(t, func(cmd *exec.Cmd) {
		cmd.Path = prlimit
		cmd.Args = append([]string{"prlimit", fmt.Sprintf("--nofile=%d:%d", soft, hard), "--", os.Args[0]}, cmd.Args[1:]...)
	}, "-D", "-f", conf)
	return p, servingPidOf(t, p, 1)
}

// noFile reads a process's RLIMIT_NOFILE from /proc/pid/limits.
func noFile(t *testing.T, pid int) (soft, hard int) {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/limits")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			f := strings.Fields(rest) // soft, hard, "files"
			soft, _ = strconv.Atoi(f[0])
			hard, _ = strconv.Atoi(f[1])
			return soft, hard
		}
	}
	t.Fatalf("no open files limit in /proc/%d/limits:\n%s", pid, b)
	return 0, 0
}

// canRaiseHardLimit reports whether this process may raise a hard
// limit (root without CAP_SYS_RESOURCE, as in some containers, may not).
func canRaiseHardLimit(prlimit string, hard int) bool {
	return exec.Command(prlimit, fmt.Sprintf("--nofile=1024:%d", hard), "true").Run() == nil
}

// TestFDLimit: server.max-fds applies to RLIMIT_NOFILE of the master and
// of its generations as lighttpd applies it. Unset, a soft limit of 4096
// or more is kept (featherd used to lower 20000 to 4096) and one below
// is raised to 4096; set, it is the soft limit and, as root, the hard one.
func TestFDLimit(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("sets the hard limit, which needs root")
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) is not installed")
	}
	root := t.TempDir()
	writeFile(t, root, "index.html", "x")
	tests := []struct {
		name       string
		conf       string
		soft, hard int
		// want: the soft and hard limit of both processes; a soft limit
		// of -1 means "at least 4096" (Go raises its own soft limit to
		// the hard one at start, and featherd does not lower it).
		wantSoft, wantHard int
		// refused: the log line when the kernel refuses the hard limit
		// (root without CAP_SYS_RESOURCE); the limits are then left as
		// they were.
		refused string
	}{
		{"unset keeps 20000", "", 20000, 20000, 20000, 20000, ""},
		{"unset keeps 5000 below the hard limit", "", 5000, 5000, 5000, 5000, ""},
		{"unset raises 1024", "", 1024, 20000, -1, 20000, ""},
		{"set lowers, hard too as root", "server.max-fds = 256", 20000, 20000, 256, 256, ""},
		{"set raises, hard too as root", "server.max-fds = 30000", 1024, 20000, 30000, 30000,
			"server.max-fds: setrlimit(RLIMIT_NOFILE, 30000, 30000): operation not permitted; featherd plans for "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.refused != "" && !canRaiseHardLimit(prlimit, tt.wantHard) {
				tt.wantSoft, tt.wantHard = -1, tt.hard
			} else {
				tt.refused = ""
			}
			conf := writeFile(t, t.TempDir(), "s.conf", fmt.Sprintf("server.document-root = %q\nserver.bind = \"127.0.0.1\"\nserver.port = %d\n%s\n",
				root, freePort(t), tt.conf))
			p, gen := startWithNoFile(t, conf, tt.soft, tt.hard)
			for _, who := range []struct {
				name string
				pid  int
			}{{"master", p.cmd.Process.Pid}, {"generation", gen}} {
				soft, hard := noFile(t, who.pid)
				if tt.wantSoft < 0 && soft < 4096 || tt.wantSoft >= 0 && soft != tt.wantSoft || hard != tt.wantHard {
					t.Errorf("%s: open files %d:%d, want %d:%d\n%s", who.name, soft, hard, tt.wantSoft, tt.wantHard, p.stderr)
				}
			}
			if log := p.stderr.String(); tt.refused != "" && !strings.Contains(log, tt.refused) ||
				tt.refused == "" && strings.Contains(log, "max-fds") {
				t.Errorf("log:\n%s", log)
			}
		})
	}
}

// TestStartFailureKeepsWarnings: a process that serves opens its error
// log last, once it has given up root; when that fails, it says on stderr
// what it had to say before (here that server.max-fds cannot be had)
// along with why it stops, rather than only the latter.
func TestStartFailureKeepsWarnings(t *testing.T) {
	dir := t.TempDir()
	// Above the largest fs.nr_open Linux allows, so not even root gets it.
	conf := writeFile(t, dir, "w.conf", fmt.Sprintf("server.document-root = %q\nserver.bind = \"127.0.0.1\"\nserver.port = %d\n"+
		"server.max-fds = 2147483647\nserver.errorlog = %q\n", dir, freePort(t), filepath.Join(dir, "missing", "error.log")))
	p := featherdProcess(t, "-i", "5", "-f", conf)
	if !p.exited(10 * time.Second) {
		t.Fatalf("featherd is still running\n%s", p.stderr)
	}
	log := p.stderr.String()
	if p.cmd.ProcessState.ExitCode() != 1 || !strings.Contains(log, "server.max-fds") || !strings.Contains(log, "server.errorlog: open ") {
		t.Errorf("exit status %d, stderr:\n%s\nwant 1, the server.max-fds warning and the server.errorlog error", p.cmd.ProcessState.ExitCode(), log)
	}
}

// TestManyFilesFewDescriptors: with server.max-fds = 256, featherd
// serves 600 distinct files to 8 keep-alive clients at once, and accepts
// new connections meanwhile: every response is the file, and nothing
// runs out of descriptors. The stat cache used to keep every file
// requested in the last two seconds open, and answered 403 and failed
// to accept with EMFILE.
func TestManyFilesFewDescriptors(t *testing.T) {
	const files, size, clients = 600, 20 << 10, 8 // above 16 KiB: sent from the file, not memory
	root := t.TempDir()
	body := func(i int) []byte {
		b := make([]byte, size)
		rand.NewChaCha8([32]byte{byte(i), byte(i >> 8)}).Read(b)
		return b
	}
	for i := range files {
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("f%03d.bin", i)), body(i), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	conf := writeFile(t, t.TempDir(), "s.conf", fmt.Sprintf("server.document-root = %q\nserver.bind = \"127.0.0.1\"\nserver.port = %d\n"+
		"server.max-fds = 256\nserver.max-worker = 2\n", root, port))
	p := featherdProcess(t, "-D", "-f", conf)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	gen := servingPidOf(t, p, 1)

	get := func(c net.Conn, br *bufio.Reader, i int, close bool) error {
		hdr := ""
		if close {
			hdr = "Connection: close\r\n"
		}
		if _, err := fmt.Fprintf(c, "GET /f%03d.bin HTTP/1.1\r\nHost: t\r\n%s\r\n", i, hdr); err != nil {
			return err
		}
		resp, err := nethttp.ReadResponse(br, nil)
		if err != nil {
			return fmt.Errorf("f%03d.bin: %w", i, err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			return fmt.Errorf("f%03d.bin: %d, body: %w", i, resp.StatusCode, err)
		case resp.StatusCode != 200 || !bytes.Equal(got, body(i)):
			return fmt.Errorf("f%03d.bin: %d with %d bytes; want 200 with its %d bytes", i, resp.StatusCode, len(got), size)
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients+1)
	for n := range clients {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			br := bufio.NewReader(c)
			// Each client in an order of its own.
			for k := range files {
				if err := get(c, br, (k*(2*n+1)+n*files/clients)%files, false); err != nil {
					errs <- fmt.Errorf("keep-alive client %d, request %d: %w", n, k, err)
					return
				}
			}
		})
	}
	// Meanwhile a new connection per request, each needing an accept.
	stop, stopped := make(chan struct{}), make(chan struct{})
	fresh := 0
	go func() {
		defer close(stopped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			err = get(c, bufio.NewReader(c), i%files, true)
			c.Close()
			if err != nil {
				errs <- fmt.Errorf("new connection %d: %w", i, err)
				return
			}
			fresh++
		}
	}()
	// The generation's descriptors, for the log.
	peak, sampled := 0, make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			if des, err := os.ReadDir("/proc/" + strconv.Itoa(gen) + "/fd"); err == nil {
				peak = max(peak, len(des))
			}
		}
	}()
	wg.Wait()
	close(stop)
	<-stopped
	<-sampled
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d requests on %d keep-alive connections and %d on new connections; the generation held at most %d descriptors",
		clients*files, clients, fresh, peak)
	if log := p.stderr.String(); strings.Contains(log, "accept") || strings.Contains(log, "too many open files") {
		t.Errorf("log:\n%s", log)
	}
}

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// backgroundMode is the configuration line of the background restart.
const backgroundMode = `server.feature-flags += ( "server.graceful-restart-bg" => "enable" )`

// restartModes are the two ways to restart, as the configuration lines
// that choose them.
var restartModes = []struct{ name, extra string }{
	{"in-place", ""},
	{"background", backgroundMode},
}

// restartServer is a featherd master started by a test, with its
// configuration file and its socket: a TCP port, or a unix socket.
type restartServer struct {
	t    *testing.T
	conf string
	root string
	port int
	unix string
	pid  int
	proc *featherdProc
	tmpl string
	// notify, when set, is the NOTIFY_SOCKET featherd is started with.
	notify string
}

// startRestartServer runs featherd -D on a TCP port with a configuration
// whose server.tag is the generation marker the test changes on each
// restart.
func startRestartServer(t *testing.T, extra string) *restartServer {
	t.Helper()
	return startRestartServerOn(t, &restartServer{port: freePort(t)}, extra)
}

// startRestartServerOn is startRestartServer on s's socket.
func startRestartServerOn(t *testing.T, s *restartServer, extra string) *restartServer {
	t.Helper()
	s.t, s.root = t, t.TempDir()
	bind := fmt.Sprintf("server.bind = \"127.0.0.1\"\nserver.port = %d", s.port)
	if s.unix != "" {
		bind = fmt.Sprintf("server.bind = %q", s.unix)
	}
	writeFile(t, s.root, "index.html", strings.Repeat("x", 1024))
	big := make([]byte, 4<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	os.MkdirAll(filepath.Join(s.root, "slow"), 0o755)
	writeFile(t, filepath.Join(s.root, "slow"), "big.bin", string(big))
	s.conf = filepath.Join(t.TempDir(), "featherd.conf")
	s.tmpl = fmt.Sprintf(`server.document-root = %q
%s
server.pid-file = %q
server.max-keep-alive-idle = 1
server.tag = "gen-%%d"
$HTTP["url"] =^ "/slow/" { connection.kbytes-per-second = 4096 }
%s
`, s.root, bind, filepath.Join(t.TempDir(), "featherd.pid"), extra)
	s.setTag(0)
	s.proc = featherdProcessWith(t, func(cmd *exec.Cmd) {
		if s.notify != "" {
			cmd.Env = append(cmd.Env, "NOTIFY_SOCKET="+s.notify)
		}
	}, "-D", "-f", s.conf)
	s.pid = s.proc.cmd.Process.Pid
	s.waitTag(0, 10*time.Second)
	return s
}

func (s *restartServer) setTag(n int) {
	s.t.Helper()
	if err := os.WriteFile(s.conf, []byte(fmt.Sprintf(s.tmpl, n)), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// dial opens a connection to the server's socket.
func (s *restartServer) dial() (net.Conn, error) {
	if s.unix != "" {
		return net.DialTimeout("unix", s.unix, 2*time.Second)
	}
	return net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(s.port), 2*time.Second)
}

// get makes one request on a new connection and returns its Server
// header, or an error.
func (s *restartServer) get(path string) (string, error) {
	c, err := s.dial()
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path)
	tag, _, _, err := readResp(bufio.NewReader(c))
	return tag, err
}

// waitTag polls until responses carry generation n's tag.
func (s *restartServer) waitTag(n int, d time.Duration) time.Duration {
	s.t.Helper()
	start := time.Now()
	want := "gen-" + strconv.Itoa(n)
	for {
		tag, err := s.get("/index.html")
		if err == nil && tag == want {
			return time.Since(start)
		}
		if time.Since(start) > d {
			s.t.Fatalf("no response from %s within %v (last: %q, %v)\nlog:\n%s", want, d, tag, err, s.proc.stderr)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitStandby waits until the master has a standby generation waiting
// for its activation: it logs each one that reports it waits, and each
// standby is later either activated or not used.
func (s *restartServer) waitStandby() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		log := s.proc.stderr.String()
		if lastGeneration(log, standbyWaiting) > max(lastGeneration(log, standbyActivated), lastGeneration(log, standbyNotUsed)) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.t.Fatalf("no standby generation waiting\nlog:\n%s", s.proc.stderr)
}

var (
	standbyWaiting   = regexp.MustCompile(`generation (\d+) on standby`)
	standbyActivated = regexp.MustCompile(`generation (\d+) activated`)
	standbyNotUsed   = regexp.MustCompile(`standby generation (\d+) not used`)
)

// lastGeneration is the highest generation number re matches in log, or 0.
func lastGeneration(log string, re *regexp.Regexp) int {
	last := 0
	for _, m := range re.FindAllStringSubmatch(log, -1) {
		n, _ := strconv.Atoi(m[1])
		last = max(last, n)
	}
	return last
}

// readResp reads one response and returns its Server header, whether it
// asked to close the connection, and its body length (checked against
// Content-Length: a short body is an error).
func readResp(br *bufio.Reader) (server string, closing bool, n int, err error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return "", false, 0, fmt.Errorf("status line: %w", err)
	}
	if !strings.HasPrefix(line, "HTTP/1.1 200 ") {
		return "", false, 0, fmt.Errorf("status %q", strings.TrimSpace(line))
	}
	length := -1
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			return "", false, 0, fmt.Errorf("headers: %w", err)
		}
		h = strings.TrimRight(h, "\r\n")
		if h == "" {
			break
		}
		k, v, _ := strings.Cut(h, ": ")
		switch strings.ToLower(k) {
		case "server":
			server = v
		case "connection":
			closing = v == "close"
		case "content-length":
			length, _ = strconv.Atoi(v)
		}
	}
	m, err := io.CopyN(io.Discard, br, int64(length))
	if err != nil {
		return server, closing, int(m), fmt.Errorf("body: %d of %d bytes: %w", m, length, err)
	}
	return server, closing, length, nil
}

// load is the traffic that must not notice restarts: keep-alive clients
// that reconnect only when told to (no retries), clients that open a new
// connection per request, and slow downloads of a 4 MiB file. The
// latencies of the small requests are kept, to compare them with and
// without restarts (reported, never asserted: timings are benchmarks'
// business).
type load struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	errs       []string
	latencies  []time.Duration // of the 1 KiB requests, since the last mark
	stop       chan struct{}
	wg         sync.WaitGroup
}

func (l *load) took(d time.Duration) {
	l.mu.Lock()
	l.latencies = append(l.latencies, d)
	l.mu.Unlock()
}

// mark returns the latencies recorded since the previous mark, sorted.
func (l *load) mark() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.latencies
	l.latencies = nil
	slices.Sort(out)
	return out
}

// percentiles formats the median and the 99th percentile of sorted.
func percentiles(sorted []time.Duration) string {
	if len(sorted) == 0 {
		return "no requests"
	}
	at := func(p float64) time.Duration { return sorted[int(p*float64(len(sorted)-1))] }
	return fmt.Sprintf("%d requests, p50 %v, p99 %v, max %v", len(sorted), at(0.50), at(0.99), sorted[len(sorted)-1])
}

func (l *load) fail(err error) {
	l.failed.Add(1)
	l.mu.Lock()
	if len(l.errs) < 10 {
		l.errs = append(l.errs, err.Error())
	}
	l.mu.Unlock()
}

func startLoad(s *restartServer) *load {
	l := &load{stop: make(chan struct{})}
	keepAlive := func(path string, size int) {
		defer l.wg.Done()
		var c net.Conn
		var br *bufio.Reader
		for {
			select {
			case <-l.stop:
				if c != nil {
					c.Close()
				}
				return
			default:
			}
			if c == nil {
				var err error
				if c, err = s.dial(); err != nil {
					l.fail(err)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				br = bufio.NewReader(c)
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			sent := time.Now()
			if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path); err != nil {
				l.fail(err)
				c.Close()
				c = nil
				continue
			}
			_, closing, n, err := readResp(br)
			switch {
			case err != nil:
				l.fail(err)
			case n != size:
				l.fail(fmt.Errorf("%s: %d bytes, want %d", path, n, size))
			default:
				l.ok.Add(1)
				if size == 1024 {
					l.took(time.Since(sent))
				}
			}
			if err != nil || closing {
				c.Close()
				c = nil
			}
		}
	}
	for range 4 {
		l.wg.Add(1)
		go keepAlive("/index.html", 1024)
	}
	l.wg.Add(1)
	go keepAlive("/slow/big.bin", 4<<20)
	for range 2 {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				sent := time.Now()
				if _, err := s.get("/index.html"); err != nil {
					l.fail(err)
				} else {
					l.ok.Add(1)
					l.took(time.Since(sent))
				}
			}
		}()
	}
	return l
}

func (l *load) finish(t *testing.T) {
	close(l.stop)
	l.wg.Wait()
	t.Logf("%d requests served, %d failed", l.ok.Load(), l.failed.Load())
	if l.failed.Load() > 0 {
		t.Errorf("%d requests failed: %s", l.failed.Load(), strings.Join(l.errs, "; "))
	}
}

// TestRestartUnderLoad sends SIGUSR1 ten times in each mode while
// keep-alive clients, new connections and 4 MiB downloads run: no request
// may fail, every restart must serve the new configuration, and the pid
// must stay the same. It logs the latencies of the small requests for a
// second without restarts and during the restarts. In the background
// mode every other restart waits until the standby generation is
// waiting, so that both ways of starting the next generation (activating
// the standby, executing a new one) are exercised.
func TestRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts real processes")
	}
	for _, mode := range restartModes {
		t.Run(mode.name, func(t *testing.T) {
			s := startRestartServer(t, mode.extra)
			l := startLoad(s)
			time.Sleep(time.Second)
			quiet := l.mark()
			var waits []time.Duration
			for n := 1; n <= 10; n++ {
				if mode.name == "background" && n%2 == 0 {
					s.waitStandby()
				}
				s.setTag(n)
				sent := time.Now()
				syscall.Kill(s.pid, syscall.SIGUSR1)
				s.waitTag(n, 20*time.Second)
				waits = append(waits, time.Since(sent))
				if err := syscall.Kill(s.pid, 0); err != nil {
					t.Fatalf("the master's pid %d is gone: %v", s.pid, err)
				}
			}
			time.Sleep(500 * time.Millisecond)
			restarting := l.mark()
			l.finish(t)
			t.Logf("time from SIGUSR1 to the new configuration served: %v", waits)
			t.Logf("1 KiB requests without restarts: %s", percentiles(quiet))
			t.Logf("1 KiB requests during restarts:  %s", percentiles(restarting))
			if mode.name == "background" && !strings.Contains(s.proc.stderr.String(), "activated") {
				t.Errorf("no standby generation was activated:\n%s", s.proc.stderr)
			}
			syscall.Kill(s.pid, syscall.SIGINT)
		})
	}
}

// TestRestartFailureKeepsServing: a broken configuration leaves the
// current generation serving; fixed, the next restart serves it.
func TestRestartFailureKeepsServing(t *testing.T) {
	s := startRestartServer(t, "")
	os.WriteFile(s.conf, []byte("server.document-root = \n"), 0o644)
	syscall.Kill(s.pid, syscall.SIGUSR1)
	s.proc.waitStderr(t, "graceful restart failed", 5*time.Second)
	if tag, err := s.get("/index.html"); err != nil || tag != "gen-0" {
		t.Fatalf("after a failed restart: %q, %v", tag, err)
	}
	s.setTag(1)
	syscall.Kill(s.pid, syscall.SIGUSR1)
	s.waitTag(1, 10*time.Second)
}

// TestRestartRefusedModuleKeepsServing: a graceful restart to a
// configuration that needs a module featherd does not have yet fails like
// any other load error: the current generation keeps serving and the
// master logs why, naming the option.
func TestRestartRefusedModuleKeepsServing(t *testing.T) {
	for _, mode := range restartModes {
		t.Run(mode.name, func(t *testing.T) {
			s := startRestartServer(t, mode.extra)
			refused := strings.Replace(s.tmpl, "server.tag", "server.modules = ( \"mod_cgi\" )\ncgi.assign = ( \".pl\" => \"/usr/bin/perl\" )\nserver.tag", 1)
			if err := os.WriteFile(s.conf, []byte(fmt.Sprintf(refused, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			syscall.Kill(s.pid, syscall.SIGUSR1)
			want := "graceful restart failed, the current generation keeps serving: " + s.conf + ":7:1: cgi.assign needs mod_cgi"
			s.proc.waitStderr(t, want, 5*time.Second)
			if tag, err := s.get("/index.html"); err != nil || tag != "gen-0" {
				t.Fatalf("after a refused restart: %q, %v", tag, err)
			}
			s.setTag(2)
			syscall.Kill(s.pid, syscall.SIGUSR1)
			s.waitTag(2, 10*time.Second)
		})
	}
}

// TestGenerationCrashRecovered: a generation killed outright is replaced
// within a second; the listen socket never closes.
func TestGenerationCrashRecovered(t *testing.T) {
	s := startRestartServer(t, "")
	gens := childPids(s.pid)
	if len(gens) != 1 {
		t.Fatalf("generations %v", gens)
	}
	syscall.Kill(gens[0], syscall.SIGKILL)
	start := time.Now()
	s.waitTag(0, 5*time.Second)
	if d := time.Since(start); d > time.Second {
		t.Errorf("served again after %v, want within 1 s", d)
	}
}

// TestStopWithDownloadInFlight: SIGINT lets a download in progress finish,
// then the master exits 0 and removes its pid file.
func TestStopWithDownloadInFlight(t *testing.T) {
	s := startRestartServer(t, "")
	c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(s.port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET /slow/big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
	br := bufio.NewReader(c)
	br.Peek(1) // the response has started
	syscall.Kill(s.pid, syscall.SIGINT)
	_, closing, n, err := readResp(br)
	if err != nil || n != 4<<20 {
		t.Fatalf("download during shutdown: %d bytes, %v", n, err)
	}
	_ = closing // the head went out before the signal: it could not say close
	if !s.proc.exited(10 * time.Second) {
		t.Fatalf("the master did not exit:\n%s", s.proc.stderr)
	}
	if !s.proc.cmd.ProcessState.Success() {
		t.Fatalf("the master exited with %v", s.proc.cmd.ProcessState)
	}
	pidFile := strings.Split(strings.Split(s.tmpl, `server.pid-file = "`)[1], `"`)[0]
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
}

// TestSocketActivation passes featherd a listening socket as fd 3, as
// systemd does (here with LISTEN_PID=parent:<pid>, the form the master
// itself uses): featherd serves it without binding anything.
func TestSocketActivation(t *testing.T) {
	f, port := activationSocket(t)
	root := t.TempDir()
	writeFile(t, root, "index.html", "activated")
	conf := writeFile(t, t.TempDir(), "a.conf", fmt.Sprintf("server.document-root = %q\nserver.systemd-socket-activation = \"enable\"\nserver.max-keep-alive-idle = 1\n", root))
	p := featherdProcessWith(t, func(cmd *exec.Cmd) {
		cmd.ExtraFiles = []*os.File{f}
		cmd.Env = append(cmd.Env, "LISTEN_FDS=1", "LISTEN_PID=parent:"+strconv.Itoa(os.Getpid()))
	}, "-D", "-f", conf)
	body := waitBody(t, p, "127.0.0.1:"+strconv.Itoa(port), "/index.html")
	if body != "activated" {
		t.Fatalf("body %q", body)
	}
}

// activationSocket is a socket listening on a loopback port, as a file to
// pass as fd 3 the way systemd does, and its port. The test's own
// listener is closed: only the file refers to the socket.
func activationSocket(t *testing.T) (*os.File, int) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, ln.Addr().(*net.TCPAddr).Port
}

// TestSystemdSocketActivate runs featherd under systemd-socket-activate,
// which binds the socket and starts featherd on the first connection.
func TestSystemdSocketActivate(t *testing.T) {
	tool, err := exec.LookPath("systemd-socket-activate")
	if err != nil {
		t.Skip("systemd-socket-activate is not installed (Debian package systemd; .ci/run installs it)")
	}
	root := t.TempDir()
	writeFile(t, root, "index.html", "activated by systemd")
	conf := writeFile(t, t.TempDir(), "a.conf", fmt.Sprintf("server.document-root = %q\nserver.systemd-socket-activation = \"enable\"\nserver.max-keep-alive-idle = 1\n", root))
	port := freePort(t)
	// systemd-socket-activate passes on only the environment named with -E.
	cmd := exec.Command(tool, "-E", "FEATHERD_TEST_MAIN=1", "-l", "127.0.0.1:"+strconv.Itoa(port), os.Args[0], "-D", "-f", conf)
	cmd.Env = append(os.Environ(), "FEATHERD_TEST_MAIN=1")
	p := startProc(t, cmd)
	if body := waitBody(t, p, "127.0.0.1:"+strconv.Itoa(port), "/index.html"); body != "activated by systemd" {
		t.Fatalf("body %q", body)
	}
}

// waitBody polls addr until featherd answers path, and returns the body.
func waitBody(t *testing.T, p *featherdProc, addr, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path)
			b, err := io.ReadAll(c)
			c.Close()
			if err == nil {
				if _, body, ok := strings.Cut(string(b), "\r\n\r\n"); ok {
					return body
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer on %s: %v\nstderr:\n%s", addr, err, p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNotifySystemd plays systemd's side of sd_notify and checks what
// the units in examples/systemd rely on: every message comes from the
// master (NotifyAccess=main); READY=1 once featherd serves; on SIGUSR1,
// RELOADING=1 with a MONOTONIC_USEC= no earlier than the signal (systemd
// 253's Type=notify-reload ignores an older one) and then READY=1 once
// the new generation serves, also after a restart that fails (or
// "systemctl reload" would wait for its time-out); STOPPING=1 on SIGINT,
// then exit status 0.
func TestNotifySystemd(t *testing.T) {
	for _, mode := range restartModes {
		t.Run(mode.name, func(t *testing.T) {
			sd := listenNotify(t)
			s := &restartServer{port: freePort(t), notify: sd.path}
			startRestartServerOn(t, s, mode.extra)
			next := func(want string) map[string]string {
				t.Helper()
				return sd.next(t, s, want)
			}
			if m := next("READY"); m["READY"] != "1" || m["MAINPID"] != strconv.Itoa(s.pid) {
				t.Errorf("READY message %v, want READY=1 and MAINPID=%d (the master)", m, s.pid)
			}

			s.setTag(1)
			before := monotonicUsec(t)
			syscall.Kill(s.pid, syscall.SIGUSR1)
			m := next("RELOADING")
			at, err := strconv.ParseInt(m["MONOTONIC_USEC"], 10, 64)
			if m["RELOADING"] != "1" || err != nil || at < before || at > monotonicUsec(t) {
				t.Errorf("RELOADING message %v, want RELOADING=1 and MONOTONIC_USEC between %d (the signal) and now", m, before)
			}
			next("READY")
			if mode.extra == "" {
				// In place, the next generation accepts only once the
				// current one has exited: the next connection is its.
				if tag, err := s.get("/index.html"); tag != "gen-1" {
					t.Errorf("after READY=1, served by %q (%v), want gen-1", tag, err)
				}
			} else {
				s.waitTag(1, 5*time.Second)
			}

			good, _ := os.ReadFile(s.conf)
			if err := os.WriteFile(s.conf, append(good, "server.port = \"eighty\"\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
			syscall.Kill(s.pid, syscall.SIGUSR1)
			next("RELOADING")
			if m := next("READY"); !strings.HasPrefix(m["STATUS"], "restart failed: "+s.conf+":") {
				t.Errorf("READY after a failed restart with STATUS=%q, want \"restart failed: %s:line:col: …\"", m["STATUS"], s.conf)
			}
			if tag, err := s.get("/index.html"); tag != "gen-1" {
				t.Errorf("after a failed restart, served by %q (%v), want gen-1", tag, err)
			}

			syscall.Kill(s.pid, syscall.SIGINT)
			next("STOPPING")
			if !s.proc.exited(10 * time.Second) {
				t.Fatalf("featherd did not stop:\n%s", s.proc.stderr)
			}
			if !s.proc.cmd.ProcessState.Success() {
				t.Errorf("the master exited with %v, want status 0", s.proc.cmd.ProcessState)
			}
		})
	}
}

// notifyListener is the socket systemd names in NOTIFY_SOCKET; it learns
// each message's sender from the kernel (SO_PASSCRED), as systemd does
// to enforce NotifyAccess=.
type notifyListener struct {
	conn *net.UnixConn
	path string
}

func listenNotify(t *testing.T) *notifyListener {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	raw.Control(func(fd uintptr) {
		err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_PASSCRED, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	return &notifyListener{conn: c, path: path}
}

// next returns the next message that has the key want, failing the test
// on any message not sent by s's master.
func (l *notifyListener) next(t *testing.T, s *restartServer, want string) map[string]string {
	t.Helper()
	buf := make([]byte, 4096)
	oob := make([]byte, syscall.CmsgSpace(syscall.SizeofUcred))
	l.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		n, oobn, _, _, err := l.conn.ReadMsgUnix(buf, oob)
		if err != nil {
			t.Fatalf("waiting for %s: %v\nstderr:\n%s", want, err, s.proc.stderr)
		}
		m := map[string]string{}
		for _, line := range strings.Split(string(buf[:n]), "\n") {
			k, v, _ := strings.Cut(line, "=")
			m[k] = v
		}
		if from := senderPid(oob[:oobn]); from != s.pid {
			t.Errorf("message %v sent by pid %d, not the master (%d): NotifyAccess=main would drop it", m, from, s.pid)
		}
		if _, ok := m[want]; ok {
			return m
		}
	}
}

// senderPid is the pid in a message's SCM_CREDENTIALS, or 0.
func senderPid(oob []byte) int {
	msgs, _ := syscall.ParseSocketControlMessage(oob)
	for _, msg := range msgs {
		if cred, err := syscall.ParseUnixCredentials(&msg); err == nil {
			return int(cred.Pid)
		}
	}
	return 0
}

// monotonicUsec is CLOCK_MONOTONIC in microseconds, the clock of
// MONOTONIC_USEC=.
func monotonicUsec(t *testing.T) int64 {
	t.Helper()
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return ts.Sec*1e6 + ts.Nsec/1e3
}

// TestInetdIdleShutdown runs inetd's "wait" mode: the listening socket on
// stdin (server.bind = "/dev/stdin"), no master; with -i 2 featherd stops
// by itself, with status 0, once nothing happened for two seconds.
func TestInetdIdleShutdown(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := ln.(*net.TCPListener).File()
	ln.Close()
	defer f.Close()
	root := t.TempDir()
	writeFile(t, root, "index.html", "from inetd")
	conf := writeFile(t, t.TempDir(), "i.conf", fmt.Sprintf("server.document-root = %q\nserver.bind = \"/dev/stdin\"\nserver.max-keep-alive-idle = 1\n", root))
	start := time.Now()
	p := featherdProcessWith(t, func(cmd *exec.Cmd) { cmd.Stdin = f }, "-D", "-i", "2", "-f", conf)
	if body := waitBody(t, p, ln.Addr().String(), "/index.html"); body != "from inetd" {
		t.Fatalf("body %q", body)
	}
	if !p.exited(10 * time.Second) {
		t.Fatalf("featherd -i 2 still running after %v\nstderr:\n%s", time.Since(start), p.stderr)
	}
	if !p.cmd.ProcessState.Success() || !strings.Contains(p.stderr.String(), "idle timeout 2s exceeded") {
		t.Fatalf("exit %v\nstderr:\n%s", p.cmd.ProcessState, p.stderr)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Fatalf("stopped after %v, before the idle timeout", d)
	}
}

// oneShotProcess starts featherd -1 -f conf with one end of a socketpair
// as its stdin, the connection it serves, and returns the other end.
func oneShotProcess(t *testing.T, conf string) (*featherdProc, net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "client"), os.NewFile(uintptr(fds[1]), "server")
	p := featherdProcessWith(t, func(cmd *exec.Cmd) { cmd.Stdin = theirs }, "-1", "-f", conf)
	theirs.Close()
	c, err := net.FileConn(ours)
	ours.Close() // c has its own descriptor; ours would keep the socket open
	if err != nil {
		t.Fatal(err)
	}
	return p, c
}

// TestOneShot serves one connection handed over on stdin (-1, xinetd's
// "nowait"): pipelined requests on it are answered, and featherd exits 0
// once it closes.
func TestOneShot(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "index.html", "one shot")
	conf := writeFile(t, t.TempDir(), "o.conf", fmt.Sprintf("server.document-root = %q\n", root))
	p, c := oneShotProcess(t, conf)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /index.html HTTP/1.1\r\nHost: t\r\n\r\nGET /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
	b, err := io.ReadAll(c)
	if err != nil || strings.Count(string(b), "HTTP/1.1 200 OK") != 2 || !strings.HasSuffix(string(b), "one shot") {
		t.Fatalf("responses %q, %v", b, err)
	}
	c.Close()
	if !p.exited(10*time.Second) || !p.cmd.ProcessState.Success() {
		t.Fatalf("featherd -1 did not exit 0 after its connection closed\nstderr:\n%s", p.stderr)
	}
}

// TestBinaryUpgrade: a new binary installed while featherd runs, by
// renaming it over the old one or by switching the symbolic link featherd
// was started by, serves after SIGUSR1 in the same master; the standby
// generation started from the old binary is not used.
func TestBinaryUpgrade(t *testing.T) {
	if testing.Short() {
		t.Skip("builds featherd twice")
	}
	builds := t.TempDir()
	build := func(ver string) string {
		t.Helper()
		out := filepath.Join(builds, ver, "featherd")
		cmd := exec.Command("go", "build", "-ldflags", "-X main.version="+ver, "-o", out, ".")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, b)
		}
		return out
	}
	oldBin, newBin := build("1.0-old"), build("2.0-new")
	for _, tc := range []struct {
		name    string
		install func(t *testing.T, dir string) string // the old binary; returns the path to start
		upgrade func(t *testing.T, dir string) error  // puts the new one in place
	}{
		{"rename", func(t *testing.T, dir string) string {
			copyFile(t, oldBin, filepath.Join(dir, "featherd"))
			return filepath.Join(dir, "featherd")
		}, func(t *testing.T, dir string) error {
			copyFile(t, newBin, filepath.Join(dir, "featherd.new"))
			return os.Rename(filepath.Join(dir, "featherd.new"), filepath.Join(dir, "featherd"))
		}},
		{"symlink", func(t *testing.T, dir string) string {
			if err := os.Symlink(oldBin, filepath.Join(dir, "featherd")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "featherd")
		}, func(t *testing.T, dir string) error {
			if err := os.Symlink(newBin, filepath.Join(dir, "featherd.new")); err != nil {
				return err
			}
			return os.Rename(filepath.Join(dir, "featherd.new"), filepath.Join(dir, "featherd"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := tc.install(t, dir)
			root := t.TempDir()
			writeFile(t, root, "index.html", "upgrade")
			port := freePort(t)
			conf := writeFile(t, t.TempDir(), "u.conf", fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.feature-flags += ( "server.graceful-restart-bg" => "enable" )
`, root, port))
			p := startProc(t, exec.Command(bin, "-D", "-f", conf))
			s := &restartServer{t: t, port: port, pid: p.cmd.Process.Pid, proc: p}
			waitServer := func(want string) {
				t.Helper()
				deadline := time.Now().Add(10 * time.Second)
				for {
					if tag, err := s.get("/index.html"); err == nil && tag == want {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("no response from %s\nstderr:\n%s", want, p.stderr)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			waitServer("featherd/1.0-old")
			s.waitStandby() // started from the old binary: it must not be used
			if err := tc.upgrade(t, dir); err != nil {
				t.Fatal(err)
			}
			syscall.Kill(s.pid, syscall.SIGUSR1)
			waitServer("featherd/2.0-new")
			if !strings.Contains(p.stderr.String(), "not used: the binary changed") {
				t.Errorf("the old binary's standby generation was not refused:\n%s", p.stderr)
			}
			if err := syscall.Kill(s.pid, 0); err != nil {
				t.Fatalf("the master is gone: %v", err)
			}
		})
	}
}

// copyFile copies an executable.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestNothingLeftBehind stops featherd with SIGINT and with SIGTERM and
// checks that it leaves no process, pid file, unix socket file, notify
// socket or temporary file behind (in its own TMPDIR, so that other
// featherd processes cannot confuse the count). In the background
// restart mode the standby generation must go too.
func TestNothingLeftBehind(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		bg   bool
	}{
		{"interrupt", syscall.SIGINT, false},
		{"terminated", syscall.SIGTERM, false},
		{"interrupt-bg", syscall.SIGINT, true},
		{"terminated-bg", syscall.SIGTERM, true},
	} {
		sig := tc.sig
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, root, "index.html", "bye")
			run := t.TempDir()
			sock := filepath.Join(run, "featherd.sock")
			pidFile := filepath.Join(run, "featherd.pid")
			mode := ""
			if tc.bg {
				mode = backgroundMode
			}
			conf := writeFile(t, t.TempDir(), "l.conf", fmt.Sprintf(`server.document-root = %q
server.bind = %q
server.pid-file = %q
%s
`, root, sock, pidFile, mode))
			tmp := t.TempDir()
			p := featherdProcessWith(t, func(cmd *exec.Cmd) { cmd.Env = append(cmd.Env, "TMPDIR="+tmp) }, "-D", "-f", conf)
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, err := os.Stat(pidFile); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no pid file\nstderr:\n%s", p.stderr)
				}
				time.Sleep(10 * time.Millisecond)
			}
			c, err := net.Dial("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(c, "GET /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
			if b, _ := io.ReadAll(c); !strings.HasSuffix(string(b), "bye") {
				t.Fatalf("response %q", b)
			}
			c.Close()
			children := childPids(p.cmd.Process.Pid)
			for tc.bg && len(children) < 2 && time.Now().Before(deadline) { // the standby
				time.Sleep(10 * time.Millisecond)
				children = childPids(p.cmd.Process.Pid)
			}
			if want := map[bool]int{false: 1, true: 2}[tc.bg]; len(children) != want {
				t.Fatalf("%d generations running, want %d", len(children), want)
			}
			p.cmd.Process.Signal(sig)
			if !p.exited(10 * time.Second) {
				t.Fatalf("featherd did not exit on %v", sig)
			}
			for _, pid := range children {
				if syscall.Kill(pid, 0) == nil {
					t.Errorf("generation %d still running", pid)
				}
			}
			for _, f := range []string{pidFile, sock} {
				if _, err := os.Stat(f); !os.IsNotExist(err) {
					t.Errorf("%s left behind", f)
				}
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("left behind in TMPDIR: %v", left)
			}
		})
	}
}

// TestSIGHUPReopensLog: after the error log is moved away (rotated),
// SIGHUP makes the master and the generation write to a new file.
func TestSIGHUPReopensLog(t *testing.T) {
	root := t.TempDir()
	logs := t.TempDir()
	logFile := filepath.Join(logs, "error.log")
	port := freePort(t)
	conf := writeFile(t, t.TempDir(), "h.conf", fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.errorlog = %q
server.max-keep-alive-idle = 1
`, root, port, logFile))
	p := featherdProcess(t, "-D", "-f", conf)
	waitFile(t, p, logFile, "generation 1 ready", 1)
	os.Rename(logFile, logFile+".1")
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFile(t, p, logFile, "error log reopened\n", 1)     // the master
	waitFile(t, p, logFile, "error log reopened (pid ", 1) // the generation
}

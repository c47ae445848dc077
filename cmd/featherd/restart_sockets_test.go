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
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestRestartUnixSocket restarts a server listening on a unix socket
// under the load of TestRestartUnderLoad, in both modes: the socket file
// is the master's for its whole life, so no request fails; it is removed
// when the master stops.
func TestRestartUnixSocket(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts real processes")
	}
	for _, mode := range restartModes {
		t.Run(mode.name, func(t *testing.T) {
			sock := filepath.Join(t.TempDir(), "featherd.sock")
			s := startRestartServerOn(t, &restartServer{unix: sock}, mode.extra)
			l := startLoad(s)
			for n := 1; n <= 4; n++ {
				s.setTag(n)
				syscall.Kill(s.pid, syscall.SIGUSR1)
				s.waitTag(n, 20*time.Second)
			}
			l.finish(t)
			syscall.Kill(s.pid, syscall.SIGINT)
			if !s.proc.exited(10 * time.Second) {
				t.Fatal("featherd did not stop on SIGINT")
			}
			if _, err := os.Stat(sock); !os.IsNotExist(err) {
				t.Errorf("socket file left behind: %v", err)
			}
		})
	}
}

// TestNoDescriptorLeak: the master holds the same descriptors after ten
// restarts as before them, and a generation that served every kind of
// request (files from memory and by sendfile, ranges, 404s, a body
// spooled to a temporary file, keep-alive and closed connections) is
// back to the descriptors it started with once its caches expired.
func TestNoDescriptorLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts real processes")
	}
	s := startRestartServer(t, backgroundMode)
	writeFile(t, s.root, "big.bin", strings.Repeat("b", 1<<20))
	s.waitStandby()
	master := openFDs(t, s.pid)

	for n := 1; n <= 10; n++ {
		s.setTag(n)
		syscall.Kill(s.pid, syscall.SIGUSR1)
		s.waitTag(n, 20*time.Second)
	}
	s.waitStandby()
	waitFDs(t, "the master after 10 restarts", s.pid, master, 10*time.Second)

	gen := servingPid(t, s)
	requests := []string{
		"GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n",
		"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n",
		"GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9,100-199\r\n\r\n",
		"GET /missing HTTP/1.1\r\nHost: t\r\n\r\n",
		"HEAD /slow/big.bin HTTP/1.1\r\nHost: t\r\n\r\n",
		"POST /index.html HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("p", 100000),
		"GET /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
	}
	round := func() error {
		c, err := s.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprint(c, strings.Join(requests, ""))
		_, err = io.Copy(io.Discard, c)
		return err
	}
	// The first rounds, at once, create most of what each event loop
	// makes once and keeps; the stat cache keeps descriptors of files in
	// use for up to 2 s.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- round() })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second)
	before := openFDs(t, gen)
	// Each event loop makes its poller (an epoll) on its first
	// connection, which the rounds above may not have reached: beside
	// the loops' own epolls and Go's, up to one per loop.
	loops := runtime.GOMAXPROCS(0)
	before[epoll] = 2*loops + 1
	for range 20 {
		if err := round(); err != nil {
			t.Fatal(err)
		}
	}
	if tag, err := s.get("/index.html"); err != nil || tag != "gen-10" {
		t.Fatalf("after the requests: %q, %v", tag, err)
	}
	waitFDs(t, "the serving generation", gen, before, 10*time.Second)
}

// openFDs counts the descriptors pid holds by what they refer to
// (descriptor numbers are reused in another order).
func openFDs(t *testing.T, pid int) map[string]int {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fds := map[string]int{}
	for _, e := range entries {
		target, _ := os.Readlink(filepath.Join(dir, e.Name()))
		fds[target]++
	}
	return fds
}

// waitFDs waits until pid holds no more descriptors of any kind than in
// want.
func waitFDs(t *testing.T, who string, pid int, want map[string]int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		var extra []string
		for target, n := range openFDs(t, pid) {
			if n > want[target] {
				extra = append(extra, fmt.Sprintf("%d × %s", n-want[target], target))
			}
		}
		if len(extra) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s (pid %d) holds more descriptors than before: %v", who, pid, extra)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const epoll = "anon_inode:[eventpoll]"

var servingLine = regexp.MustCompile(`generation \d+ \(pid (\d+)\) serving`)

// servingPid is the pid of the generation that started serving last.
// (servingPidOf waits for one.)
func servingPid(t *testing.T, s *restartServer) int {
	t.Helper()
	all := servingLine.FindAllStringSubmatch(s.proc.stderr.String(), -1)
	if len(all) == 0 {
		t.Fatalf("no generation serving:\n%s", s.proc.stderr)
	}
	pid, _ := strconv.Atoi(all[len(all)-1][1])
	return pid
}

// servingPidOf waits until the kth generation of master p to serve says
// it does (which it logs just after it starts accepting) and returns its
// pid.
func servingPidOf(t *testing.T, p *featherdProc, k int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if all := servingLine.FindAllStringSubmatch(p.stderr.String(), -1); len(all) >= k {
			pid, _ := strconv.Atoi(all[k-1][1])
			return pid
		}
		if time.Now().After(deadline) || p.exited(0) {
			t.Fatalf("no generation %d to serve:\n%s", k, p.stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func expectBody(t *testing.T, p *featherdProc, port int, want string) {
	t.Helper()
	if body := waitBody(t, p, "127.0.0.1:"+strconv.Itoa(port), "/index.html"); body != want {
		t.Fatalf("port %d: body %q, want %q", port, body, want)
	}
}

// TestSIGHUPDuringRestart: a log rotation's SIGHUP that arrives while a
// restart is under way (the next generation starting, held, or on
// standby) must not end the next generation, whose default action for
// SIGHUP would be to exit.
func TestSIGHUPDuringRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts real processes")
	}
	for _, mode := range restartModes {
		t.Run(mode.name, func(t *testing.T) {
			s := startRestartServer(t, mode.extra)
			// A download keeps the current generation draining, and the
			// next one held, for about a second.
			download := make(chan error, 1)
			go func() {
				c, err := s.dial()
				if err != nil {
					download <- err
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				fmt.Fprintf(c, "GET /slow/big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
				_, _, n, err := readResp(bufio.NewReader(c))
				if err == nil && n != 4<<20 {
					err = fmt.Errorf("%d bytes", n)
				}
				download <- err
			}()
			time.Sleep(100 * time.Millisecond)
			s.setTag(1)
			syscall.Kill(s.pid, syscall.SIGUSR1)
			for range 10 {
				syscall.Kill(s.pid, syscall.SIGHUP)
				time.Sleep(5 * time.Millisecond)
			}
			s.waitTag(1, 10*time.Second)
			if err := <-download; err != nil {
				t.Errorf("download: %v", err)
			}
			if log := s.proc.stderr.String(); strings.Contains(log, "failed") || strings.Contains(log, "hangup") {
				t.Errorf("a generation did not take SIGHUP:\n%s", log)
			}
		})
	}
}

// TestDaemonize: without -D, the starting process returns 0 once the
// background master serves; the master (in its own session) wrote its pid
// to the pid file, and SIGINT to it stops everything. A server that
// cannot start makes the starting process fail with the reason.
func TestDaemonize(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "index.html", "in the background")
	run := t.TempDir()
	pidFile := filepath.Join(run, "featherd.pid")
	port := freePort(t)
	errorLog := filepath.Join(run, "error.log")
	conf := writeFile(t, t.TempDir(), "d.conf", fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.pid-file = %q
server.errorlog = %q
`, root, port, pidFile, errorLog))
	cmd := exec.Command(os.Args[0], "-f", conf)
	cmd.Env = append(os.Environ(), "FEATHERD_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("featherd -f: %v\n%s", err, out)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("no pid file once the starting process returned: %v", err)
	}
	master, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if master <= 0 || master == cmd.Process.Pid {
		t.Fatalf("pid file says %q (the starting process was %d)", b, cmd.Process.Pid)
	}
	t.Cleanup(func() { syscall.Kill(master, syscall.SIGKILL) })
	if sid, _ := syscall.Getpgid(master); sid != master {
		t.Errorf("the master's process group is %d, want its own session %d", sid, master)
	}
	p := &featherdProc{stderr: &syncBuffer{}}
	expectBody(t, p, port, "in the background")
	// The starting process has returned: a restart notifies no one, and
	// says nothing of it.
	syscall.Kill(master, syscall.SIGUSR1)
	waitFile(t, p, errorLog, "generation 2 ready", 1)
	if b, _ := os.ReadFile(errorLog); strings.Contains(string(b), "notifying") {
		t.Errorf("the master tried to notify the process that started it, long gone:\n%s", b)
	}
	gens := childPids(master)
	syscall.Kill(master, syscall.SIGINT)
	deadline := time.Now().Add(10 * time.Second)
	for alive(master) {
		if time.Now().After(deadline) {
			t.Fatal("the master did not stop on SIGINT")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, pid := range gens {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("generation %d still running", pid)
		}
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}

	// The first generation cannot drop privileges to a user that does
	// not exist: the starting process says so and fails.
	bad := writeFile(t, t.TempDir(), "bad.conf", fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.username = "no-such-user-featherd"
`, root, port))
	cmd = exec.Command(os.Args[0], "-f", bad)
	cmd.Env = append(os.Environ(), "FEATHERD_TEST_MAIN=1")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no-such-user-featherd") {
		t.Fatalf("a server that cannot start: %v\n%s", err, out)
	}
}

// TestStartupErrorsLeaveNothing: a master that fails to start (a socket
// it cannot bind after binding others, a first generation that dies)
// exits non-zero and leaves no process, socket file, pid file or
// temporary file behind.
func TestStartupErrorsLeaveNothing(t *testing.T) {
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct{ name, extra string }{
		{"bind", fmt.Sprintf("$SERVER[\"socket\"] == %q { }\n", busy.Addr().String())},
		{"generation", "server.username = \"no-such-user-featherd\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			run := t.TempDir()
			sock := filepath.Join(run, "featherd.sock")
			pidFile := filepath.Join(run, "featherd.pid")
			conf := writeFile(t, t.TempDir(), "e.conf", fmt.Sprintf("server.document-root = %q\nserver.bind = %q\nserver.pid-file = %q\n%s",
				root, sock, pidFile, tc.extra))
			tmp := t.TempDir()
			p := featherdProcessWith(t, func(cmd *exec.Cmd) { cmd.Env = append(cmd.Env, "TMPDIR="+tmp) }, "-D", "-f", conf)
			if !p.exited(10 * time.Second) {
				t.Fatalf("featherd did not give up\n%s", p.stderr)
			}
			if p.cmd.ProcessState.ExitCode() == 0 {
				t.Errorf("exit status 0\n%s", p.stderr)
			}
			for _, f := range []string{pidFile, sock} {
				if _, err := os.Stat(f); !os.IsNotExist(err) {
					t.Errorf("%s left behind", f)
				}
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("left behind in TMPDIR: %v", left)
			}
			if kids := childPids(p.cmd.Process.Pid); len(kids) > 0 {
				t.Errorf("processes left behind: %v", kids)
			}
		})
	}
}

// TestOrphansReaped: a process a generation leaves behind (here the
// background child of an include_shell command, as CGI scripts and
// spawned backends will) is re-parented to the master, the child
// subreaper, which reaps it when it exits: no zombie stays.
func TestOrphansReaped(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "index.html", "reaper")
	port := freePort(t)
	conf := writeFile(t, t.TempDir(), "o.conf", fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
include_shell "(sleep 2.777 >/dev/null 2>&1 &); echo '# spawned'"
`, root, port))
	p := featherdProcess(t, "-D", "-f", conf)
	expectBody(t, p, port, "reaper")
	master := p.cmd.Process.Pid
	// The master's own include_shell ran before it became the subreaper:
	// that orphan went to init. The generation's must be the master's.
	var orphans []int
	for _, pid := range childPids(master) {
		if b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); string(b) == "sleep\x002.777\x00" {
			orphans = append(orphans, pid)
		}
	}
	if len(orphans) == 0 {
		t.Fatal("no orphan of the generation re-parented to the master")
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range orphans {
		for syscall.Kill(pid, 0) == nil { // a zombie can still be signalled
			if time.Now().After(deadline) {
				t.Fatalf("orphan %d not reaped", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// alive reports whether pid runs: it exists and is not a zombie. The
// daemonized master's parent is init, which may be slow to reap it, or,
// in a container, never.
func alive(pid int) bool {
	state, _, ok := procStat(pid)
	return ok && state != 'Z'
}

// TestRestartConfigFromStdin: with -f -, the master keeps the
// configuration it read and pipes it to every generation, the standby
// included; restarts in both modes serve it again.
func TestRestartConfigFromStdin(t *testing.T) {
	for _, mode := range restartModes {
		t.Run(mode.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, root, "index.html", "from stdin")
			port := freePort(t)
			conf := fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.max-keep-alive-idle = 1
%s
`, root, port, mode.extra)
			p := featherdProcessWith(t, func(cmd *exec.Cmd) { cmd.Stdin = strings.NewReader(conf) }, "-D", "-f", "-")
			s := &restartServer{t: t, port: port, pid: p.cmd.Process.Pid, proc: p}
			expectBody(t, p, port, "from stdin")
			for n := 2; n <= 3; n++ {
				if mode.name == "background" {
					s.waitStandby()
				}
				syscall.Kill(s.pid, syscall.SIGUSR1)
				p.waitStderr(t, fmt.Sprintf("generation %d ready", n), 10*time.Second)
				expectBody(t, p, port, "from stdin")
			}
		})
	}
}

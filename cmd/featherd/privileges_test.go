package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Started as root with server.username, featherd serves as that user:
// these tests need root and the user nobody.

// needNobody skips the test unless it runs as root and the user nobody
// exists.
func needNobody(t *testing.T) *user.User {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	return nobody
}

// publicDir makes a directory every user may enter (t.TempDir's are
// private to root), removed when the test ends.
func publicDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "featherd-priv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ownedDir makes the directory dir/name, owned by u.
func ownedDir(t *testing.T, dir, name string, u *user.User) string {
	t.Helper()
	d := filepath.Join(dir, name)
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(d, uid, gid); err != nil {
		t.Fatal(err)
	}
	return d
}

// testReadyTimeout is the ready timeout the privilege tests give the
// master (readyTimeoutEnv in package restart), so that they can show a
// server outliving it.
const testReadyTimeout = 2 * time.Second

func withReadyTimeout(cmd *exec.Cmd) {
	cmd.Env = append(cmd.Env, "FEATHERD_TEST_READY_TIMEOUT="+testReadyTimeout.String())
}

// TestPrivilegeDrop runs featherd as root with server.username, in both
// restart modes. The generations serve as that user while the master
// stays root, so a restart can bind a new privileged port. They tell the
// master how they are doing after giving up root (that they are ready;
// held in an in-place restart, that they are prepared; activated from
// standby in the background mode, that they are ready), and the master
// hears them: the server serves past the ready timeout, before and after
// a restart, and the pid file (written once the first generation is
// ready) exists.
func TestPrivilegeDrop(t *testing.T) {
	nobody := needNobody(t)
	for _, mode := range restartModes {
		t.Run(mode.name, func(t *testing.T) {
			dir := publicDir(t)
			root := filepath.Join(dir, "www")
			os.Mkdir(root, 0o755)
			writeFile(t, root, "index.html", "as nobody")
			port := freePort(t)
			low := freePrivilegedPort(t)
			pidFile := filepath.Join(dir, "featherd.pid")
			s := &restartServer{t: t, port: port, conf: filepath.Join(dir, "featherd.conf")}
			s.tmpl = fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.username = "nobody"
server.pid-file = %q
server.max-keep-alive-idle = 1
server.tag = "gen-%%d"
%s
`, root, port, pidFile, mode.extra)
			s.setTag(0)
			s.proc = featherdProcessWith(t, withReadyTimeout, "-D", "-f", s.conf)
			s.pid = s.proc.cmd.Process.Pid
			s.waitTag(0, 10*time.Second)
			checkUID(t, "master", s.pid, "0")
			first := servingPidOf(t, s.proc, 1)
			checkUID(t, "generation", first, nobody.Uid)
			s.servesPastReadyTimeout(0)
			if syscall.Kill(first, 0) != nil {
				t.Fatalf("generation 1 (pid %d) is gone\n%s", first, s.proc.stderr)
			}
			if b, err := os.ReadFile(pidFile); err != nil || string(b) != strconv.Itoa(s.pid)+"\n" {
				t.Errorf("pid file: %q, %v; want the master's pid %d", b, err, s.pid)
			}

			if mode.name == "background" {
				s.waitStandby()
			}
			s.setTag(1)
			syscall.Kill(s.pid, syscall.SIGUSR1)
			s.waitTag(1, 10*time.Second)
			if mode.name == "background" && !strings.Contains(s.proc.stderr.String(), "generation 2 activated") {
				t.Errorf("the standby generation was not activated:\n%s", s.proc.stderr)
			}
			s.servesPastReadyTimeout(1)
			checkUID(t, "restarted generation", servingPidOf(t, s.proc, 2), nobody.Uid)

			s.tmpl += fmt.Sprintf("$SERVER[\"socket\"] == \"127.0.0.1:%d\" { }\n", low)
			s.setTag(2)
			syscall.Kill(s.pid, syscall.SIGUSR1)
			s.waitTag(2, 10*time.Second)
			expectBody(t, s.proc, low, "as nobody")
			checkUID(t, "generation on a new privileged port", servingPidOf(t, s.proc, 3), nobody.Uid)
		})
	}
}

// servesPastReadyTimeout checks that the server answers every request
// for longer than the ready timeout, the last as generation n, and that
// the master never gave up on a generation.
func (s *restartServer) servesPastReadyTimeout(n int) {
	s.t.Helper()
	want := "gen-" + strconv.Itoa(n)
	tag := ""
	for deadline := time.Now().Add(testReadyTimeout + time.Second); time.Now().Before(deadline); {
		var err error
		if tag, err = s.get("/index.html"); err != nil {
			s.t.Fatalf("request failed: %v\nlog:\n%s", err, s.proc.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if tag != want {
		s.t.Fatalf("served by %s after the ready timeout, want %s\nlog:\n%s", tag, want, s.proc.stderr)
	}
	if log := s.proc.stderr.String(); strings.Contains(log, "did not become ready") || strings.Contains(log, "failed") {
		s.t.Fatalf("the master gave up on a generation:\n%s", log)
	}
}

// freePrivilegedPort finds a port below 1024 that nothing listens on.
func freePrivilegedPort(t *testing.T) int {
	t.Helper()
	for port := 1023; port > 900; port-- {
		ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			ln.Close()
			return port
		}
	}
	t.Skip("no free port below 1024")
	return 0
}

// checkUID checks that pid runs with uid as its real, effective and
// saved user id.
func checkUID(t *testing.T, who string, pid int, uid string) {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			ids := strings.Fields(rest)
			for _, id := range ids[:3] {
				if id != uid {
					t.Errorf("%s (pid %d) runs as uid %v, want %s", who, pid, ids, uid)
					return
				}
			}
			return
		}
	}
	t.Fatalf("%s: no Uid line", who)
}

// TestErrorLogSymlink: the error log's directory belongs to the server's
// user, who can put a link to a file of root's in the log's place, at
// start or before a log rotation's SIGHUP. Neither the master (root) nor
// a generation writes through it; the server says why it cannot open the
// log: at start it exits non-zero, on SIGHUP it goes on with the old log.
func TestErrorLogSymlink(t *testing.T) {
	nobody := needNobody(t)
	dir := publicDir(t)
	root := filepath.Join(dir, "www")
	os.Mkdir(root, 0o755)
	writeFile(t, root, "index.html", "served")
	logs := ownedDir(t, dir, "log", nobody)
	logFile := filepath.Join(logs, "error.log")
	secret := writeFile(t, dir, "roots-file", "root's own\n")
	unchanged := func() {
		t.Helper()
		if b, err := os.ReadFile(secret); err != nil || string(b) != "root's own\n" {
			t.Errorf("root's file was written through the link: %q, %v", b, err)
		}
	}
	port := freePort(t)
	conf := writeFile(t, dir, "l.conf", fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.username = "nobody"
server.errorlog = %q
server.max-keep-alive-idle = 1
`, root, port, logFile))

	t.Run("at start", func(t *testing.T) {
		if err := os.Symlink(secret, logFile); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(logFile)
		p := featherdProcess(t, "-D", "-f", conf)
		if !p.exited(10 * time.Second) {
			t.Fatalf("featherd started with a link for its log\n%s", p.stderr)
		}
		if code := p.cmd.ProcessState.ExitCode(); code == 0 || !strings.Contains(p.stderr.String(), "server.errorlog: open "+logFile+": permission denied") {
			t.Errorf("exit status %d, stderr:\n%s", code, p.stderr)
		}
		unchanged()
	})

	t.Run("before SIGHUP", func(t *testing.T) {
		p := featherdProcess(t, "-D", "-f", conf)
		waitFile(t, p, logFile, "generation 1 ready", 1)
		waitFile(t, p, logFile, "serving", 1)
		// The master created the log as the user that writes it.
		if fi, err := os.Stat(logFile); err != nil || strconv.Itoa(int(fi.Sys().(*syscall.Stat_t).Uid)) != nobody.Uid {
			t.Errorf("the error log is not nobody's: %v", err)
		}
		if err := os.Rename(logFile, logFile+".1"); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(secret, logFile); err != nil {
			t.Fatal(err)
		}
		p.cmd.Process.Signal(syscall.SIGHUP)
		// The master and the generation each log their failure to the
		// old file.
		waitFile(t, p, logFile+".1", "reopening the error log: server.errorlog: open "+logFile+": permission denied", 2)
		unchanged()
		expectBody(t, p, port, "served")
	})
}

// TestChroot: with server.chroot, the generations serve a site inside it
// (their root directory is the chroot), as the server's user; the master
// opens the error log they write, inside the chroot too, and a restart
// works. The generations stamp their log lines in the local time zone,
// which they cannot read from inside the chroot.
func TestChroot(t *testing.T) {
	nobody := needNobody(t)
	jail := publicDir(t)
	os.Mkdir(filepath.Join(jail, "www"), 0o755)
	writeFile(t, filepath.Join(jail, "www"), "index.html", "in the chroot")
	ownedDir(t, jail, "log", nobody)
	s := &restartServer{t: t, port: freePort(t), conf: filepath.Join(t.TempDir(), "c.conf")}
	s.tmpl = fmt.Sprintf(`server.chroot = %q
server.document-root = "/www"
server.errorlog = "/log/error.log"
server.bind = "127.0.0.1"
server.port = %d
server.username = "nobody"
server.max-keep-alive-idle = 1
server.tag = "gen-%%d"
`, jail, s.port)
	s.setTag(0)
	// A zone far from UTC, unless the machine has no zone files.
	zone, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		zone = nil
	}
	s.proc = featherdProcessWith(t, func(cmd *exec.Cmd) {
		if zone != nil {
			cmd.Env = append(cmd.Env, "TZ=Asia/Tokyo")
		}
	}, "-D", "-f", s.conf)
	s.pid = s.proc.cmd.Process.Pid
	s.waitTag(0, 10*time.Second)
	expectBody(t, s.proc, s.port, "in the chroot")
	logFile := filepath.Join(jail, "log", "error.log")
	check := func(n int) {
		t.Helper()
		line := waitLine(t, s.proc, logFile, fmt.Sprintf("generation %d (pid ", n))
		_, after, _ := strings.Cut(line, "(pid ")
		digits, _, _ := strings.Cut(after, ")")
		pid, _ := strconv.Atoi(digits)
		if dir, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/root"); err != nil || dir != jail {
			t.Errorf("generation %d's root is %q (%v), want %s", n, dir, err, jail)
		}
		checkUID(t, "generation", pid, nobody.Uid)
		if zone != nil {
			stamp, err := time.ParseInLocation("2006/01/02 15:04:05", line[:19], zone)
			if d := time.Since(stamp); err != nil || d < -time.Minute || d > time.Minute {
				t.Errorf("generation %d logged %q, %v from now in %s", n, line, d, zone)
			}
		}
	}
	check(1)
	s.setTag(1)
	syscall.Kill(s.pid, syscall.SIGUSR1)
	s.waitTag(1, 10*time.Second)
	check(2)
	waitFile(t, s.proc, logFile, "generation 2 ready", 1) // the master's line
}

// waitLine waits for a line of the file at path that contains text and
// returns it.
func waitLine(t *testing.T, p *featherdProc, path, text string) string {
	t.Helper()
	waitFile(t, p, path, text, 1)
	b, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, text) {
			return line
		}
	}
	panic("unreachable")
}

// TestNotRootIgnoresPrivilegeOptions: started by another user than root,
// featherd can neither change user nor enter a chroot; it serves as the
// user it is and says in its log that those options are ignored, where
// lighttpd is silent.
func TestNotRootIgnoresPrivilegeOptions(t *testing.T) {
	nobody := needNobody(t)
	dir := publicDir(t)
	// The test binary is featherd; nobody must be able to run a copy.
	exe := filepath.Join(dir, "featherd")
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "www")
	os.Mkdir(root, 0o755)
	writeFile(t, root, "index.html", "not root")
	os.Chmod(filepath.Join(root, "index.html"), 0o644)
	port := freePort(t)
	conf := writeFile(t, dir, "featherd.conf", fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.username = "www-data"
server.chroot = %q
`, root, port, dir))
	os.Chmod(conf, 0o644)
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	cmd := exec.Command(exe, "-D", "-f", conf)
	cmd.Env = append(os.Environ(), "FEATHERD_TEST_MAIN=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	p := startProc(t, cmd)
	expectBody(t, p, port, "not root")
	p.waitStderr(t, "server.username, server.groupname and server.chroot are ignored", 5*time.Second)
}

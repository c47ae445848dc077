package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// What featherd's processes pass on to the commands they run, and how
// they report to whoever started them.

// TestIncludeShellInheritsNothing: an include_shell command, run by the
// master (at start, before it binds, and on a restart, with its sockets
// bound) and by each generation (with the sockets the master passed),
// finds no socket among its descriptors and none of the variables that
// pass sockets and notify sockets, or mark featherd's own processes. The
// master here also holds a socket passed by "systemd" and systemd's
// NOTIFY_SOCKET.
func TestIncludeShellInheritsNothing(t *testing.T) {
	f, _ := activationSocket(t)
	notifyPath := listenNotify(t).path

	root := t.TempDir()
	writeFile(t, root, "index.html", "recorded")
	record := filepath.Join(t.TempDir(), "record")
	port := freePort(t)
	conf := writeFile(t, t.TempDir(), "r.conf", fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.systemd-socket-activation = "enable"
server.max-keep-alive-idle = 1
include_shell "{ echo \"=== $PPID\"; ls -l /proc/self/fd; env; } >> %s"
`, root, port, record))
	p := featherdProcessWith(t, func(cmd *exec.Cmd) {
		cmd.ExtraFiles = []*os.File{f}
		cmd.Env = append(cmd.Env, "LISTEN_FDS=1", "LISTEN_PID=parent:"+strconv.Itoa(os.Getpid()), "NOTIFY_SOCKET="+notifyPath)
	}, "-D", "-f", conf)
	expectBody(t, p, port, "recorded")
	syscall.Kill(p.cmd.Process.Pid, syscall.SIGUSR1)
	p.waitStderr(t, "generation 2 ready", 10*time.Second)

	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	byMaster, byOthers := 0, 0
	for _, run := range strings.Split(string(b), "=== ")[1:] {
		ppid, rest, _ := strings.Cut(run, "\n")
		who := "a generation (pid " + ppid + ")"
		if ppid == strconv.Itoa(p.cmd.Process.Pid) {
			who = "the master"
			byMaster++
		} else {
			byOthers++
		}
		for _, line := range strings.Split(rest, "\n") {
			if strings.Contains(line, "socket:") {
				t.Errorf("include_shell run by %s has a socket: %s", who, line)
			}
			for _, v := range []string{"LISTEN_FDS=", "LISTEN_PID=", "LISTEN_FDNAMES=", "NOTIFY_SOCKET=",
				"FEATHERD_GENERATION=", "FEATHERD_HOLD=", "FEATHERD_STANDBY=", "FEATHERD_DAEMON=", "FEATHERD_BINARY="} {
				if strings.HasPrefix(line, v) {
					t.Errorf("include_shell run by %s sees %s", who, line)
				}
			}
		}
	}
	if byMaster < 2 || byOthers < 2 {
		t.Errorf("include_shell ran %d times in the master and %d in generations, want 2 and 2 at least:\n%s", byMaster, byOthers, b)
	}
}

// TestNotifyFailureLogged: a master that cannot notify systemd logs each
// notification it could not send.
func TestNotifyFailureLogged(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "index.html", "unheard")
	port := freePort(t)
	conf := writeFile(t, t.TempDir(), "n.conf", fmt.Sprintf("server.document-root = %q\nserver.bind = \"127.0.0.1\"\nserver.port = %d\n", root, port))
	gone := filepath.Join(t.TempDir(), "no-systemd-here")
	p := featherdProcessWith(t, func(cmd *exec.Cmd) { cmd.Env = append(cmd.Env, "NOTIFY_SOCKET="+gone) }, "-D", "-f", conf)
	expectBody(t, p, port, "unheard")
	p.waitStderr(t, "notifying systemd (READY=1, STATUS=serving", 10*time.Second)
}

// TestGenerationCannotReport: a generation that cannot tell its master
// how it is doing says so and exits non-zero rather than serving
// unbeknown to the master: here a standby generation whose master's
// notify socket closes after the generation said it waits, so its
// READY=1 cannot be sent once activated; and one whose master's notify
// socket is gone from the start.
func TestGenerationCannotReport(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "index.html", "unreported")
	f, port := activationSocket(t)
	conf := writeFile(t, t.TempDir(), "g.conf", fmt.Sprintf("server.document-root = %q\nserver.bind = \"127.0.0.1\"\nserver.port = %d\n", root, port))
	notifyPath := filepath.Join(t.TempDir(), "notify")
	generation := func(extra ...string) *featherdProc {
		return featherdProcessWith(t, func(cmd *exec.Cmd) {
			cmd.ExtraFiles = []*os.File{f}
			cmd.Env = append(cmd.Env, append(extra, "FEATHERD_GENERATION=7", "NOTIFY_SOCKET="+notifyPath,
				"LISTEN_FDS=1", "LISTEN_PID=parent:"+strconv.Itoa(os.Getpid()))...)
		}, "-D", "-f", conf)
	}
	failed := func(p *featherdProc, why string) {
		t.Helper()
		if !p.exited(10 * time.Second) {
			t.Fatalf("the generation keeps running\n%s", p.stderr)
		}
		if p.cmd.ProcessState.ExitCode() == 0 || !strings.Contains(p.stderr.String(), why) {
			t.Errorf("exit status %d, stderr:\n%s\nwant %q", p.cmd.ProcessState.ExitCode(), p.stderr, why)
		}
	}

	failed(generation(), "featherd: generation 7: the master's notify socket: dial unixgram "+notifyPath)

	ns, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notifyPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	p := generation("FEATHERD_STANDBY=1")
	ns.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	n, err := ns.Read(buf)
	if err != nil || !strings.Contains(string(buf[:n]), "FEATHERD_STANDBY=1") {
		t.Fatalf("standby message %q, %v\n%s", buf[:n], err, p.stderr)
	}
	ns.Close()
	p.cmd.Process.Signal(syscall.SIGUSR2)
	failed(p, "featherd: generation 7: telling the master it serves: ")
}

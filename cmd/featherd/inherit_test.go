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
	activated, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := activated.(*net.TCPListener).File()
	activated.Close()
	defer f.Close()
	notifyPath := filepath.Join(t.TempDir(), "notify")
	ns, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notifyPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()

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
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.stderr.String(), "generation 2 ready") {
		if time.Now().After(deadline) {
			t.Fatalf("no restart\n%s", p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}

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

package restart

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// DaemonEnv marks the background process Daemonize started; it runs as
// the master, as featherd -D does.
const DaemonEnv = "FEATHERD_DAEMON"

// daemonTimeout bounds how long the starting process waits.
const daemonTimeout = 60 * time.Second

// Daemonize starts featherd in the background, as featherd without -D
// does: the same binary and arguments in a new session (setsid) with its
// standard streams on /dev/null. The starting process waits until the
// background master reports that it serves, over the sd_notify protocol,
// and returns its own exit status: 0 once it serves, 1 with the reason
// on stderr otherwise.
func Daemonize(args []string, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "featherd: "+format+"\n", a...)
		return 1
	}
	exe, err := Binary()
	if err != nil {
		return fail("finding featherd's binary: %v", err)
	}
	ns, err := listenNotify()
	if err != nil {
		return fail("notify socket: %v", err)
	}
	defer ns.close()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return fail("%v", err)
	}
	defer null.Close()
	env := append(os.Environ(), DaemonEnv+"=1", BinaryEnv+"="+exe, "NOTIFY_SOCKET="+ns.path)
	proc, err := os.StartProcess(exe, append([]string{"featherd: master"}, args...), &os.ProcAttr{
		Env:   env,
		Files: []*os.File{null, null, null},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		return fail("starting in the background: %v", err)
	}
	exited := make(chan *os.ProcessState, 1)
	go func() {
		st, _ := proc.Wait()
		exited <- st
	}()
	msgs := make(chan message, 4)
	go func() {
		buf := make([]byte, 4096)
		for {
			m, err := ns.read(buf, time.Now().Add(daemonTimeout))
			if err != nil {
				close(msgs)
				return
			}
			msgs <- m
		}
	}()
	status := ""
	timeout := time.After(daemonTimeout)
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				msgs = nil
				continue
			}
			if s := m["STATUS"]; s != "" {
				status = s
			}
			if m["READY"] == "1" {
				return 0
			}
		case st := <-exited:
			// Messages sent just before exiting are still queued.
			for m := range drain(msgs) {
				if s := m["STATUS"]; s != "" {
					status = s
				}
			}
			if status == "" {
				status = "it " + st.String()
			}
			return fail("daemonized server failed to start: %s", status)
		case <-timeout:
			return fail("daemonized server did not report ready within %v (pid %d keeps running)", daemonTimeout, proc.Pid)
		}
	}
}

// drain yields the messages already queued on ch.
func drain(ch chan message) func(func(message) bool) {
	return func(yield func(message) bool) {
		for ch != nil {
			select {
			case m, ok := <-ch:
				if !ok || !yield(m) {
					return
				}
			case <-time.After(50 * time.Millisecond):
				return
			}
		}
	}
}

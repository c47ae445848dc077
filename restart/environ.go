package restart

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Inherited is what featherd's parent handed it besides the command line:
// listen sockets (LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES, from systemd
// or from the master), a notify socket (NOTIFY_SOCKET, systemd's or the
// master's) and featherd's own markers (FEATHERD_*). TakeInherited reads
// them once, before anything runs a command, and removes them from the
// environment: a command the configuration runs (include_shell, in the
// master and in every generation) must not find a listen socket or a
// notify socket, nor be told it is one of featherd's processes. The
// values are handed on from here.
type Inherited struct {
	// Generation is the number the master gave this process
	// (GenerationEnv); 0 when the process is not a generation.
	Generation int
	// Daemon marks the background process Daemonize started (DaemonEnv).
	Daemon bool

	hold         bool   // HoldEnv
	standby      bool   // StandbyEnv
	binary       string // BinaryEnv
	notifySocket string // NOTIFY_SOCKET
	readyTimeout time.Duration

	// listenFDs is how many sockets were passed, when they were meant
	// for this process; they are close-on-exec from the start.
	listenFDs   int
	listenNames string

	// notify is a generation's connection to the master's notify
	// socket, made first thing, while the process is still root: the
	// socket lies in a directory only root may enter, and a connected
	// datagram socket needs no path lookup per message, so every
	// message still arrives once the generation has given up root and
	// entered server.chroot.
	notify notifier
}

// The variables TakeInherited takes. The test timeout is among them so
// that no child of featherd sees it either.
var inheritedVars = []string{
	"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
	GenerationEnv, HoldEnv, StandbyEnv, DaemonEnv, BinaryEnv, readyTimeoutEnv,
}

// TakeInherited reads what the parent handed over, clears it from the
// environment and marks inherited listen sockets close-on-exec. A
// generation also connects to its master's notify socket here; an error
// means it cannot report to its master and must exit.
func TakeInherited() (*Inherited, error) {
	env := map[string]string{}
	for _, k := range inheritedVars {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
			os.Unsetenv(k)
		}
	}
	in := &Inherited{
		Daemon:       env[DaemonEnv] != "",
		hold:         env[HoldEnv] == "1",
		standby:      env[StandbyEnv] != "",
		binary:       env[BinaryEnv],
		notifySocket: env["NOTIFY_SOCKET"],
		readyTimeout: readyTimeout,
		listenNames:  env["LISTEN_FDNAMES"],
	}
	if d, err := time.ParseDuration(env[readyTimeoutEnv]); err == nil && d > 0 {
		in.readyTimeout = d
	}
	var err error
	if v := env[GenerationEnv]; v != "" {
		if in.Generation, err = strconv.Atoi(v); err != nil || in.Generation < 1 {
			return nil, fmt.Errorf("%s=%q is not a generation number", GenerationEnv, v)
		}
	}
	if in.listenFDs, err = claimListenFDs(env["LISTEN_FDS"], env["LISTEN_PID"]); err != nil {
		return nil, err
	}
	if in.Generation > 0 {
		if in.notify, err = dialNotifier(in.notifySocket); err != nil {
			return nil, fmt.Errorf("generation %d: the master's notify socket: %w", in.Generation, err)
		}
	}
	return in, nil
}

// claimListenFDs is the number of sockets passed by LISTEN_FDS when LISTEN_PID
// says they are for this process (its pid, or "parent:<ppid>" as the
// master and lighttpd write it), else 0. Those sockets are made
// close-on-exec at once: systemd and the master pass them inheritable.
func claimListenFDs(fdsVar, pidVar string) (int, error) {
	if fdsVar == "" {
		return 0, nil
	}
	switch pidVar {
	case strconv.Itoa(os.Getpid()), "parent:" + strconv.Itoa(os.Getppid()):
	default:
		return 0, nil // meant for another process
	}
	n, err := strconv.Atoi(fdsVar)
	if err != nil || n < 1 || n >= 5000 {
		return 0, fmt.Errorf("LISTEN_FDS=%q is not a number of sockets", fdsVar)
	}
	for fd := listenFdsStart; fd < listenFdsStart+n; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
			return 0, fmt.Errorf("LISTEN_FDS=%d: fd %d: %w", n, fd, err)
		}
	}
	return n, nil
}

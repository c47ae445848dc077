package restart

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"syscall"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/reactor"
)

// GenerationEnv marks a process the master started as a generation; its
// value is the generation's number.
const GenerationEnv = "FEATHERD_GENERATION"

// RunGeneration serves cfg as the generation in.Generation: the listen
// sockets come from the master (LISTEN_FDS), readiness goes back to it
// (NOTIFY_SOCKET, connected by TakeInherited), and SIGINT drains it. A
// generation that cannot tell the master how it is doing says so on
// stderr and exits non-zero: the master, which would wait for it in
// vain, then counts it as failed. It returns the process's exit status.
func RunGeneration(cfg *config.Config, in *Inherited, stderr io.Writer) int {
	n := in.Generation
	tell := func(lines ...string) error {
		return in.notify.send(append(lines, GenerationEnv+"="+strconv.Itoa(n))...)
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "featherd: generation %d: %v\n", n, err)
		if err := tell("STATUS=generation " + strconv.Itoa(n) + " failed: " + err.Error()); err != nil {
			fmt.Fprintf(stderr, "featherd: generation %d: telling the master why: %v\n", n, err)
		}
		return 1
	}
	sockets, err := in.sockets()
	if err != nil {
		return fail(err)
	}
	listeners, missing, err := adopt(cfg, sockets)
	if err != nil {
		return fail(err)
	}
	if len(missing) > 0 {
		CloseListeners(listeners)
		return fail(fmt.Errorf("the master passed no socket for %s", missing[0].Token))
	}
	logs, err := openErrorLog(cfg, stderr)
	if err != nil {
		CloseListeners(listeners)
		return fail(err)
	}
	defer logs.close()
	raiseFDLimit(&cfg.Server, logs.logger)
	if err := dropPrivileges(cfg); err != nil {
		CloseListeners(listeners)
		return fail(err)
	}
	if in.hold {
		accept, err := waitForTurn(tell, logs)
		if err != nil || !accept {
			CloseListeners(listeners)
		}
		if err != nil {
			return fail(err)
		}
		if !accept {
			return 0
		}
	}
	err = serve(cfg, listeners, logs, serveOptions{ready: func(*reactor.Server) error {
		logs.logger.Printf("generation %d (pid %d) serving", n, os.Getpid())
		if err := tell("READY=1"); err != nil {
			return fmt.Errorf("telling the master it serves: %w", err)
		}
		return nil
	}})
	if err != nil {
		return fail(err)
	}
	return 0
}

// dropPrivileges switches to server.username and server.groupname when
// started as root (and only then, as lighttpd does); root itself is
// refused.
func dropPrivileges(cfg *config.Config) error {
	srv := &cfg.Server
	if os.Geteuid() != 0 || (srv.Username == "" && srv.Groupname == "") {
		return nil
	}
	gid, uid := -1, -1
	if srv.Groupname != "" {
		g, err := user.LookupGroup(srv.Groupname)
		if err != nil {
			return fmt.Errorf("server.groupname: %w", err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	var u *user.User
	if srv.Username != "" {
		var err error
		if u, err = user.Lookup(srv.Username); err != nil {
			return fmt.Errorf("server.username: %w", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		if gid < 0 {
			gid, _ = strconv.Atoi(u.Gid)
		}
	}
	if uid == 0 || gid == 0 {
		return fmt.Errorf("server.username/server.groupname: refusing to run as root")
	}
	groups := []int{gid}
	if u != nil {
		if ids, err := u.GroupIds(); err == nil {
			for _, s := range ids {
				if g, err := strconv.Atoi(s); err == nil && g != gid {
					groups = append(groups, g)
				}
			}
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("setgid %d: %w", gid, err)
	}
	if uid >= 0 {
		if err := syscall.Setuid(uid); err != nil {
			return fmt.Errorf("setuid %d: %w", uid, err)
		}
	}
	return nil
}

// waitForTurn is a held generation's wait: it tells the master it is
// prepared and waits for SIGUSR2 (accept now) or a stop signal. SIGHUP,
// which the master forwards to every generation, reopens the log here
// too. It reports whether to serve, or an error when the master could
// not be told.
func waitForTurn(tell func(...string) error, logs *errorLog) (bool, error) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR2, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := tell("FEATHERD_PREPARED=1"); err != nil {
		return false, fmt.Errorf("telling the master it is prepared: %w", err)
	}
	for {
		switch <-sigs {
		case syscall.SIGHUP:
			if err := logs.reopen(); err != nil {
				logs.logger.Printf("reopening the error log: %v", err)
			}
		case syscall.SIGUSR2:
			return true, nil
		default:
			return false, nil
		}
	}
}

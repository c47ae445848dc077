package restart

import (
	"fmt"
	"io"
	"os"
	"os/signal"
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
	logs, err := becomeServer(cfg, stderr)
	if err != nil {
		CloseListeners(listeners)
		return fail(err)
	}
	defer logs.close()
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

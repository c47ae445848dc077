package restart

import (
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/featherd/featherd/config"
	_ "github.com/featherd/featherd/http/modules" // every module featherd has
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/reactor"
)

// serveOptions are what differs between serving processes.
type serveOptions struct {
	// ready is called once the reactor accepts, with the server. An
	// error closes the server: serve returns it.
	ready func(*reactor.Server) error
	// noMaster makes SIGUSR1 a graceful stop: a process without a master
	// cannot restart, as in lighttpd. Otherwise SIGUSR1 is ignored:
	// restarts are the master's.
	noMaster bool
	// drainingFromStart is one-shot mode, a graceful shutdown from the
	// start in lighttpd: SIGINT stops at once, as a second SIGINT does,
	// and no start or stop is logged (one connection is not an event).
	drainingFromStart bool
	// stop starts a graceful stop when it yields a reason; nil never does.
	stop <-chan string
}

// serve runs a reactor on listeners until a signal ends it, the way
// every serving process does (a generation, or a single process in the
// modes without a master):
//   - SIGINT stops gracefully: drain, bounded by
//     server.graceful-shutdown-timeout; a second SIGINT stops at once;
//   - SIGTERM stops at once;
//   - SIGHUP reopens the error log;
//   - SIGUSR1: see serveOptions.noMaster.
//
// serve closes the listeners.
func serve(cfg *config.Config, listeners []reactor.Listener, logs *errorLog, o serveOptions) error {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if o.noMaster {
		signal.Notify(sigs, syscall.SIGUSR1)
	} else {
		signal.Ignore(syscall.SIGUSR1)
	}
	signal.Ignore(syscall.SIGUSR2) // a held generation's go-ahead, once is enough
	defer signal.Stop(sigs)

	plan, err := pipeline.NewPlan(cfg, logs.logger)
	if err != nil {
		CloseListeners(listeners)
		return err
	}
	srv, err := reactor.New(cfg, listeners, reactor.Options{Plan: plan, Logger: logs.logger})
	if err != nil {
		CloseListeners(listeners)
		return err
	}
	if err := srv.Start(); err != nil {
		CloseListeners(listeners)
		return err
	}
	if o.ready != nil {
		if err := o.ready(srv); err != nil {
			srv.Close()
			return err
		}
	}
	// How serving ends, which one-shot mode does not log (as lighttpd).
	logStop := logs.logger.Printf
	if o.drainingFromStart {
		logStop = func(string, ...any) {}
	}
	drained := make(chan error, 1)
	draining := false
	drain := func(why string) {
		draining = true
		timeout := cfg.Server.Features.GracefulShutdownTimeout
		logStop("graceful shutdown started: %s (%d connection(s) open, at most %v)", why, srv.Connections(), timeout)
		go func() { drained <- srv.Shutdown(timeout) }()
	}
	for {
		select {
		case err := <-drained:
			logStop("server stopped gracefully")
			return err
		case why := <-o.stop:
			if !draining {
				drain(why)
			}
		case sig := <-sigs:
			switch {
			case sig == syscall.SIGHUP:
				if err := logs.reopen(); err != nil {
					logs.logger.Printf("reopening the error log: %v", err)
				} else {
					logs.logger.Printf("error log reopened (pid %d)", os.Getpid())
				}
				srv.Sighup() // the modules' logs
			case (sig == syscall.SIGINT && !o.drainingFromStart || sig == syscall.SIGUSR1) && !draining:
				drain(sig.String())
			default:
				logStop("server stopped by %v", sig)
				return srv.Close()
			}
		}
	}
}

// raiseFDLimit applies server.max-fds to RLIMIT_NOFILE at start-up by
// lighttpd's rule (config.ServerOptions.NoFileLimit): with it unset, an
// inherited limit of 4096 or more is kept. When the kernel refuses the
// change, featherd plans with the soft limit it has, as lighttpd does:
// s.MaxFDs is lowered to it, so FDLimit and ConnectionLimit follow.
//
// Setting the limit also makes it the one featherd's children inherit;
// without that, Go gives them back the soft limit featherd inherited
// (Go raises its own soft limit to the hard one when it starts).
func raiseFDLimit(s *config.ServerOptions, logger *log.Logger) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		logger.Printf("server.max-fds: getrlimit(RLIMIT_NOFILE): %v", err)
		return
	}
	soft, hard, set := s.NoFileLimit(r.Cur, r.Max, os.Geteuid() == 0)
	switch {
	case !set && s.MaxFDs != 0:
		// lighttpd is silent here and plans with server.max-fds anyway.
		logger.Printf("server.max-fds %d is above the hard limit of open files (%d), which only root may raise; the limit stays at %d",
			s.MaxFDs, r.Max, r.Cur)
		return
	case !set:
		return
	}
	want := syscall.Rlimit{Cur: soft, Max: hard}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		logger.Printf("server.max-fds: setrlimit(RLIMIT_NOFILE, %d, %d): %v; featherd plans for %d descriptors", soft, hard, err, min(soft, r.Cur))
		if soft > r.Cur {
			s.MaxFDs = int(r.Cur)
		}
	}
}

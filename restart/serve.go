package restart

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http"
	"github.com/featherd/featherd/http/staticfile"
	"github.com/featherd/featherd/reactor"
)

// Handlers returns the handler chain of one event loop for cfg. Static
// files are the only handler so far.
func Handlers(cfg *config.Config) func() http.Handler {
	engine := cfg.Server.StatCacheEngine
	return func() http.Handler { return staticfile.New(engine) }
}

// ServeForeground serves cfg in this process until SIGINT or SIGTERM:
// it raises the file descriptor limit to server.max-fds, opens the
// listen sockets, runs the reactor, and on the signal closes everything
// it opened. ready, if not nil, is called once the server accepts.
func ServeForeground(cfg *config.Config, stderr io.Writer, ready func([]reactor.Listener)) error {
	logger, closeLog, err := openErrorLog(cfg, stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	raiseFDLimit(cfg.Server.FDLimit(), logger)

	listeners, err := Listen(cfg)
	if err != nil {
		return err
	}
	srv, err := reactor.New(cfg, listeners, reactor.Options{NewHandler: Handlers(cfg), Logger: logger})
	if err != nil {
		CloseListeners(listeners)
		return err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := srv.Start(); err != nil {
		CloseListeners(listeners)
		return err
	}
	for _, l := range listeners {
		logger.Printf("server started: listening on %s", l.Socket.Token)
	}
	if ready != nil {
		ready(listeners)
	}
	sig := <-sigs
	logger.Printf("server stopped by %v", sig)
	return srv.Close()
}

// openErrorLog opens server.errorlog: a file opened for appending, or
// stderr when it is not set.
func openErrorLog(cfg *config.Config, stderr io.Writer) (*log.Logger, func(), error) {
	name := cfg.Base().ErrorLog
	switch {
	case name == "":
		return log.New(stderr, "featherd: ", log.LstdFlags), func() {}, nil
	case strings.HasPrefix(name, "|"):
		return nil, nil, fmt.Errorf("server.errorlog %q: piped loggers are not supported yet", name)
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("server.errorlog: %w", err)
	}
	return log.New(f, "", log.LstdFlags), func() { f.Close() }, nil
}

// raiseFDLimit sets the soft RLIMIT_NOFILE to n (server.max-fds), within
// the hard limit.
func raiseFDLimit(n int, logger *log.Logger) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return
	}
	want := uint64(n)
	if want > r.Max {
		logger.Printf("server.max-fds %d is above the hard limit %d; using %d", n, r.Max, r.Max)
		want = r.Max
	}
	if r.Cur != want {
		r.Cur = want
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
			logger.Printf("server.max-fds: %v", err)
		}
	}
}

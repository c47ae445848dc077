package restart

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/config"
)

// HoldEnv asks a generation to prepare everything but wait for SIGUSR2
// before it accepts: the default (in-place) restart starts the next
// generation while the current one drains, so a next generation that
// cannot start leaves the current one serving.
const HoldEnv = "FEATHERD_HOLD"

// readyTimeout bounds how long a generation may take to become ready.
// readyTimeoutEnv (a duration, read once by TakeInherited) shortens it:
// it exists for featherd's tests, which show that a server outlives the
// timeout without waiting 30 s for it, and for nothing else.
const (
	readyTimeout    = 30 * time.Second
	readyTimeoutEnv = "FEATHERD_TEST_READY_TIMEOUT"
)

// MasterOptions describe how the master was started.
type MasterOptions struct {
	// Args are featherd's command-line arguments (without the program
	// name); every generation is started with them.
	Args []string
	// Load reads the configuration again, for every restart.
	Load func() (*config.Config, error)
	// Stderr receives the master's log when server.errorlog is not set.
	Stderr io.Writer
	// Stdin, when not nil, is the configuration read from standard input
	// (-f -): each generation reads it from a pipe, as the master did.
	Stdin []byte
	// Inherited is what featherd's parent passed (TakeInherited, which
	// must have run): systemd's sockets and notify socket.
	Inherited *Inherited
}

// master is the process that holds the listen sockets and the pid file
// for featherd's whole life and runs generations that serve. Its state
// is owned by the goroutine running Run: signals, generation messages and
// child exits all arrive there as events.
type master struct {
	opts         MasterOptions
	exe          string
	cfg          *config.Config
	logger       *log.Logger
	sockets      []*heldSocket
	notify       *notifySocket
	systemd      notifier
	readyTimeout time.Duration

	gens     map[int]*generation // by pid, every generation still running
	current  *generation         // the one serving (nil while none does)
	starting *generation         // the one being started by a restart
	standby  *generation         // started ahead of the next background restart
	next     int                 // the next generation's number
	again    bool                // another SIGUSR1 came during a restart
	stopping bool
	failed   bool // the first generation never became ready
	backoff  time.Duration
	retryAt  time.Time
	started  bool // the first generation has been ready
}

const (
	serveNow startMode = iota
	held               // prepared but not accepting (HoldEnv)
	standby            // not even configured (StandbyEnv)
)

// RunMaster runs featherd's master with cfg until it is stopped, and
// returns the process's exit status.
func RunMaster(cfg *config.Config, opts MasterOptions) int {
	m := &master{opts: opts, cfg: cfg, gens: map[int]*generation{}, next: 1,
		readyTimeout: opts.Inherited.readyTimeout, logger: log.New(opts.Stderr, "featherd: ", log.LstdFlags)}
	// A systemd that cannot be reached is logged at each notification.
	m.systemd, _ = dialNotifier(opts.Inherited.notifySocket)
	logs, err := openMasterLog(cfg, opts.Stderr)
	if err != nil {
		fmt.Fprintf(opts.Stderr, "featherd: %v\n", err)
		m.tellSystemd("STATUS=" + err.Error())
		return 1
	}
	defer logs.close()
	m.logger = logs.logger
	if err := m.setup(); err != nil {
		m.logger.Printf("%v", err)
		m.tellSystemd("STATUS=" + err.Error())
		m.cleanup()
		return 1
	}
	status := m.run(logs)
	m.cleanup()
	return status
}

// setup becomes the subreaper of orphaned children, binds the sockets and
// opens the notify socket.
func (m *master) setup() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER): %w", err)
	}
	exe, err := binary(m.opts.Inherited.binary)
	if err != nil {
		return fmt.Errorf("finding featherd's binary: %w", err)
	}
	m.exe = exe
	raiseFDLimit(&m.cfg.Server, m.logger)
	if err := m.adoptActivated(); err != nil {
		return err
	}
	if err := m.syncSockets(m.cfg); err != nil {
		return err
	}
	m.notify, err = listenNotify()
	if err != nil {
		return fmt.Errorf("notify socket: %w", err)
	}
	return nil
}

// run is the master's event loop.
func (m *master) run(logs *errorLog) int {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGCHLD)
	defer signal.Stop(sigs)
	msgs := make(chan message, 16)
	go m.readNotify(msgs)

	g, err := m.startGeneration(m.cfg, serveNow)
	if err != nil {
		m.logger.Printf("starting generation: %v", err)
		return 1
	}
	m.current = g
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var forceAt time.Time // stopping: when generations are killed
	for {
		select {
		case sig := <-sigs:
			switch sig {
			case syscall.SIGCHLD:
				// A generation that fails says why just before it exits.
				for len(msgs) > 0 {
					m.handleMessage(<-msgs)
				}
				m.reap()
			case syscall.SIGHUP:
				if err := logs.reopen(); err != nil {
					m.logger.Printf("reopening the error log: %v", err)
				} else {
					m.logger.Printf("error log reopened")
				}
				m.forwardHUP()
			case syscall.SIGUSR1:
				if !m.stopping {
					m.requestRestart()
				}
			case syscall.SIGINT:
				if !m.stopping {
					m.stopping = true
					m.logger.Printf("graceful shutdown: stopping %d generation(s)", len(m.gens))
					m.tellSystemd("STOPPING=1")
					m.signalAll(syscall.SIGINT)
					forceAt = time.Now().Add(m.cfg.Server.Features.GracefulShutdownTimeout + 2*time.Second)
					if m.cfg.Server.Features.GracefulShutdownTimeout == 0 {
						forceAt = time.Time{}
					}
					break
				}
				fallthrough
			case syscall.SIGTERM:
				m.logger.Printf("server stopped by %v", sig)
				m.stopping = true
				m.tellSystemd("STOPPING=1")
				m.signalAll(syscall.SIGTERM)
				forceAt = time.Now().Add(2 * time.Second)
			}
		case msg := <-msgs:
			m.handleMessage(msg)
		case <-tick.C:
			m.reap() // a SIGCHLD can be coalesced with one already queued
			if !forceAt.IsZero() && time.Now().After(forceAt) {
				m.signalAll(syscall.SIGKILL)
				forceAt = time.Now().Add(time.Second)
			}
			m.checkDeadlines()
		}
		if m.stopping && len(m.gens) == 0 {
			if m.failed {
				return 1
			}
			m.logger.Printf("server stopped")
			return 0
		}
	}
}

// readNotify forwards generations' sd_notify messages to the event loop.
func (m *master) readNotify(out chan<- message) {
	buf := make([]byte, 4096)
	for {
		msg, err := m.notify.read(buf, time.Time{})
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		out <- msg
	}
}

// handleMessage acts on a generation's notification.
func (m *master) handleMessage(msg message) {
	n, _ := strconv.Atoi(msg[GenerationEnv])
	g := m.byNumber(n)
	if g == nil {
		return
	}
	if s, ok := msg["STATUS"]; ok {
		m.logger.Printf("generation %d: %s", n, s)
		g.status = s
	}
	defer func() {
		if g.hup && g.takesHUP() {
			g.hup = false
			g.proc.Signal(syscall.SIGHUP)
		}
	}()
	switch {
	case msg["FEATHERD_STANDBY"] == "1":
		g.waiting = true
		m.logger.Printf("generation %d on standby", g.n)
		if g == m.starting {
			m.activate(g)
		}
	case msg["FEATHERD_PREPARED"] == "1":
		g.prepared = true
		m.proceedRestart()
	case msg["READY"] == "1":
		g.ready = true
		m.generationReady(g)
	}
}

// generationReady: the first generation makes the server ready; a
// restarted one replaces the current one.
func (m *master) generationReady(g *generation) {
	m.logger.Printf("generation %d ready", g.n)
	if !m.started && g == m.current {
		m.started = true
		m.backoff = 0
		if err := writePidFile(m.cfg.Server.PidFile); err != nil {
			m.logger.Printf("%v", err)
		}
		m.tellSystemd("READY=1", "STATUS=serving", "MAINPID="+strconv.Itoa(os.Getpid()))
		if m.opts.Inherited.Daemon {
			// The process that daemonized featherd waited for this and
			// returns now; nothing listens after it.
			m.systemd.close()
			m.systemd = notifier{}
		}
		m.prepareStandby()
		return
	}
	if g != m.starting {
		if g == m.current { // restarted after a crash
			m.tellSystemd("READY=1", "STATUS=serving")
		}
		return
	}
	old := m.current
	m.current, m.starting = g, nil
	if old != nil && !old.draining {
		m.drain(old)
	}
	m.dropUnused(m.cfg)
	m.tellSystemd("READY=1", "STATUS=serving (generation "+strconv.Itoa(g.n)+")")
	if m.again {
		m.again = false
		m.requestRestart()
	}
	m.prepareStandby()
}

// tellSystemd notifies systemd (or the process that daemonized featherd),
// if there is one. A notification that cannot be sent is logged: systemd
// would otherwise wait for a READY=1 that never comes, or kill a master
// it believes stuck, with nothing saying why.
func (m *master) tellSystemd(lines ...string) {
	if err := m.systemd.send(lines...); err != nil {
		m.logger.Printf("notifying systemd (%s): %v", strings.Join(lines, ", "), err)
	}
}

// drain tells a generation to stop gracefully.
func (m *master) drain(g *generation) {
	g.draining = true
	m.logger.Printf("generation %d draining", g.n)
	g.proc.Signal(syscall.SIGINT)
}

// requestRestart begins a graceful restart (SIGUSR1): re-read the
// configuration, bind what it adds, and start the next generation. In
// the background mode the next generation starts serving at once and the
// current one drains behind it; in the default (lighttpd's in-place)
// mode the current one drains first, and the next, prepared meanwhile,
// accepts once it has exited.
func (m *master) requestRestart() {
	if m.starting != nil {
		m.again = true // one more once this one is done
		return
	}
	m.tellSystemd(reloading()...)
	cfg, err := m.opts.Load()
	if err == nil {
		err = m.syncSockets(cfg)
	}
	if err != nil {
		m.logger.Printf("graceful restart failed, the current generation keeps serving: %v", err)
		m.tellSystemd("READY=1", "STATUS=restart failed: "+err.Error())
		return
	}
	m.cfg = cfg
	bg := cfg.Server.Features.GracefulRestartBG
	if bg {
		if g := m.takeStandby(cfg); g != nil {
			g.deadline = time.Now().Add(m.readyTimeout)
			m.starting = g
			if g.waiting {
				m.activate(g)
			}
			return
		}
	}
	mode := serveNow
	if !bg {
		mode = held
		if m.standby != nil {
			m.dropStandby(m.standby, "the background restart was switched off")
		}
	}
	g, err := m.startGeneration(cfg, mode)
	if err != nil {
		m.logger.Printf("graceful restart failed, the current generation keeps serving: %v", err)
		m.tellSystemd("READY=1", "STATUS=restart failed: "+err.Error())
		return
	}
	m.starting = g
}

// proceedRestart moves an in-place restart on once the next generation
// is prepared: the current one drains; when it has exited (reap), the
// next one is told to accept.
func (m *master) proceedRestart() {
	g := m.starting
	if g == nil || !g.prepared || g.accepting || m.stopping {
		return
	}
	if m.current != nil && !m.current.draining {
		m.drain(m.current)
	}
	if m.current == nil || m.gens[m.current.proc.Pid] == nil {
		m.logger.Printf("generation %d accepting", g.n)
		g.accepting = true
		g.deadline = time.Now().Add(m.readyTimeout)
		g.proc.Signal(syscall.SIGUSR2)
	}
}

// reap collects every child that exited: generations, and the orphans
// the master inherits as subreaper.
func (m *master) reap() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
		g := m.gens[pid]
		if g == nil {
			continue // an orphan of an old generation
		}
		delete(m.gens, pid)
		g.proc.Release() // its pidfd
		m.generationExited(g, ws)
	}
}

func (m *master) generationExited(g *generation, ws unix.WaitStatus) {
	how := "exited with status " + strconv.Itoa(ws.ExitStatus())
	if ws.Signaled() {
		how = "was killed (" + ws.Signal().String() + ")"
	}
	switch {
	case g == m.standby:
		m.standby = nil
		m.logger.Printf("standby generation %d %s", g.n, how)
	case g.draining:
		m.logger.Printf("generation %d %s after draining", g.n, how)
		if m.current == g {
			m.current = nil
		}
		m.proceedRestart()
	case m.stopping:
		m.logger.Printf("generation %d %s", g.n, how)
		if m.current == g {
			m.current = nil
		}
	case g == m.starting:
		m.starting = nil
		m.logger.Printf("graceful restart failed, the current generation keeps serving: generation %d %s before it was ready", g.n, how)
		m.tellSystemd("READY=1", "STATUS=restart failed: "+g.failure(how))
		if m.current == nil {
			m.scheduleRetry()
		} else {
			m.prepareStandby()
		}
	default: // the serving generation died
		m.logger.Printf("generation %d %s unexpectedly", g.n, how)
		if m.current == g {
			m.current = nil
		}
		if !m.started {
			// The first generation never came up: give up.
			m.stopping, m.failed = true, true
			m.tellSystemd("STATUS=" + g.failure(how))
			return
		}
		m.scheduleRetry()
	}
}

// scheduleRetry starts a replacement after a back-off that doubles while
// generations keep dying young.
func (m *master) scheduleRetry() {
	m.backoff = min(max(2*m.backoff, 100*time.Millisecond), 10*time.Second)
	m.retryAt = time.Now().Add(m.backoff)
}

// checkDeadlines starts a replacement when its back-off is over, and
// stops a generation that takes too long to become ready.
func (m *master) checkDeadlines() {
	now := time.Now()
	if !m.retryAt.IsZero() && now.After(m.retryAt) && !m.stopping {
		m.retryAt = time.Time{}
		if m.current == nil && m.starting == nil {
			g, err := m.startGeneration(m.cfg, serveNow)
			if err != nil {
				m.logger.Printf("%v", err)
				m.scheduleRetry()
			} else {
				m.current = g
			}
		}
	}
	if m.current != nil && m.current.ready && now.Sub(m.current.since) > 10*time.Second {
		m.backoff = 0
	}
	for _, g := range m.gens {
		if !g.ready && !g.draining && g != m.standby && (!g.prepared || g.accepting) && now.After(g.deadline) {
			// It is the current or the starting generation; its exit is
			// handled as a failure to start.
			m.logger.Printf("generation %d did not become ready within %v", g.n, m.readyTimeout)
			g.proc.Signal(syscall.SIGTERM)
			g.deadline = now.Add(time.Hour)
		}
	}
}

// forwardHUP passes SIGHUP (reopen the logs) on to the generations. One
// that cannot take it yet (SIGHUP's default action would end it) gets it
// once it says it is prepared or ready: it may have opened its log
// before the rotation.
func (m *master) forwardHUP() {
	for _, g := range m.gens {
		if g.takesHUP() {
			g.proc.Signal(syscall.SIGHUP)
		} else {
			g.hup = true
		}
	}
}

// signalAll sends sig to every running generation.
func (m *master) signalAll(sig syscall.Signal) {
	for _, g := range m.gens {
		if sig == syscall.SIGINT {
			g.draining = true
		}
		g.proc.Signal(sig)
	}
}

// cleanup closes the sockets (removing unix socket files), the notify
// socket and the pid file: nothing of the master is left behind.
func (m *master) cleanup() {
	for _, h := range m.sockets {
		h.close()
	}
	m.sockets = nil
	if m.notify != nil {
		m.notify.close()
	}
	if m.started {
		removePidFile(m.cfg.Server.PidFile)
	}
}

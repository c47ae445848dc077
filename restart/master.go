package restart

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"slices"
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
const readyTimeout = 30 * time.Second

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
}

// master is the process that holds the listen sockets and the pid file
// for featherd's whole life and runs generations that serve. Its state
// is owned by the goroutine running Run: signals, generation messages and
// child exits all arrive there as events.
type master struct {
	opts    MasterOptions
	exe     string
	cfg     *config.Config
	logger  *log.Logger
	sockets []*heldSocket
	notify  *notifySocket
	systemd notifier
	pidFile string

	gens     map[int]*generation // by pid, every generation still running
	current  *generation         // the one serving (nil while none does)
	starting *generation         // the one being started by a restart
	standby  *generation         // started ahead of the next background restart
	next     int                 // the next generation's number
	bg       bool                // the restart in progress is a background one
	again    bool                // another SIGUSR1 came during a restart
	stopping bool
	failed   bool // the first generation never became ready
	backoff  time.Duration
	retryAt  time.Time
	started  bool // the first generation has been ready
}

// heldSocket is a listen socket the master keeps open; file is the copy
// passed to generations.
type heldSocket struct {
	sock      config.Socket
	ln        net.Listener
	file      *os.File
	inherited bool // from systemd: kept even when the configuration does not name it
}

// generation is one serving process.
type generation struct {
	n         int
	proc      *os.Process
	sockets   []string // the tokens of the sockets it was given
	binary    binaryID // the binary it was started from
	prepared  bool     // held, ready to accept on SIGUSR2
	accepting bool     // told to accept (SIGUSR2 sent)
	standby   bool     // waits to be activated by a background restart
	waiting   bool     // a standby that said it waits (SIGUSR2 is safe)
	ready     bool
	draining  bool   // told to stop; its exit is expected
	hup       bool   // a SIGHUP came before it could take one
	status    string // its last STATUS=, which says why it failed
	deadline  time.Time
	since     time.Time
}

// startMode is how a generation starts.
type startMode int

const (
	serveNow startMode = iota
	held               // prepared but not accepting (HoldEnv)
	standby            // not even configured (StandbyEnv)
)

// RunMaster runs featherd's master with cfg until it is stopped, and
// returns the process's exit status.
func RunMaster(cfg *config.Config, opts MasterOptions) int {
	m := &master{opts: opts, cfg: cfg, gens: map[int]*generation{}, next: 1, systemd: newNotifier()}
	logs, err := openErrorLog(cfg, opts.Stderr)
	if err != nil {
		fmt.Fprintf(opts.Stderr, "featherd: %v\n", err)
		m.systemd.send("STATUS=" + err.Error())
		return 1
	}
	defer logs.close()
	m.logger = logs.logger
	if err := m.setup(); err != nil {
		m.logger.Printf("%v", err)
		m.systemd.send("STATUS=" + err.Error())
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
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding featherd's binary: %w", err)
	}
	m.exe = exe
	raiseFDLimit(m.cfg.Server.FDLimit(), m.logger)
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

// adoptActivated takes the sockets systemd passed (socket activation,
// server.systemd-socket-activation, which the background restart mode
// implies as in lighttpd): each is matched to a configured socket by its
// address and never bound again; those the configuration does not name
// are served with the global options, as lighttpd does.
func (m *master) adoptActivated() error {
	srv := &m.cfg.Server
	if !srv.SystemdSocketActivation && !srv.Features.GracefulRestartBG {
		return nil
	}
	in, err := inheritedSockets()
	if err != nil {
		return fmt.Errorf("socket activation: %w", err)
	}
	for _, x := range in {
		ln, err := net.FileListener(x.file)
		if err != nil {
			return fmt.Errorf("socket activation: fd %d (%s): %w", x.file.Fd(), x.token, err)
		}
		h := &heldSocket{sock: config.Socket{Token: x.token, Network: "inherited", Address: x.token}, ln: ln, file: x.file, inherited: true}
		for _, s := range m.cfg.Sockets {
			if s.Token == x.token {
				h.sock = s
			}
		}
		m.logger.Printf("socket activation: serving %s", x.token)
		m.sockets = append(m.sockets, h)
	}
	return nil
}

// syncSockets makes the held sockets those cfg names: it binds new ones
// (the master keeps its start-up privileges for that) and keeps the rest.
// Sockets cfg no longer names are closed by dropUnused once no starting
// generation needs them.
func (m *master) syncSockets(cfg *config.Config) error {
	var added []*heldSocket
	for _, s := range cfg.Sockets {
		if m.held(s.Token) != nil {
			continue
		}
		ls, err := listenSocket(s)
		if err != nil {
			for _, h := range added {
				h.close()
			}
			return fmt.Errorf("%s: %w", s.Pos, err)
		}
		f, err := listenerFile(ls)
		if err != nil {
			ls.Close()
			return fmt.Errorf("%s: %w", s.Pos, err)
		}
		added = append(added, &heldSocket{sock: s, ln: ls, file: f})
	}
	m.sockets = append(m.sockets, added...)
	return nil
}

func (m *master) held(token string) *heldSocket {
	for _, h := range m.sockets {
		if h.sock.Token == token {
			return h
		}
	}
	return nil
}

// dropUnused closes the sockets cfg does not name. A generation that
// still has a copy keeps serving its connections; it accepts no more.
func (m *master) dropUnused(cfg *config.Config) {
	keep := m.sockets[:0]
	for _, h := range m.sockets {
		if h.inherited || cfg.HasSocket(h.sock.Token) {
			keep = append(keep, h)
		} else {
			m.logger.Printf("closing socket %s: the configuration no longer names it", h.sock.Token)
			h.close()
		}
	}
	m.sockets = keep
}

func (h *heldSocket) close() {
	h.file.Close()
	h.ln.Close()
}

// listenerFile returns a copy of a listener's socket to pass to children.
func listenerFile(ln net.Listener) (*os.File, error) {
	if f, ok := ln.(interface{ File() (*os.File, error) }); ok {
		return f.File()
	}
	return nil, errors.New("cannot pass this listener to a child process")
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
					m.systemd.send("STOPPING=1")
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
				m.systemd.send("STOPPING=1")
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

// startGeneration execs featherd as the next generation, with the held
// sockets as fds 3.. and the notify socket for its readiness. The caller
// decides its role: current, starting or standby.
func (m *master) startGeneration(cfg *config.Config, mode startMode) (*generation, error) {
	n := m.next
	m.next++
	stdin := os.Stdin
	if m.opts.Stdin != nil {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("starting generation %d: %w", n, err)
		}
		defer r.Close()
		go func() {
			w.Write(m.opts.Stdin)
			w.Close()
		}()
		stdin = r
	}
	// Descriptor numbers, not *os.File: os.StartProcess calls Fd() on
	// each file, which switches it to blocking mode, and a listening
	// socket's mode is shared by every process holding it: the serving
	// generation's accept would then block in the kernel, where closing
	// its listener to drain cannot interrupt it.
	files := []uintptr{stdin.Fd(), os.Stdout.Fd(), os.Stderr.Fd()}
	var names []string
	for _, s := range cfg.Sockets {
		if m.held(s.Token) == nil {
			return nil, fmt.Errorf("socket %s is not bound", s.Token)
		}
	}
	passed := m.passed(cfg)
	for _, h := range passed {
		fd, err := rawFd(h.file)
		if err != nil {
			return nil, fmt.Errorf("starting generation %d: %w", n, err)
		}
		files = append(files, fd)
		names = append(names, escapeName(h.sock.Token))
	}
	env := append(os.Environ(),
		GenerationEnv+"="+strconv.Itoa(n),
		"LISTEN_FDS="+strconv.Itoa(len(names)),
		"LISTEN_PID=parent:"+strconv.Itoa(os.Getpid()),
		"LISTEN_FDNAMES="+strings.Join(names, ":"),
		"NOTIFY_SOCKET="+m.notify.path,
	)
	switch mode {
	case held:
		env = append(env, HoldEnv+"=1")
	case standby:
		env = append(env, StandbyEnv+"=1")
	}
	binary := identifyBinary(m.exe)
	// The name ps shows; the binary is the one on disk now, so a new
	// binary is picked up by the next restart.
	argv := append([]string{"featherd: generation " + strconv.Itoa(n)}, m.opts.Args...)
	pid, err := syscall.ForkExec(m.exe, argv, &syscall.ProcAttr{Env: env, Files: files})
	if err != nil {
		return nil, fmt.Errorf("starting generation %d: %w", n, err)
	}
	proc, _ := os.FindProcess(pid) // always succeeds on Unix
	g := &generation{n: n, proc: proc, sockets: tokens(passed), binary: binary, standby: mode == standby,
		deadline: time.Now().Add(readyTimeout), since: time.Now()}
	m.gens[proc.Pid] = g
	if g.standby {
		m.logger.Printf("generation %d started as standby (pid %d)", n, proc.Pid)
	} else {
		m.logger.Printf("generation %d started (pid %d)", n, proc.Pid)
	}
	return g, nil
}

// passed lists the held sockets a generation serving cfg is given: those
// cfg names and those systemd passed.
func (m *master) passed(cfg *config.Config) []*heldSocket {
	var out []*heldSocket
	for _, h := range m.sockets {
		if h.inherited || cfg.HasSocket(h.sock.Token) {
			out = append(out, h)
		}
	}
	return out
}

func tokens(sockets []*heldSocket) []string {
	out := make([]string, len(sockets))
	for i, h := range sockets {
		out[i] = h.sock.Token
	}
	return out
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

func (m *master) byNumber(n int) *generation {
	for _, g := range m.gens {
		if g.n == n {
			return g
		}
	}
	return nil
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
		m.systemd.send("READY=1", "STATUS=serving", "MAINPID="+strconv.Itoa(os.Getpid()))
		m.prepareStandby()
		return
	}
	if g != m.starting {
		if g == m.current { // restarted after a crash
			m.systemd.send("READY=1", "STATUS=serving")
		}
		return
	}
	old := m.current
	m.current, m.starting = g, nil
	if old != nil && !old.draining {
		m.drain(old)
	}
	m.dropUnused(m.cfg)
	m.systemd.send("READY=1", "STATUS=serving (generation "+strconv.Itoa(g.n)+")")
	if m.again {
		m.again = false
		m.requestRestart()
	}
	m.prepareStandby()
}

// prepareStandby starts the generation the next background restart will
// activate, when the current configuration asks for that mode and no
// restart is under way.
func (m *master) prepareStandby() {
	if m.standby != nil || m.starting != nil || m.stopping || !m.cfg.Server.Features.GracefulRestartBG {
		return
	}
	g, err := m.startGeneration(m.cfg, standby)
	if err != nil {
		m.logger.Printf("standby generation: %v", err)
		return
	}
	m.standby = g
}

// takeStandby returns the standby generation when it can serve cfg: it
// was started from the binary on disk now and holds exactly the sockets
// cfg needs. Otherwise it is stopped (a socket cfg no longer names must
// not stay open in it) and nil is returned. A standby that has not said
// it waits yet is still taken: it is further along than a new process.
func (m *master) takeStandby(cfg *config.Config) *generation {
	g := m.standby
	if g == nil {
		return nil
	}
	m.standby = nil
	why := ""
	switch {
	case g.binary != identifyBinary(m.exe):
		why = "the binary changed"
	case !slices.Equal(g.sockets, tokens(m.passed(cfg))):
		why = "the sockets changed"
	default:
		return g
	}
	m.dropStandby(g, why)
	return nil
}

// activate tells a waiting standby generation to read the configuration
// and serve: it becomes the starting generation of a background restart.
func (m *master) activate(g *generation) {
	m.logger.Printf("generation %d activated", g.n)
	g.proc.Signal(syscall.SIGUSR2)
}

// dropStandby stops a standby generation that will not be used.
func (m *master) dropStandby(g *generation, why string) {
	m.logger.Printf("standby generation %d not used: %s", g.n, why)
	if m.standby == g {
		m.standby = nil
	}
	g.draining = true
	g.proc.Signal(syscall.SIGTERM)
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
	m.systemd.send(reloading()...)
	cfg, err := m.opts.Load()
	if err == nil {
		err = m.syncSockets(cfg)
	}
	if err != nil {
		m.logger.Printf("graceful restart failed, the current generation keeps serving: %v", err)
		m.systemd.send("READY=1", "STATUS=restart failed: "+err.Error())
		return
	}
	m.cfg = cfg
	m.bg = cfg.Server.Features.GracefulRestartBG
	if m.bg {
		if g := m.takeStandby(cfg); g != nil {
			g.standby = false
			g.deadline = time.Now().Add(readyTimeout)
			m.starting = g
			if g.waiting {
				m.activate(g)
			}
			return
		}
	}
	mode := serveNow
	if !m.bg {
		mode = held
		if m.standby != nil {
			m.dropStandby(m.standby, "the background restart was switched off")
		}
	}
	g, err := m.startGeneration(cfg, mode)
	if err != nil {
		m.logger.Printf("graceful restart failed, the current generation keeps serving: %v", err)
		m.systemd.send("READY=1", "STATUS=restart failed: "+err.Error())
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
		g.deadline = time.Now().Add(readyTimeout)
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
		m.systemd.send("READY=1", "STATUS=restart failed: "+g.failure(how))
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
			m.systemd.send("STATUS=" + g.failure(how))
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
		if !g.ready && !g.draining && !g.standby && (!g.prepared || g.accepting) && now.After(g.deadline) {
			// It is the current or the starting generation; its exit is
			// handled as a failure to start.
			m.logger.Printf("generation %d did not become ready within %v", g.n, readyTimeout)
			g.proc.Signal(syscall.SIGTERM)
			g.deadline = now.Add(time.Hour)
		}
	}
}

// failure says why a generation did not become ready: what it reported,
// else how it exited.
func (g *generation) failure(how string) string {
	if g.status != "" {
		return g.status
	}
	return "generation " + strconv.Itoa(g.n) + " " + how + " before it was ready"
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

// takesHUP reports whether the generation handles SIGHUP: it serves, or
// it is held (waitForTurn).
func (g *generation) takesHUP() bool {
	return g.ready || (g.prepared && !g.accepting)
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

// rawFd returns f's descriptor without f.Fd()'s switch to blocking mode.
func rawFd(f *os.File) (uintptr, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd uintptr
	err = rc.Control(func(d uintptr) { fd = d })
	return fd, err
}

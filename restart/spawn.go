package restart

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/featherd/featherd/config"
)

// How the master starts generations and what it knows of each.

// generation is one serving process.
type generation struct {
	n         int
	proc      *os.Process
	sockets   []string // the tokens of the sockets it was given
	binary    binaryID // the binary it was started from
	prepared  bool     // held, ready to accept on SIGUSR2
	accepting bool     // told to accept (SIGUSR2 sent)
	waiting   bool     // started as a standby and said it waits (SIGUSR2 is safe)
	ready     bool
	draining  bool   // told to stop; its exit is expected
	hup       bool   // a SIGHUP came before it could take one
	status    string // its last STATUS=, which says why it failed
	deadline  time.Time
	since     time.Time
}

// startMode is how a generation starts.
type startMode int

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
	g := &generation{n: n, proc: proc, sockets: tokens(passed), binary: binary,
		deadline: time.Now().Add(m.readyTimeout), since: time.Now()}
	m.gens[proc.Pid] = g
	if mode == standby {
		m.logger.Printf("generation %d started as standby (pid %d)", n, proc.Pid)
	} else {
		m.logger.Printf("generation %d started (pid %d)", n, proc.Pid)
	}
	return g, nil
}

func (m *master) byNumber(n int) *generation {
	for _, g := range m.gens {
		if g.n == n {
			return g
		}
	}
	return nil
}

// failure says why a generation did not become ready: what it reported,
// else how it exited.
func (g *generation) failure(how string) string {
	if g.status != "" {
		return g.status
	}
	return "generation " + strconv.Itoa(g.n) + " " + how + " before it was ready"
}

// takesHUP reports whether the generation handles SIGHUP: it serves, or
// it is held (waitForTurn).
func (g *generation) takesHUP() bool {
	return g.ready || (g.prepared && !g.accepting)
}

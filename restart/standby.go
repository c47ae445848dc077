package restart

import (
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"syscall"

	"github.com/featherd/featherd/config"
)

// StandbyEnv marks a generation the master starts ahead of the next
// background restart. Most of a restart's latency is a new process
// getting to main (exec, the Go runtime, package initialisation: 15–30
// ms on a loaded machine); a standby has done all that and waits, so on
// SIGUSR1 it only reads the configuration and starts serving.
const StandbyEnv = "FEATHERD_STANDBY"

// WaitForActivation is the first thing a standby generation does: it
// tells the master it is waiting and blocks until SIGUSR2 (become the
// next generation: read the configuration now) or a stop signal. It
// reports whether to go on, or an error when the master could not be
// told; a process that is not a standby goes on at once.
func WaitForActivation(in *Inherited) (bool, error) {
	if !in.standby {
		return true, nil
	}
	in.standby = false
	sigs := make(chan os.Signal, 1)
	// SIGHUP (log reopening; the master holds it back until a generation
	// is ready, but a user may send it) finds nothing open yet; SIGUSR1
	// is never a generation's; SIGUSR2 is the go-ahead, and ignored once
	// it came, as serve does too.
	signal.Notify(sigs, syscall.SIGUSR2, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	signal.Ignore(syscall.SIGUSR1)
	if err := in.notify.send("FEATHERD_STANDBY=1", GenerationEnv+"="+strconv.Itoa(in.Generation)); err != nil {
		return false, fmt.Errorf("generation %d: telling the master it is on standby: %w", in.Generation, err)
	}
	for {
		switch <-sigs {
		case syscall.SIGHUP:
			continue
		case syscall.SIGUSR2:
			signal.Ignore(syscall.SIGUSR2)
			signal.Reset(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
			return true, nil
		default:
			return false, nil
		}
	}
}

// binaryID identifies the file featherd's binary is, to notice a new one
// installed since a standby was started from it.
type binaryID struct {
	dev, ino uint64
	size     int64
	mtime    syscall.Timespec
}

func identifyBinary(path string) binaryID {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return binaryID{}
	}
	return binaryID{dev: st.Dev, ino: st.Ino, size: st.Size, mtime: st.Mtim}
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

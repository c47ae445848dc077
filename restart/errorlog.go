package restart

import (
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"

	"github.com/featherd/featherd/config"
)

// errorLog is server.errorlog: a file opened for appending that SIGHUP
// reopens (after log rotation), or stderr when it is not set.
//
// A process that serves opens it as lighttpd does, once it has given up
// root and entered server.chroot (the name is then a path inside the
// chroot): see becomeServer. The master, which stays root, opens the same
// file as the server's user (sharedFiles).
type errorLog struct {
	logger *log.Logger
	name   string
	files  sharedFiles
	mu     sync.Mutex
	file   *os.File
}

// openErrorLog opens cfg's error log as the process is now.
func openErrorLog(cfg *config.Config, stderr io.Writer) (*errorLog, error) {
	return openErrorLogAs(cfg, stderr, sharedFiles{})
}

// openMasterLog opens cfg's error log for the master: the file the
// generations write to, opened as they open it.
func openMasterLog(cfg *config.Config, stderr io.Writer) (*errorLog, error) {
	if !isLogFile(cfg.Base().ErrorLog) {
		return openErrorLog(cfg, stderr)
	}
	files, err := masterSharedFiles(cfg)
	if err != nil {
		return nil, err
	}
	return openErrorLogAs(cfg, stderr, files)
}

func isLogFile(name string) bool { return name != "" && !strings.HasPrefix(name, "|") }

func openErrorLogAs(cfg *config.Config, stderr io.Writer, files sharedFiles) (*errorLog, error) {
	name := cfg.Base().ErrorLog
	switch {
	case name == "":
		return &errorLog{logger: log.New(stderr, "featherd: ", log.LstdFlags)}, nil
	case strings.HasPrefix(name, "|"):
		return nil, fmt.Errorf("server.errorlog %q: piped loggers are not supported yet", name)
	}
	l := &errorLog{name: name, files: files}
	if err := l.reopen(); err != nil {
		return nil, err
	}
	l.logger = log.New(l, "", log.LstdFlags)
	return l, nil
}

func (l *errorLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.file.Write(p)
}

// reopen opens the log file again, so a rotated log is not written to.
// When that fails the old file stays in use.
func (l *errorLog) reopen() error {
	if l.name == "" {
		return nil
	}
	f, err := l.files.openAppend(l.name)
	if err != nil {
		return fmt.Errorf("server.errorlog: %w", err)
	}
	l.mu.Lock()
	old := l.file
	l.file = f
	l.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

func (l *errorLog) close() {
	if l.file != nil {
		l.file.Close()
	}
}

// becomeServer readies a process that serves, once it holds its sockets:
// it applies server.max-fds while it may still raise the hard limit,
// gives up root and enters server.chroot, and only then opens its error
// log, as the user and inside the chroot. What it had to say before, the
// log gets once open; stderr, when it fails.
func becomeServer(cfg *config.Config, stderr io.Writer) (*errorLog, error) {
	var early pendingLog
	raiseFDLimit(&cfg.Server, early.logger())
	err := dropPrivileges(cfg, early.logger())
	var logs *errorLog
	if err == nil {
		logs, err = openErrorLog(cfg, stderr)
	}
	if err != nil {
		early.replay(log.New(stderr, "featherd: ", log.LstdFlags))
		return nil, err
	}
	early.replay(logs.logger)
	return logs, nil
}

// pendingLog keeps what a serving process logs before its error log is
// open, to write it there once it is.
type pendingLog struct {
	lines []string
}

func (p *pendingLog) Write(b []byte) (int, error) {
	p.lines = append(p.lines, strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// logger logs into p, to be replayed by replay.
func (p *pendingLog) logger() *log.Logger { return log.New(p, "", 0) }

func (p *pendingLog) replay(to *log.Logger) {
	for _, line := range p.lines {
		to.Print(line)
	}
}

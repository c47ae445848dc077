package restart

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// writePidFile writes the master's pid to server.pid-file. Only the
// master touches the file: generations come and go under the same pid.
//
// The master is root, and the file's directory may be one others can
// write: the pid goes into a new file with a name no one can guess,
// created exclusively (a link planted at any name the master might use
// is never followed), and is renamed over the pid file, which replaces
// whatever is there rather than writing through it. It is not synced: a
// pid file is meaningless after a crash of the machine anyway.
func writePidFile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("server.pid-file: %w", err)
	}
	// CreateTemp makes the file readable by its owner only; a pid file is
	// for everyone to read, as lighttpd's is.
	err = f.Chmod(0o644)
	if err == nil {
		_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("server.pid-file: %w", err)
	}
	return nil
}

// removePidFile removes the pid file if it still names this process. It
// reads only a regular file, never through a link: a FIFO planted there
// would block the master's exit.
func removePidFile(path string) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return
	}
	b, _ := io.ReadAll(io.LimitReader(f, 32))
	if string(b) == strconv.Itoa(os.Getpid())+"\n" {
		os.Remove(path)
	}
}

package restart

import (
	"fmt"
	"os"
	"strconv"
)

// writePidFile writes the master's pid to server.pid-file. Only the
// master touches the file: generations come and go under the same pid.
func writePidFile(path string) error {
	if path == "" {
		return nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("server.pid-file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("server.pid-file: %w", err)
	}
	return nil
}

// removePidFile removes the pid file if it still names this process.
func removePidFile(path string) {
	if path == "" {
		return
	}
	if b, err := os.ReadFile(path); err == nil && string(b) == strconv.Itoa(os.Getpid())+"\n" {
		os.Remove(path)
	}
}

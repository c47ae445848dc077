package restart

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BinaryEnv passes the path featherd was started by to the processes it
// re-executes as its master: their argv[0] is a name for ps, not a path.
const BinaryEnv = "FEATHERD_BINARY"

// Binary is the path every restart executes featherd from: the one it was
// started by, symbolic links kept, so that an upgrade that switches a
// link (/usr/local/bin/featherd -> /opt/featherd-2/featherd) is picked up
// as one that renames a new binary over the old. os.Executable alone
// resolves links, and would run the old target forever. The path is used
// only while it leads to this very binary: an argv[0] naming something
// else (exec -a, a PATH that changed) falls back to os.Executable.
func Binary() (string, error) {
	return binary(os.Getenv(BinaryEnv))
}

// binary is Binary with BinaryEnv's value as taken by TakeInherited.
func binary(recorded string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if recorded != "" {
		return recorded, nil
	}
	started := os.Args[0]
	if !strings.Contains(started, "/") {
		if started, err = exec.LookPath(started); err != nil {
			return self, nil
		}
	}
	abs, err := filepath.Abs(started)
	if err != nil {
		return self, nil
	}
	a, errA := os.Stat(abs)
	b, errB := os.Stat(self)
	if errA != nil || errB != nil || !os.SameFile(a, b) {
		return self, nil
	}
	return abs, nil
}

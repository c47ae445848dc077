package config

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
)

// Preflight checks what can be checked without opening sockets or
// starting anything (featherd -tt): that every document root is a
// directory, that the directories of the pid file and log files exist,
// that the user and group exist, and that the numeric limits are
// consistent. Errors stop featherd; warnings are appended to c.Warnings.
func (c *Config) Preflight() error {
	var errs ErrorList
	var w warnings
	for _, old := range c.Warnings {
		w.add(old.Pos, old.Msg)
	}

	for _, b := range c.Blocks {
		for _, s := range b.Settings {
			switch strings.ToLower(s.Key) {
			case "server.document-root":
				if err := isDir(s.Value.Str); err != nil {
					errs = append(errs, errorf(s.Pos, "server.document-root: %v", err))
				}
			case "server.errorlog", "server.breakagelog":
				if err := parentExists(s.Value.Str); err != nil {
					errs = append(errs, errorf(s.Pos, "%s: %v", s.Key, err))
				}
			}
		}
	}

	srv := &c.Server
	if srv.PidFile != "" {
		if err := parentExists(srv.PidFile); err != nil {
			errs = append(errs, errorf(c.keyPos("server.pid-file"), "server.pid-file: %v", err))
		}
	}
	for _, d := range srv.UploadDirs {
		if err := isDir(d); err != nil {
			w.add(c.keyPos("server.upload-dirs"), fmt.Sprintf("server.upload-dirs: %v", err))
		}
	}
	if srv.Chroot != "" {
		if err := isDir(srv.Chroot); err != nil {
			errs = append(errs, errorf(c.keyPos("server.chroot"), "server.chroot: %v", err))
		}
	}
	if srv.Username != "" {
		if u, err := user.Lookup(srv.Username); err != nil {
			errs = append(errs, errorf(c.keyPos("server.username"), "server.username: %v", err))
		} else if u.Uid == "0" {
			errs = append(errs, errorf(c.keyPos("server.username"), "server.username: featherd refuses to run as root (uid 0)"))
		}
	}
	if srv.Groupname != "" {
		if g, err := user.LookupGroup(srv.Groupname); err != nil {
			errs = append(errs, errorf(c.keyPos("server.groupname"), "server.groupname: %v", err))
		} else if g.Gid == "0" {
			errs = append(errs, errorf(c.keyPos("server.groupname"), "server.groupname: featherd refuses to run as group root (gid 0)"))
		}
	}
	if srv.MaxFDs != 0 && (srv.MaxFDs < 32 || srv.MaxFDs > 1048576) {
		errs = append(errs, errorf(c.keyPos("server.max-fds"), "server.max-fds: %d is outside 32 ... 1048576", srv.MaxFDs))
	}
	if limit := srv.FDLimit() / 2; srv.MaxConnections > limit {
		w.add(c.keyPos("server.max-connections"), fmt.Sprintf("server.max-connections %d is more than half of server.max-fds (%d); featherd will accept at most %d", srv.MaxConnections, srv.FDLimit(), limit))
	}
	if srv.MaxRequestFieldSize < 256 {
		errs = append(errs, errorf(c.keyPos("server.max-request-field-size"), "server.max-request-field-size: %d bytes cannot hold a request line and its headers", srv.MaxRequestFieldSize))
	}
	if len(c.Sockets) == 0 && !srv.SystemdSocketActivation {
		errs = append(errs, &Error{Pos: Pos{File: c.Source}, Msg: "no socket to listen on"})
	}
	for _, s := range c.Sockets {
		if s.Network == "unix" {
			if err := parentExists(s.Address); err != nil {
				errs = append(errs, errorf(s.Pos, "socket %s: %v", s.Token, err))
			}
		}
	}
	c.Warnings = w.list
	return errs.err()
}

func isDir(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", path)
	}
	return nil
}

// parentExists checks that a file could be created at path. Log targets
// starting with '|' are commands, not files.
func parentExists(path string) error {
	if path == "" || strings.HasPrefix(path, "|") {
		return nil
	}
	return isDir(filepath.Dir(path))
}

// FDLimit is the file descriptor limit featherd asks for: server.max-fds,
// or by lighttpd's rule 4096 when the hard limit allows it, else the soft
// limit, capped at 4096.
func (s *ServerOptions) FDLimit() int {
	if s.MaxFDs != 0 {
		return s.MaxFDs
	}
	soft, hard := rlimitNoFile()
	if soft < 4096 && hard >= 4096 {
		return 4096
	}
	return int(min(soft, 4096))
}

// ConnectionLimit is server.max-connections, or a third of FDLimit: each
// connection may hold a file and a backend socket besides its own.
func (s *ServerOptions) ConnectionLimit() int {
	if s.MaxConnections != 0 {
		return min(s.MaxConnections, s.FDLimit()/2)
	}
	return s.FDLimit() / 3
}

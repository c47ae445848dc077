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
//
// With server.chroot, the paths the serving processes open once inside it
// (document roots, logs, upload directories) are checked there; the pid
// file and unix sockets, which the master handles outside, are not.
func (c *Config) Preflight() error {
	var errs ErrorList
	var w warnings
	for _, old := range c.Warnings {
		w.add(old.Pos, old.Msg)
	}

	srv := &c.Server
	inside := func(path string) string {
		if srv.Chroot == "" || path == "" || strings.HasPrefix(path, "|") {
			return path
		}
		return filepath.Join(srv.Chroot, path)
	}
	for _, b := range c.Blocks {
		for _, s := range b.Settings {
			switch strings.ToLower(s.Key) {
			case "server.document-root":
				if err := isDir(inside(s.Value.Str)); err != nil {
					errs = append(errs, errorf(s.Pos, "server.document-root: %v", err))
				}
			case "server.errorlog", "server.breakagelog":
				if err := parentExists(inside(s.Value.Str)); err != nil {
					errs = append(errs, errorf(s.Pos, "%s: %v", s.Key, err))
				}
			}
		}
	}

	if srv.PidFile != "" {
		if err := parentExists(srv.PidFile); err != nil {
			errs = append(errs, errorf(c.keyPos("server.pid-file"), "server.pid-file: %v", err))
		}
	}
	for _, d := range srv.UploadDirs {
		if err := isDir(inside(d)); err != nil {
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

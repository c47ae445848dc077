package restart

import (
	"errors"
	"fmt"
	"log"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/featherd/featherd/config"
)

// Giving up root, as lighttpd does: the processes that serve run as
// server.username and server.groupname, inside server.chroot; the master,
// which binds new sockets on restarts, stays root and opens the files it
// shares with them as the server's user.

// identity is the user and groups the serving processes run as.
type identity struct {
	uid    int // -1: server.groupname alone; the user stays root
	gid    int
	groups []int // supplementary groups, gid first
}

// serverIdentity looks up server.username and server.groupname (the
// user's own group when only the user is named); nil when neither is
// set. Root itself is refused.
func serverIdentity(srv *config.ServerOptions) (*identity, error) {
	if srv.Username == "" && srv.Groupname == "" {
		return nil, nil
	}
	id := &identity{uid: -1, gid: -1}
	if srv.Groupname != "" {
		g, err := user.LookupGroup(srv.Groupname)
		if err != nil {
			return nil, fmt.Errorf("server.groupname: %w", err)
		}
		id.gid, _ = strconv.Atoi(g.Gid)
	}
	var u *user.User
	if srv.Username != "" {
		var err error
		if u, err = user.Lookup(srv.Username); err != nil {
			return nil, fmt.Errorf("server.username: %w", err)
		}
		id.uid, _ = strconv.Atoi(u.Uid)
		if id.gid < 0 {
			id.gid, _ = strconv.Atoi(u.Gid)
		}
	}
	if id.uid == 0 || id.gid == 0 {
		return nil, errors.New("server.username/server.groupname: refusing to run as root")
	}
	id.groups = []int{id.gid}
	if u != nil {
		if ids, err := u.GroupIds(); err == nil {
			for _, s := range ids {
				if g, err := strconv.Atoi(s); err == nil && g != id.gid {
					id.groups = append(id.groups, g)
				}
			}
		}
	}
	return id, nil
}

// dropPrivileges gives up root when started as root (and only then, as
// lighttpd does): it takes server.groupname (or the user's group) and the
// user's supplementary groups, enters server.chroot, and becomes
// server.username. Everything the process needs from outside the chroot
// is loaded before it: the user and groups, and the local time zone, which
// Go reads from /etc/localtime when a time is first formatted. Files
// named in the configuration are opened after it, inside the chroot, as
// the user.
//
// Not started as root, the process can do none of this: it says so in
// logger when the configuration asks for it, where lighttpd is silent.
// Either way it clears the ambient capabilities it may have been given,
// so that nothing it runs inherits them, as lighttpd does.
func dropPrivileges(cfg *config.Config, logger *log.Logger) error {
	err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	if err != nil && err != unix.EINVAL { // EINVAL: a kernel before 4.3
		return fmt.Errorf("prctl(PR_CAP_AMBIENT_CLEAR_ALL): %w", err)
	}
	srv := &cfg.Server
	if os.Geteuid() != 0 {
		if srv.Username != "" || srv.Groupname != "" || srv.Chroot != "" {
			logger.Printf("server.username, server.groupname and server.chroot are ignored: they take effect only when featherd is started as root")
		}
		return nil
	}
	id, err := serverIdentity(srv)
	if err != nil {
		return err
	}
	if id != nil {
		if err := syscall.Setgroups(id.groups); err != nil {
			return fmt.Errorf("setgroups: %w", err)
		}
		if err := syscall.Setgid(id.gid); err != nil {
			return fmt.Errorf("setgid %d: %w", id.gid, err)
		}
	}
	if dir := cfg.Server.Chroot; dir != "" {
		_ = time.Local.String() // loads the local time zone, from outside the chroot
		if err := syscall.Chroot(dir); err != nil {
			return fmt.Errorf("server.chroot: %w", &os.PathError{Op: "chroot", Path: dir, Err: err})
		}
		if err := syscall.Chdir("/"); err != nil {
			return fmt.Errorf("server.chroot: %w", &os.PathError{Op: "chdir", Path: dir, Err: err})
		}
	}
	if id != nil && id.uid >= 0 {
		if err := syscall.Setuid(id.uid); err != nil {
			return fmt.Errorf("setuid %d: %w", id.uid, err)
		}
	}
	return nil
}

// sharedFiles is how the root master opens a file the serving processes
// open too (the error log): as they would after giving up root, so that a
// link planted where the server's user can write (its log directory)
// cannot make root write anywhere else, and a file the master creates
// belongs to that user. The zero value opens as the process itself.
type sharedFiles struct {
	id   *identity // nil: as the process itself
	root string    // server.chroot: names are resolved inside it
}

// masterSharedFiles is how the master opens what the generations of cfg
// open: as server.username, inside server.chroot, when it runs as root;
// as itself otherwise, as the generations then do too.
func masterSharedFiles(cfg *config.Config) (sharedFiles, error) {
	if os.Geteuid() != 0 {
		return sharedFiles{}, nil
	}
	id, err := serverIdentity(&cfg.Server)
	if err != nil {
		return sharedFiles{}, err
	}
	if id != nil && id.uid < 0 {
		id = nil // the generations stay root too
	}
	return sharedFiles{id: id, root: cfg.Server.Chroot}, nil
}

// openAppend opens name for appending, creating it if need be.
func (s sharedFiles) openAppend(name string) (*os.File, error) {
	if s.id == nil {
		return openIn(s.root, name)
	}
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		// Credentials are per thread in the kernel: the C library and
		// Go's syscall package apply setgroups to every thread, the raw
		// system calls of x/sys/unix used here only to this one. The
		// thread is never handed back: a goroutine that ends while
		// locked to its thread ends the thread with it.
		runtime.LockOSThread()
		if err := s.id.becomeOnThread(); err != nil {
			done <- opened{nil, err}
			return
		}
		f, err := openIn(s.root, name)
		done <- opened{f, err}
	}()
	r := <-done
	return r.f, r.err
}

// becomeOnThread gives the calling thread the identity's filesystem user,
// group and groups; the kernel drops the thread's file capabilities with
// root's filesystem uid, so it opens files as that user would.
func (id *identity) becomeOnThread() error {
	if err := unix.Setgroups(id.groups); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	unix.Setfsgid(id.gid)
	unix.Setfsuid(id.uid)
	// setfsuid and setfsgid report no error: ask what they are now (an
	// invalid id changes nothing and returns the current one).
	uid, _ := unix.SetfsuidRetUid(-1)
	gid, _ := unix.SetfsgidRetGid(-1)
	if uid != id.uid || gid != id.gid {
		return fmt.Errorf("setfsuid %d, setfsgid %d: still %d, %d", id.uid, id.gid, uid, gid)
	}
	return nil
}

// openIn opens name for appending, as a process chrooted to root would
// (root "" is the real root): inside root, symbolic links and ".." are
// resolved as if it were "/". Without openat2 (Linux before 5.6) the name
// is only joined to root.
func openIn(root, name string) (*os.File, error) {
	const flags = unix.O_WRONLY | unix.O_APPEND | unix.O_CREAT | unix.O_CLOEXEC
	if root == "" {
		return os.OpenFile(name, flags, 0o644)
	}
	dir, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	defer unix.Close(dir)
	fd, err := unix.Openat2(dir, name, &unix.OpenHow{Flags: flags, Mode: 0o644, Resolve: unix.RESOLVE_IN_ROOT})
	if errors.Is(err, unix.ENOSYS) {
		return os.OpenFile(filepath.Join(root, name), flags, 0o644)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: filepath.Join(root, name), Err: err}
	}
	return os.NewFile(uintptr(fd), filepath.Join(root, name)), nil
}

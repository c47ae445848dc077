// Package restart owns featherd's processes and listen sockets: the
// master that binds the sockets (listen.go, or adopts systemd's:
// activation.go) and holds them and the pid file for its whole life; the
// generations it starts, holds, keeps on standby and drains on SIGUSR1
// (spawn.go, generation.go, standby.go); sd_notify between them and to
// systemd (notify.go); giving up root and entering server.chroot
// (privileges.go); the error log (errorlog.go); what a process takes
// from its parent before anything runs (environ.go); going to the
// background (daemon.go); and the modes without a master: inetd wait
// mode, one-shot and idle shutdown (single.go, oneshot.go).
package restart

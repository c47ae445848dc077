// Package restart owns featherd's processes and listen sockets: binding
// them (listen.go), serving in the foreground until a signal (serve.go),
// and, still to come, the master that holds the sockets and the pid file,
// the generations it starts and drains on SIGUSR1, systemd socket
// activation and sd_notify, inetd wait mode and one-shot mode.
package restart

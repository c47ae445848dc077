// Package restart owns featherd's processes: the master that holds the
// listen sockets and the pid file, the generations it starts and drains
// on SIGUSR1, systemd socket activation and sd_notify, inetd wait mode and
// one-shot mode.
//
// Status: not built yet; the README's feature table says what works.
package restart

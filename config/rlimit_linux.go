package config

import "syscall"

func rlimitNoFile() (soft, hard uint64) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 1024, 1024
	}
	return r.Cur, r.Max
}

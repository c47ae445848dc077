package config

import "testing"

// TestNoFileLimit walks every branch of lighttpd's server_main_setup for
// RLIMIT_NOFILE: with server.max-fds unset the soft limit is only ever
// raised, to 4096; set, it is applied (with the hard limit as root).
func TestNoFileLimit(t *testing.T) {
	tests := []struct {
		name             string
		maxFDs           int
		soft, hard       uint64
		root             bool
		wantSoft, wantHd uint64
		wantSet          bool
		wantFDs          int // FDLimit once the limit is applied
	}{
		{"unset, inherited above 4096 is kept", 0, 20000, 20000, true, 20000, 20000, false, 4096},
		{"unset, inherited 4096 is kept", 0, 4096, 8192, false, 4096, 8192, false, 4096},
		{"unset, low soft raised to 4096", 0, 1024, 524288, false, 4096, 524288, true, 4096},
		{"unset, raised as root too", 0, 1024, 524288, true, 4096, 524288, true, 4096},
		{"unset, hard below 4096: left alone", 0, 1024, 2048, false, 1024, 2048, false, 1024},
		{"unset, hard below 4096, as root: left alone", 0, 1024, 2048, true, 1024, 2048, false, 1024},
		{"set below soft: lowered", 256, 20000, 20000, false, 256, 20000, true, 256},
		{"set below soft as root: hard too", 256, 20000, 20000, true, 256, 256, true, 256},
		{"set above hard as root: hard raised", 30000, 1024, 20000, true, 30000, 30000, true, 30000},
		{"set above hard, not root: left alone", 30000, 1024, 20000, false, 1024, 20000, false, 30000},
		{"set within hard, not root", 8192, 1024, 20000, false, 8192, 20000, true, 8192},
		{"set below 32: planned as 32", 16, 1024, 1024, false, 16, 1024, true, 32},
		{"set above 1048576: planned as 1048576", 2000000, 1024, 4000000, true, 2000000, 2000000, true, 1048576},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ServerOptions{MaxFDs: tt.maxFDs}
			soft, hard, set := s.NoFileLimit(tt.soft, tt.hard, tt.root)
			if soft != tt.wantSoft || hard != tt.wantHd || set != tt.wantSet {
				t.Errorf("NoFileLimit(%d, %d, root %v) = %d, %d, %v; want %d, %d, %v",
					tt.soft, tt.hard, tt.root, soft, hard, set, tt.wantSoft, tt.wantHd, tt.wantSet)
			}
			if got := s.fdLimit(soft, hard); got != tt.wantFDs {
				t.Errorf("FDLimit after start-up = %d, want %d", got, tt.wantFDs)
			}
			// Before start-up applies the limit, the plan is the same.
			if got := s.fdLimit(tt.soft, tt.hard); got != tt.wantFDs {
				t.Errorf("FDLimit before start-up = %d, want %d", got, tt.wantFDs)
			}
		})
	}
}

// TestConnectionLimit: server.max-connections follows server.max-fds as
// in lighttpd without HTTP/2 (server.c): a third by default, at most
// 65535, and a configured value above half reduced to half.
func TestConnectionLimit(t *testing.T) {
	tests := []struct {
		configured, fds, want int
	}{
		{0, 4096, 1365},
		{0, 256, 85},
		{0, 32, 10},
		{0, 1048576, 65535},
		{100, 4096, 100},
		{2048, 4096, 2048},
		{2049, 4096, 2048},
		{600, 1024, 512},
	}
	for _, tt := range tests {
		if got := connectionLimit(tt.configured, tt.fds); got != tt.want {
			t.Errorf("server.max-connections %d with %d descriptors: %d, want %d", tt.configured, tt.fds, got, tt.want)
		}
	}
}

// TestLimitWarnings: what featherd warns about at start-up (not only with
// -tt), with the position of the key.
func TestLimitWarnings(t *testing.T) {
	tests := []struct {
		name, src string
		warns     []string
	}{
		{"max-connections within half", "server.max-fds = 1024\nserver.max-connections = 512\n", nil},
		{"max-connections above half", "server.max-fds = 1024\nserver.max-connections = 600\n",
			[]string{"test.conf:3:1: warning: server.max-connections 600 is more than half of server.max-fds (1024); featherd will accept at most 512"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := optMustParse(t, optDocRoot+tt.src)
			checkWarnings(t, c, tt.warns)
		})
	}
}

package config

import "strings"

// gatewayKeys are the *.server keys of lighttpd's gateway modules. Every
// one of them reads its hosts with gw_backend.c's gw_set_defaults_backend,
// so a host with a "bin-path" is spawned by the server whichever module
// names it: mod_proxy, mod_ajp13, mod_sockproxy and mod_wstunnel too,
// although only mod_fastcgi and mod_scgi document the option.
var gatewayKeys = []struct{ key, module string }{
	{"fastcgi.server", "mod_fastcgi"},
	{"scgi.server", "mod_scgi"},
	{"proxy.server", "mod_proxy"},
	{"ajp13.server", "mod_ajp13"},
	{"sockproxy.server", "mod_sockproxy"},
	{"wstunnel.server", "mod_wstunnel"},
}

// spawnedBackend is a gateway host with a "bin-path": one the server
// starts, and restarts when it dies, rather than only connecting to.
type spawnedBackend struct {
	key string // the *.server key, spelled as lighttpd does
	pos Pos    // where "bin-path" is written, or else where key is set
}

// spawnedBackends lists, in every block, the hosts with a "bin-path" of
// the gateway modules in server.modules. As in lighttpd, the keys of a
// module that is not loaded configure nothing (they are only warned
// about), so they spawn nothing either.
func (c *Config) spawnedBackends(loaded map[string]bool) []spawnedBackend {
	var out []spawnedBackend
	for _, b := range c.Blocks {
		for _, s := range b.Settings {
			for _, g := range gatewayKeys {
				if !loaded[g.module] || !strings.EqualFold(s.Key, g.key) {
					continue
				}
				for _, pos := range binPaths(s.Value) {
					if pos.Line == 0 {
						pos = s.Pos
					}
					out = append(out, spawnedBackend{key: g.key, pos: pos})
				}
			}
		}
	}
	return out
}

// binPaths returns where each host of a *.server value sets "bin-path".
// The value maps an extension or a path prefix to its hosts, each a hash
// of options, either listed or labelled:
//
//	( ".php" => ( ( "bin-path" => "/usr/bin/php-cgi", … ) ) )
//	( ".php" => ( "php" => ( "bin-path" => "/usr/bin/php-cgi", … ) ) )
//
// An empty bin-path is unset, as lighttpd's buffer_is_blank test makes it.
// Values of another shape are left to the module that reads them.
func binPaths(v Value) []Pos {
	var out []Pos
	for _, ext := range v.List {
		for _, host := range ext.Value.List {
			for _, opt := range host.Value.List {
				if opt.Keyed && strings.EqualFold(opt.Key, "bin-path") &&
					opt.Value.Kind == KindString && opt.Value.Str != "" {
					out = append(out, opt.Pos)
				}
			}
		}
	}
	return out
}

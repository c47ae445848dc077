package config

import (
	"fmt"
	"strings"
)

// module describes a lighttpd module: the key prefixes it owns and
// whether featherd has it. Real lighttpd.conf files load many modules;
// featherd starts with the ones it lacks, warning once for each module and
// once for each of their keys.
type module struct {
	name string
	keys []string // key prefixes owned by the module
	have bool
}

var modules = []module{
	{name: "mod_indexfile", keys: []string{"index-file.", "server.indexfiles"}, have: true},
	{name: "mod_staticfile", keys: []string{"static-file."}, have: true},

	{name: "mod_access", keys: []string{"url.access-"}},
	{name: "mod_accesslog", keys: []string{"accesslog."}},
	{name: "mod_ajp13", keys: []string{"ajp13."}},
	{name: "mod_alias", keys: []string{"alias."}},
	{name: "mod_auth", keys: []string{"auth."}},
	{name: "mod_authn_dbi", keys: []string{"auth.backend.dbi"}},
	{name: "mod_authn_file", keys: []string{"auth.backend.htdigest", "auth.backend.htpasswd", "auth.backend.plain"}},
	{name: "mod_authn_gssapi", keys: []string{"auth.backend.gssapi"}},
	{name: "mod_authn_ldap", keys: []string{"auth.backend.ldap"}},
	{name: "mod_authn_mysql", keys: []string{"auth.backend.mysql"}},
	{name: "mod_authn_pam", keys: []string{"auth.backend.pam"}},
	{name: "mod_authn_sasl", keys: []string{"auth.backend.sasl"}},
	{name: "mod_cgi", keys: []string{"cgi."}},
	{name: "mod_deflate", keys: []string{"deflate.", "compress."}},
	{name: "mod_dirlisting", keys: []string{"dir-listing.", "server.dir-listing"}},
	{name: "mod_evasive", keys: []string{"evasive."}},
	{name: "mod_evhost", keys: []string{"evhost."}},
	{name: "mod_expire", keys: []string{"expire."}},
	{name: "mod_extforward", keys: []string{"extforward."}},
	{name: "mod_fastcgi", keys: []string{"fastcgi."}},
	{name: "mod_gnutls", keys: []string{"ssl."}},
	{name: "mod_h2"},
	{name: "mod_magnet", keys: []string{"magnet."}},
	{name: "mod_maxminddb", keys: []string{"maxminddb."}},
	{name: "mod_mbedtls", keys: []string{"ssl."}},
	{name: "mod_nss", keys: []string{"ssl."}},
	{name: "mod_openssl", keys: []string{"ssl."}},
	{name: "mod_proxy", keys: []string{"proxy."}},
	{name: "mod_redirect", keys: []string{"url.redirect"}},
	{name: "mod_rewrite", keys: []string{"url.rewrite"}},
	{name: "mod_rrdtool", keys: []string{"rrdtool."}},
	{name: "mod_scgi", keys: []string{"scgi."}},
	{name: "mod_secdownload", keys: []string{"secdownload."}},
	{name: "mod_setenv", keys: []string{"setenv."}},
	{name: "mod_simple_vhost", keys: []string{"simple-vhost."}},
	{name: "mod_sockproxy", keys: []string{"sockproxy."}},
	{name: "mod_ssi", keys: []string{"ssi."}},
	{name: "mod_status", keys: []string{"status."}},
	{name: "mod_trigger_b4_dl", keys: []string{"trigger-before-download."}},
	{name: "mod_uploadprogress", keys: []string{"upload-progress."}},
	{name: "mod_userdir", keys: []string{"userdir."}},
	{name: "mod_usertrack", keys: []string{"usertrack."}},
	{name: "mod_vhostdb", keys: []string{"vhostdb."}},
	{name: "mod_vhostdb_dbi", keys: []string{"vhostdb.dbi"}},
	{name: "mod_vhostdb_ldap", keys: []string{"vhostdb.ldap"}},
	{name: "mod_vhostdb_mysql", keys: []string{"vhostdb.mysql"}},
	{name: "mod_vhostdb_pgsql", keys: []string{"vhostdb.pgsql"}},
	{name: "mod_webdav", keys: []string{"webdav."}},
	{name: "mod_wolfssl", keys: []string{"ssl."}},
	{name: "mod_wstunnel", keys: []string{"wstunnel."}},
}

func findModule(name string) *module {
	for i := range modules {
		if modules[i].name == name {
			return &modules[i]
		}
	}
	return nil
}

// moduleOwning returns the modules whose keys include key, longest prefix
// first (auth.backend.ldap belongs to mod_authn_ldap before mod_auth).
func moduleOwning(key string) []*module {
	var out []*module
	best := 0
	k := strings.ToLower(key)
	for i := range modules {
		for _, p := range modules[i].keys {
			if !strings.HasPrefix(k, p) {
				continue
			}
			switch {
			case len(p) > best:
				out, best = []*module{&modules[i]}, len(p)
			case len(p) == best:
				out = append(out, &modules[i])
			}
		}
	}
	return out
}

// HaveModule reports whether featherd implements a lighttpd module.
func HaveModule(name string) bool {
	m := findModule(name)
	return m != nil && m.have
}

// effectiveModules is server.modules after lighttpd's compatibility
// loading (server.compat-module-load): mod_indexfile first when
// index-file.names is set, mod_dirlisting when directory listings are
// enabled, mod_staticfile last; mod_compress is mod_deflate. Duplicates
// are dropped with a warning.
func (c *Config) effectiveModules(w *warnings) []string {
	var out []string
	seen := map[string]bool{}
	pos := c.keyPos("server.modules")
	add := func(name string) {
		if name == "mod_compress" {
			name = "mod_deflate"
		}
		if seen[name] {
			w.add(pos, fmt.Sprintf("module %s is listed more than once in server.modules", name))
			return
		}
		seen[name] = true
		out = append(out, name)
	}
	for _, m := range c.Server.Modules {
		add(m)
	}
	if !c.Server.CompatModuleLoad {
		return out
	}
	if c.anyEnabled("index-file.names", "server.indexfiles") && !seen["mod_indexfile"] {
		seen["mod_indexfile"] = true
		out = append([]string{"mod_indexfile"}, out...)
	}
	if c.anyEnabled("dir-listing.activate", "server.dir-listing") && !seen["mod_dirlisting"] {
		add("mod_dirlisting")
	}
	if !seen["mod_staticfile"] {
		add("mod_staticfile")
	}
	return out
}

// anyEnabled reports whether any block sets one of the keys to a
// non-empty array or a true boolean, as lighttpd's
// config_has_opt_enabled decides whether to load a module.
func (c *Config) anyEnabled(keys ...string) bool {
	for _, b := range c.Blocks {
		for _, k := range keys {
			s, ok := b.Lookup(k)
			if !ok {
				continue
			}
			if s.Value.Kind == KindArray {
				if len(s.Value.List) > 0 {
					return true
				}
			} else if on, _ := decodeBool(s.Value); on {
				return true
			}
		}
	}
	return false
}

// keyPos returns where the global scope sets key, or the main source.
func (c *Config) keyPos(key string) Pos {
	if s, ok := c.Blocks[0].Lookup(key); ok && s.Pos.Line > 0 {
		return s.Pos
	}
	return Pos{File: c.Source}
}

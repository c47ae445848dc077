package config

import (
	"fmt"
	"slices"
	"strings"
)

// What featherd does with a lighttpd module it does not have yet is decided
// module by module, from what the module's mod_*.c does to a request:
//
//   - A module whose absence cannot expose anything or serve something other
//     than lighttpd would (logs, statistics, compression, directory
//     listings, caching headers, TLS, whose sockets featherd does not open)
//     is warned about once, and so is each of its options.
//   - A module that would act on requests (access control; a handler that
//     would run instead of serving the file; a module that changes which
//     file a URL maps to or the headers a browser relies on) makes featherd
//     refuse the configuration, naming the option, when it would act: the
//     module is loaded and one of the options that make it act (its
//     triggers below) is set, in any block, to a value that enables it.
//     Loaded with none of them set, lighttpd's module does nothing, and a
//     warning is enough.
//
// An option whose module is not loaded does nothing in lighttpd either: it
// gets lighttpd's "unknown config-key" warning. Which modules are loaded
// is server.modules after lighttpd's compatibility loading
// (effectiveModules).

// module describes a lighttpd module: the key prefixes it owns and, for
// one featherd lacks that would act on requests, the options that make it
// act. Whether featherd has it is whether a package declared it
// (available).
type module struct {
	name string
	keys []string // key prefixes owned by the module
	// triggers are the options that make the module act on requests. A
	// module featherd lacks with triggers is refused when one is set; one
	// without them is only warned about.
	triggers []trigger
}

// trigger is an option that makes a module act on requests.
type trigger struct {
	key string
	// why says what featherd would do differently from lighttpd.
	why string
	// only, when not nil, is a further condition elsewhere in the
	// configuration for the option to matter.
	only func(c *Config) bool
}

// triggers lists keys that make a module act, all for the same reason.
func triggers(why string, keys ...string) []trigger {
	out := make([]trigger, len(keys))
	for i, k := range keys {
		out[i] = trigger{key: k, why: why}
	}
	return out
}

// The reasons a module featherd lacks is refused.
const (
	whyDeny    = "featherd would serve what lighttpd denies"
	whyBackend = "featherd would answer from the document root (sending a script's source, for one) what lighttpd hands to a backend"
	whyVhost   = "featherd would serve every host from server.document-root instead of the document root lighttpd picks for it"
)

// lighttpd 1.4.68 and later no longer have mod_evasive, mod_secdownload,
// mod_trigger_b4_dl, mod_uploadprogress, mod_usertrack and
// mod_authn_mysql, and do not start when one is listed; they are
// classified like the others for configurations written for older
// versions.
var modules = []module{
	// featherd has these: their packages register them with the
	// pipeline and their options with the loader (module.go), which is
	// what makes them available. They are listed for the key prefixes
	// that name them in messages when they are not loaded.
	{name: "mod_access", keys: []string{"url.access-"}},
	{name: "mod_alias", keys: []string{"alias."}},
	{name: "mod_evasive", keys: []string{"evasive."}},
	{name: "mod_evhost", keys: []string{"evhost."}},
	{name: "mod_expire", keys: []string{"expire."}},
	{name: "mod_extforward", keys: []string{"extforward."}},
	{name: "mod_indexfile", keys: []string{"index-file.", "server.indexfiles"}},
	{name: "mod_redirect", keys: []string{"url.redirect"}},
	{name: "mod_rewrite", keys: []string{"url.rewrite"}},
	{name: "mod_setenv", keys: []string{"setenv."}},
	{name: "mod_simple_vhost", keys: []string{"simple-vhost."}},
	{name: "mod_staticfile", keys: []string{"static-file."}},
	{name: "mod_userdir", keys: []string{"userdir."}},

	// Refused when they act.
	{name: "mod_auth", keys: []string{"auth."},
		triggers: triggers("featherd would serve without asking for the credentials lighttpd requires", "auth.require")},
	{name: "mod_magnet", keys: []string{"magnet."},
		triggers: triggers("featherd would not run the Lua scripts lighttpd runs on requests",
			"magnet.attract-raw-url-to", "magnet.attract-physical-path-to", "magnet.attract-response-start-to")},
	{name: "mod_secdownload", keys: []string{"secdownload."},
		triggers: triggers("featherd would not check the signed download URLs lighttpd checks", "secdownload.uri-prefix")},
	{name: "mod_trigger_b4_dl", keys: []string{"trigger-before-download."},
		triggers: triggers(whyDeny, "trigger-before-download.download-url")},

	{name: "mod_ajp13", keys: []string{"ajp13."}, triggers: triggers(whyBackend, "ajp13.server")},
	{name: "mod_cgi", keys: []string{"cgi."},
		triggers: triggers("featherd would send CGI programs' source where lighttpd runs them", "cgi.assign")},
	{name: "mod_fastcgi", keys: []string{"fastcgi."}, triggers: triggers(whyBackend, "fastcgi.server")},
	{name: "mod_proxy", keys: []string{"proxy."}, triggers: triggers(whyBackend, "proxy.server")},
	{name: "mod_scgi", keys: []string{"scgi."}, triggers: triggers(whyBackend, "scgi.server")},
	{name: "mod_sockproxy", keys: []string{"sockproxy."}, triggers: triggers(whyBackend, "sockproxy.server")},
	{name: "mod_ssi", keys: []string{"ssi."},
		triggers: triggers("featherd would send pages with their server-side includes unprocessed", "ssi.extension")},
	{name: "mod_webdav", keys: []string{"webdav."},
		triggers: triggers("featherd would not answer the WebDAV requests lighttpd serves", "webdav.activate")},
	{name: "mod_wstunnel", keys: []string{"wstunnel."}, triggers: triggers(whyBackend, "wstunnel.server")},

	{name: "mod_vhostdb", keys: []string{"vhostdb."}, triggers: triggers(whyVhost, "vhostdb.backend")},

	// Backends of the modules above: they act only through them (the
	// compatibility loading adds mod_auth or mod_vhostdb when they are
	// listed alone).
	{name: "mod_authn_dbi", keys: []string{"auth.backend.dbi"}},
	{name: "mod_authn_file", keys: []string{"auth.backend.htdigest", "auth.backend.htpasswd", "auth.backend.plain"}},
	{name: "mod_authn_gssapi", keys: []string{"auth.backend.gssapi"}},
	{name: "mod_authn_ldap", keys: []string{"auth.backend.ldap"}},
	{name: "mod_authn_mysql", keys: []string{"auth.backend.mysql"}},
	{name: "mod_authn_pam", keys: []string{"auth.backend.pam"}},
	{name: "mod_authn_sasl", keys: []string{"auth.backend.sasl"}},
	{name: "mod_vhostdb_dbi", keys: []string{"vhostdb.dbi"}},
	{name: "mod_vhostdb_ldap", keys: []string{"vhostdb.ldap"}},
	{name: "mod_vhostdb_mysql", keys: []string{"vhostdb.mysql"}},
	{name: "mod_vhostdb_pgsql", keys: []string{"vhostdb.pgsql"}},

	// Warned about: without them featherd logs, counts or compresses
	// less, lists no directory (403), sets no cookie,
	// sets no environment for backends it does not have, speaks HTTP/1.1
	// only, and opens no TLS socket (listSockets skips those with a
	// warning).
	{name: "mod_accesslog", keys: []string{"accesslog."}},
	{name: "mod_deflate", keys: []string{"deflate.", "compress."}},
	{name: "mod_dirlisting", keys: []string{"dir-listing.", "server.dir-listing"}},
	{name: "mod_h2"},
	{name: "mod_maxminddb", keys: []string{"maxminddb."}},
	{name: "mod_rrdtool", keys: []string{"rrdtool."}},
	{name: "mod_status", keys: []string{"status."}},
	{name: "mod_uploadprogress", keys: []string{"upload-progress."}},
	{name: "mod_usertrack", keys: []string{"usertrack."}},
	{name: "mod_gnutls", keys: []string{"ssl."}},
	{name: "mod_mbedtls", keys: []string{"ssl."}},
	{name: "mod_nss", keys: []string{"ssl."}},
	{name: "mod_openssl", keys: []string{"ssl."}},
	{name: "mod_wolfssl", keys: []string{"ssl."}},
}

// available reports whether featherd has the module.
func (m *module) available() bool { return declaredModule(m.name) }

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
	return m != nil && m.available() || m == nil && declaredModule(name)
}

// refuseMissing returns an error for each setting that would make a loaded
// module featherd lacks act on requests, at the setting, saying how to
// serve without it; the global scope's first, then each block's.
func (c *Config) refuseMissing(loaded map[string]bool) ErrorList {
	var errs ErrorList
	for _, b := range c.Blocks {
		for _, s := range b.Settings {
			m, t := triggerOf(s.Key)
			if m == nil || m.available() || !loaded[m.name] || !enables(s.Value) || (t.only != nil && !t.only(c)) {
				continue
			}
			errs = append(errs, errorf(s.Pos, "%s needs %s, which featherd does not have yet: %s; "+
				"to serve without it, remove %s or remove %s from server.modules", s.Key, m.name, t.why, s.Key, m.name))
		}
	}
	return errs
}

// triggerOf finds the module featherd lacks that key makes act.
func triggerOf(key string) (*module, *trigger) {
	for i := range modules {
		m := &modules[i]
		for j := range m.triggers {
			if strings.EqualFold(m.triggers[j].key, key) {
				return m, &m.triggers[j]
			}
		}
	}
	return nil, nil
}

// enables reports whether a value makes an option act: a non-empty
// array, a non-zero integer, or a string other than a word for "disable"
// (an empty string too: mod_userdir acts on userdir.path = "").
func enables(v Value) bool {
	switch v.Kind {
	case KindArray:
		return len(v.List) > 0
	case KindInteger:
		return v.Int != 0
	case KindString:
		on, err := decodeBool(v)
		return on || err != nil
	}
	return false
}

// effectiveModules is server.modules after lighttpd's compatibility
// loading (server.compat-module-load, configfile.c's
// config_compat_module_load): mod_compress is mod_deflate; mod_indexfile
// is put first when index-file.names is set and dropped when it is not,
// mod_dirlisting is added when directory listings are enabled and dropped
// when they are not, mod_staticfile is added last; mod_authn_file and
// mod_authn_ldap are added when mod_auth is listed and auth.backend names
// them; mod_auth and mod_vhostdb are put first when only their backends
// are listed. Duplicates are dropped with a warning. lighttpd also adds
// mod_openssl when ssl.* options are set without a TLS module, and mod_h2
// unless server.h2proto is disabled: featherd leaves both out, as modules
// that only warn, rather than warn about them in configurations that did
// not ask for them (the ssl.* options and an explicit server.h2proto get
// warnings of their own).
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
	prepend := func(name string) {
		seen[name] = true
		out = append([]string{name}, out...)
	}
	drop := func(name string) {
		for i, m := range out {
			if m == name {
				out = append(out[:i:i], out[i+1:]...)
				break
			}
		}
		delete(seen, name)
	}
	for _, m := range c.Server.Modules {
		add(m)
	}
	if !c.Server.CompatModuleLoad {
		return out
	}
	// Module order is hook order: a dynamic handler listed after
	// mod_staticfile never sees the requests the file would answer, and
	// mod_auth must come before the handlers it protects.
	dynamic := ""
	for _, m := range out {
		switch {
		case m == "mod_auth" && dynamic != "":
			w.add(pos, fmt.Sprintf("mod_auth should be listed in server.modules before dynamic backends such as %s", dynamic))
		case isDynamicHandler(m):
			if dynamic == "" {
				dynamic = m
			}
			if seen["mod_staticfile"] && slices.Index(out, "mod_staticfile") < slices.Index(out, m) {
				w.add(pos, fmt.Sprintf("%s should be listed in server.modules before mod_staticfile", m))
			}
		}
	}
	listedAuth, authBackends, vhostdbBackends := seen["mod_auth"], false, false
	for _, m := range out {
		authBackends = authBackends || strings.HasPrefix(m, "mod_authn_")
		vhostdbBackends = vhostdbBackends || strings.HasPrefix(m, "mod_vhostdb_")
	}

	if !c.anyEnabled("index-file.names", "server.indexfiles") {
		drop("mod_indexfile")
	} else if !seen["mod_indexfile"] {
		prepend("mod_indexfile")
	}
	if !c.anyEnabled("dir-listing.activate", "server.dir-listing") {
		drop("mod_dirlisting")
	} else if !seen["mod_dirlisting"] {
		add("mod_dirlisting")
	}
	if !seen["mod_staticfile"] {
		add("mod_staticfile")
	}
	if listedAuth {
		if !seen["mod_authn_file"] && c.anyString("auth.backend", "htdigest", "htpasswd", "plain") {
			add("mod_authn_file")
		}
		if !seen["mod_authn_ldap"] && c.anyString("auth.backend", "ldap") {
			add("mod_authn_ldap")
		}
	}
	if authBackends && !seen["mod_auth"] {
		prepend("mod_auth")
	}
	if vhostdbBackends && !seen["mod_vhostdb"] {
		prepend("mod_vhostdb")
	}
	return out
}

// isDynamicHandler reports whether a module hands requests to a backend
// (lighttpd's list in config_compat_module_load).
func isDynamicHandler(m string) bool {
	for _, p := range []string{"mod_ajp13", "mod_cgi", "mod_fastcgi", "mod_proxy", "mod_scgi", "mod_sockproxy", "mod_wstunnel"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
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

// anyString reports whether any block sets key to one of the strings, as
// lighttpd's config_has_opt_and_value does.
func (c *Config) anyString(key string, values ...string) bool {
	for _, b := range c.Blocks {
		if s, ok := b.Lookup(key); ok && s.Value.Kind == KindString {
			for _, v := range values {
				if s.Value.Str == v {
					return true
				}
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

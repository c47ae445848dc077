package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestRefusedModuleMessage: the whole message, as a user reads it, for
// Debian's own use of mod_cgi.
func TestRefusedModuleMessage(t *testing.T) {
	_, err := optParse(optDocRoot+"server.modules = ( \"mod_indexfile\", \"mod_cgi\" )\ncgi.assign = ( \".pl\" => \"/usr/bin/perl\" )\n", nil)
	want := "test.conf:3:1: cgi.assign needs mod_cgi, which featherd does not have yet: " +
		"featherd would send CGI programs' source where lighttpd runs them; to serve without it, remove cgi.assign or remove mod_cgi from server.modules"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
}

// TestRefusedModules: a loaded module featherd lacks that would act on
// requests is refused at each option that makes it act, wherever the
// option is set; the error names the option, the module and the place.
func TestRefusedModules(t *testing.T) {
	// refused is an expected error: "line:col key module".
	type refused struct{ pos, key, module string }
	tests := []struct {
		name string
		src  string // after server.document-root on line 1
		want []refused
	}{
		{"auth.require", "server.modules = ( \"mod_auth\", \"mod_authn_file\" )\nauth.backend = \"htpasswd\"\n" +
			"$HTTP[\"url\"] =^ \"/private/\" {\n    auth.require = ( \"\" => ( \"method\" => \"basic\", \"realm\" => \"x\", \"require\" => \"valid-user\" ) )\n}\n",
			[]refused{{"5:5", "auth.require", "mod_auth"}}},
		{"fastcgi.server", "server.modules = ( \"mod_fastcgi\" )\nfastcgi.server = ( \".php\" => ( ( \"socket\" => \"/run/php/php-fpm.sock\" ) ) )\n",
			[]refused{{"3:1", "fastcgi.server", "mod_fastcgi"}}},
		{"cgi.assign", "server.modules = ( \"mod_cgi\" )\ncgi.assign = ( \"\" => \"\" )\n",
			[]refused{{"3:1", "cgi.assign", "mod_cgi"}}},
		{"scgi.server", "server.modules = ( \"mod_scgi\" )\nscgi.server = ( \"/app\" => ( ( \"host\" => \"127.0.0.1\", \"port\" => 4000 ) ) )\n",
			[]refused{{"3:1", "scgi.server", "mod_scgi"}}},
		{"proxy.server", "server.modules = ( \"mod_proxy\" )\nproxy.server = ( \"\" => ( ( \"host\" => \"10.0.0.3\" ) ) )\n",
			[]refused{{"3:1", "proxy.server", "mod_proxy"}}},
		{"ajp13.server", "server.modules = ( \"mod_ajp13\" )\najp13.server = ( \"/\" => ( ( \"host\" => \"127.0.0.1\", \"port\" => 8009 ) ) )\n",
			[]refused{{"3:1", "ajp13.server", "mod_ajp13"}}},
		{"sockproxy.server", "server.modules = ( \"mod_sockproxy\" )\nsockproxy.server = ( ( \"host\" => \"127.0.0.1\", \"port\" => 22 ) )\n",
			[]refused{{"3:1", "sockproxy.server", "mod_sockproxy"}}},
		{"wstunnel.server", "server.modules = ( \"mod_wstunnel\" )\nwstunnel.server = ( \"/ws\" => ( ( \"host\" => \"127.0.0.1\", \"port\" => 8080 ) ) )\n",
			[]refused{{"3:1", "wstunnel.server", "mod_wstunnel"}}},
		{"ssi.extension", "server.modules = ( \"mod_ssi\" )\nssi.extension = ( \".shtml\" )\n",
			[]refused{{"3:1", "ssi.extension", "mod_ssi"}}},
		{"webdav.activate", "server.modules = ( \"mod_webdav\" )\n$HTTP[\"url\"] =^ \"/dav/\" {\n  webdav.activate = \"enable\"\n}\n",
			[]refused{{"4:3", "webdav.activate", "mod_webdav"}}},
		{"magnet", "server.modules = ( \"mod_magnet\" )\nmagnet.attract-physical-path-to = ( \"/etc/lighttpd/x.lua\" )\n",
			[]refused{{"3:1", "magnet.attract-physical-path-to", "mod_magnet"}}},
		{"secdownload", "server.modules = ( \"mod_secdownload\" )\nsecdownload.uri-prefix = \"/dl/\"\n",
			[]refused{{"3:1", "secdownload.uri-prefix", "mod_secdownload"}}},
		{"trigger_b4_dl", "server.modules = ( \"mod_trigger_b4_dl\" )\ntrigger-before-download.download-url = \"^/download/\"\n",
			[]refused{{"3:1", "trigger-before-download.download-url", "mod_trigger_b4_dl"}}},
		// A backend listed alone loads mod_vhostdb (compatibility loading).
		{"vhostdb.backend", "server.modules = ( \"mod_vhostdb_mysql\" )\nvhostdb.backend = \"mysql\"\n",
			[]refused{{"3:1", "vhostdb.backend", "mod_vhostdb"}}},
		// Keys compare case-insensitively; the message shows the key as written.
		{"key case as written", "server.modules = ( \"mod_ssi\" )\nSSI.Extension = ( \".shtml\" )\n",
			[]refused{{"3:1", "SSI.Extension", "mod_ssi"}}},
		{"every option, in every file and block", "server.modules = ( \"mod_cgi\", \"mod_ssi\", \"mod_fastcgi\" )\n" +
			"include \"conf.d/*.conf\"\n$HTTP[\"host\"] == \"a\" {\n  ssi.extension = ( \".shtml\" )\n}\n",
			[]refused{{"conf.d/10-cgi.conf:1:1", "cgi.assign", "mod_cgi"}, {"conf.d/15-php.conf:1:1", "fastcgi.server", "mod_fastcgi"},
				{"5:3", "ssi.extension", "mod_ssi"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := incTree(t, map[string]string{
				"main.conf":          optDocRoot + tt.src,
				"conf.d/10-cgi.conf": "cgi.assign += ( \".pl\" => \"/usr/bin/perl\" )\n",
				"conf.d/15-php.conf": "fastcgi.server += ( \".php\" => ( ( \"socket\" => \"/run/php.sock\" ) ) )\n",
			})
			_, err := LoadFile(filepath.Join(dir, "main.conf"), incOpts())
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v, want the configuration refused", err)
			}
			if len(list) != len(tt.want) {
				t.Fatalf("errors:\n%v\nwant %d", err, len(tt.want))
			}
			for i, w := range tt.want {
				pos := w.pos
				if !strings.Contains(pos, ".conf:") {
					pos = "main.conf:" + pos
				}
				got := strings.ReplaceAll(list[i].Error(), dir+"/", "")
				prefix := pos + ": " + w.key + " needs " + w.module + ", which featherd does not have yet: featherd would "
				suffix := "; to serve without it, remove " + w.key + " or remove " + w.module + " from server.modules"
				if !strings.HasPrefix(got, prefix) || !strings.HasSuffix(got, suffix) {
					t.Errorf("error %d:\n%s\nwant:\n%s…%s", i, got, prefix, suffix)
				}
			}
		})
	}
}

// TestModulesThatDoNothing: a module that would act, loaded with none of
// its acting options set (or set so that it does nothing), only warns, as
// does an acting option whose module is not loaded: lighttpd then does
// nothing either.
func TestModulesThatDoNothing(t *testing.T) {
	tests := []struct {
		name, src string
	}{
		{"auth backend without auth.require", "server.modules = ( \"mod_auth\" )\nauth.backend = \"htpasswd\"\nauth.backend.htpasswd.userfile = \"/etc/htpasswd\"\n"},
		{"webdav disabled", "server.modules = ( \"mod_webdav\" )\nwebdav.activate = \"disable\"\nwebdav.is-readonly = \"enable\"\n"},
		{"option of a module not loaded", "ssi.extension = ( \".shtml\" )\ncgi.assign = ( \".pl\" => \"/usr/bin/perl\" )\n"},
		{"compatibility loading off", "server.compat-module-load = \"disable\"\nserver.modules = ( \"mod_authn_file\", \"mod_staticfile\" )\n" +
			"auth.require = ( \"/\" => ( \"method\" => \"basic\" ) )\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := optParse(optDocRoot+tt.src, nil); err != nil {
				t.Fatalf("refused:\n%v", err)
			}
		})
	}
}

// TestWarnOnlyModules: modules whose absence cannot expose anything or
// serve something other than lighttpd would load with warnings, options
// set and all.
func TestWarnOnlyModules(t *testing.T) {
	src := `server.modules = ( "mod_accesslog", "mod_deflate", "mod_dirlisting", "mod_status", "mod_rrdtool",
  "mod_usertrack", "mod_uploadprogress", "mod_maxminddb", "mod_openssl", "mod_h2" )
accesslog.filename = "/var/log/lighttpd/access.log"
deflate.mimetypes = ( "text/html" )
dir-listing.activate = "enable"
status.status-url = "/server-status"
rrdtool.binary = "/usr/bin/rrdtool"
usertrack.cookie-name = "TRACKID"
upload-progress.progress-url = "/progress"
maxminddb.activate = "enable"
ssl.pemfile = "/etc/lighttpd/server.pem"
`
	c := optMustParse(t, optDocRoot+src)
	got := optWarnings(c)
	for _, m := range []string{"mod_accesslog", "mod_deflate", "mod_dirlisting", "mod_status", "mod_rrdtool",
		"mod_usertrack", "mod_uploadprogress", "mod_maxminddb", "mod_openssl", "mod_h2"} {
		want := "module " + m + " is not available in featherd yet; its options are ignored"
		found := false
		for _, w := range got {
			found = found || w == want
		}
		if !found {
			t.Errorf("no warning %q in:\n%s", want, strings.Join(got, "\n"))
		}
	}
	for _, key := range []string{"accesslog.filename", "deflate.mimetypes", "dir-listing.activate", "ssl.pemfile"} {
		found := false
		for _, w := range got {
			found = found || strings.HasPrefix(w, key+" is ignored: module ")
		}
		if !found {
			t.Errorf("no warning about %s in:\n%s", key, strings.Join(got, "\n"))
		}
	}
}

// TestCompatModuleLoad: the modules lighttpd's compatibility loading
// adds or drops, which decide what is refused.
func TestCompatModuleLoad(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"an authn backend alone loads mod_auth first",
			"server.modules = ( \"mod_indexfile\", \"mod_authn_file\" )\nindex-file.names = ( \"index.html\" )\n",
			[]string{"mod_auth", "mod_indexfile", "mod_authn_file", "mod_staticfile"}},
		{"mod_auth with a file backend loads mod_authn_file",
			"server.modules = ( \"mod_auth\" )\nauth.backend = \"htpasswd\"\n",
			[]string{"mod_auth", "mod_staticfile", "mod_authn_file"}},
		{"mod_auth with an ldap backend loads mod_authn_ldap",
			"server.modules = ( \"mod_auth\" )\n$HTTP[\"host\"] == \"a\" {\n  auth.backend = \"ldap\"\n}\n",
			[]string{"mod_auth", "mod_staticfile", "mod_authn_ldap"}},
		{"a vhostdb backend alone loads mod_vhostdb first",
			"server.modules = ( \"mod_vhostdb_pgsql\" )\n",
			[]string{"mod_vhostdb", "mod_vhostdb_pgsql", "mod_staticfile"}},
		{"mod_indexfile without index files is dropped",
			"server.modules = ( \"mod_indexfile\", \"mod_status\" )\n",
			[]string{"mod_status", "mod_staticfile"}},
		{"mod_dirlisting without listings is dropped",
			"server.modules = ( \"mod_dirlisting\", \"mod_staticfile\" )\ndir-listing.encoding = \"utf-8\"\n",
			[]string{"mod_staticfile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := optMustParse(t, optDocRoot+tt.src)
			if !reflect.DeepEqual(c.Modules, tt.want) {
				t.Errorf("Modules = %q, want %q", c.Modules, tt.want)
			}
		})
	}
}

// TestModuleTable: every option that makes a module act is one of the
// module's own, and says why it is refused.
func TestModuleTable(t *testing.T) {
	for i := range modules {
		m := &modules[i]
		for _, tr := range m.triggers {
			owners := moduleOwning(tr.key)
			if len(owners) != 1 || owners[0] != m {
				t.Errorf("%s: trigger %s is owned by %v", m.name, tr.key, owners)
			}
			if tr.why == "" {
				t.Errorf("%s: trigger %s says nothing", m.name, tr.key)
			}
		}
	}
}

package config

import (
	"maps"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestGracefulRestartBGBinPath: server.graceful-restart-bg refuses a
// configuration whose gateway hosts are spawned by the server (a
// "bin-path"), wherever the two are written and in whichever order. Until
// featherd has the gateway modules, a loaded one with a *.server option
// is refused too (modules.go); only the bin-path errors are compared here.
func TestGracefulRestartBGBinPath(t *testing.T) {
	const (
		flag    = `server.feature-flags += ( "server.graceful-restart-bg" => "enable" )` + "\n"
		fastcgi = `server.modules += ( "mod_fastcgi" )` + "\n"
		msg     = ": server.graceful-restart-bg cannot be used with bin-path backends (%s): " +
			"each generation would spawn its own set of backends; remove the flag or run the backends separately (e.g. php-fpm)"
	)
	refused := func(pos, key string) string { return "DIR/" + pos + strings.Replace(msg, "%s", key, 1) }
	tests := []struct {
		name  string
		files map[string]string // main.conf and what it includes
		want  []string          // the bin-path errors
		warns []string          // if not nil, it loads with these warnings
	}{
		{
			name: "listed hosts, flag first",
			files: map[string]string{"main.conf": flag + fastcgi + `fastcgi.server = ( ".php" => ( (
    "bin-path" => "/usr/bin/php-cgi",
    "socket" => "/run/php.sock",
) ) )
`},
			want: []string{refused("main.conf:5:5", "fastcgi.server")},
		},
		{
			name: "labelled hosts, flag last",
			files: map[string]string{"main.conf": fastcgi + `fastcgi.server = ( ".php" => (
    "php-local" => ( "bin-path" => "/usr/bin/php-cgi", "socket" => "/run/php.sock" ),
) )
` + flag},
			want: []string{refused("main.conf:4:22", "fastcgi.server")},
		},
		{
			name: "in a conditional block",
			files: map[string]string{"main.conf": flag + fastcgi + `$HTTP["host"] == "php.example" {
    fastcgi.server = ( "/app" => ( "app" => ( "bin-path" => "/srv/app.fcgi", "socket" => "/run/app.sock" ) ) )
}
`},
			want: []string{refused("main.conf:5:47", "fastcgi.server")},
		},
		{
			name: "flag in an included file",
			files: map[string]string{
				"main.conf": fastcgi + `fastcgi.server = ( ".php" => ( ( "bin-path" => "/usr/bin/php-cgi", "port" => 1026 ) ) )
include "conf.d/*.conf"
`,
				"conf.d/restart.conf": flag,
			},
			want: []string{refused("main.conf:3:34", "fastcgi.server")},
		},
		{
			name: "backend in an included file, added with +=",
			files: map[string]string{
				"main.conf": flag + fastcgi + `fastcgi.server = ( "/status" => ( ( "host" => "127.0.0.1", "port" => 9000 ) ) )
include "php.conf"
`,
				"php.conf": `fastcgi.server += ( ".php" => ( ( "bin-path" => "/usr/bin/php-cgi", "socket" => "/run/php.sock" ) ) )` + "\n",
			},
			want: []string{refused("php.conf:1:35", "fastcgi.server")},
		},
		{
			name: "hosts through a variable",
			files: map[string]string{"main.conf": flag + fastcgi + `var.php = ( "bin-path" => "/usr/bin/php-cgi", "socket" => "/run/php.sock" )
fastcgi.server = ( ".php" => ( var.php ) )
`},
			want: []string{refused("main.conf:4:13", "fastcgi.server")},
		},
		{
			name: "every host is named",
			files: map[string]string{"main.conf": flag + `server.modules += ( "mod_fastcgi", "mod_scgi" )
fastcgi.server = ( ".php" => ( ( "bin-path" => "/usr/bin/php-cgi", "socket" => "/run/php.sock" ) ),
                   ".py" => ( ( "bin-path" => "/srv/py.fcgi", "socket" => "/run/py.sock" ) ) )
scgi.server = ( "/scgi" => ( "s" => ( "bin-path" => "/srv/app.scgi", "socket" => "/run/scgi.sock" ) ) )
`},
			want: []string{
				refused("main.conf:4:34", "fastcgi.server"),
				refused("main.conf:5:33", "fastcgi.server"),
				refused("main.conf:6:39", "scgi.server"),
			},
		},
		{
			// gw_set_defaults_backend spawns a bin-path for every gateway
			// module, documented or not.
			name: "proxy.server with bin-path",
			files: map[string]string{"main.conf": flag + `server.modules += ( "mod_proxy" )
proxy.server = ( "/api" => ( ( "bin-path" => "/srv/api", "port" => 8081 ) ) )
`},
			want: []string{refused("main.conf:4:32", "proxy.server")},
		},
		{
			name: "key case as written",
			files: map[string]string{"main.conf": flag + fastcgi + `FastCGI.Server = ( ".php" => ( ( "Bin-Path" => "/usr/bin/php-cgi" ) ) )
`},
			want: []string{refused("main.conf:4:34", "fastcgi.server")},
		},
		{
			name: "no flag",
			files: map[string]string{"main.conf": fastcgi + `fastcgi.server = ( ".php" => ( ( "bin-path" => "/usr/bin/php-cgi", "socket" => "/run/php.sock" ) ) )
`},
		},
		{
			name: "flag disabled",
			files: map[string]string{"main.conf": `server.feature-flags = ( "server.graceful-restart-bg" => "disable" )
` + fastcgi + `fastcgi.server = ( ".php" => ( ( "bin-path" => "/usr/bin/php-cgi" ) ) )
`},
		},
		{
			name: "flag with socket and host backends",
			files: map[string]string{"main.conf": flag + `server.modules += ( "mod_fastcgi", "mod_scgi", "mod_proxy" )
fastcgi.server = ( ".php" => ( ( "socket" => "/run/php-fpm.sock" ) ),
                   "/app" => ( "a" => ( "host" => "10.0.0.2", "port" => 9000, "check-local" => "disable" ) ) )
scgi.server = ( "/scgi" => ( ( "host" => "127.0.0.1", "port" => 4000 ) ) )
proxy.server = ( "" => ( ( "host" => "10.0.0.3" ) ) )
`},
		},
		{
			// gw_set_defaults_backend: an empty bin-path is no bin-path.
			name: "empty bin-path is unset",
			files: map[string]string{"main.conf": flag + fastcgi + `fastcgi.server = ( ".php" => ( ( "bin-path" => "", "socket" => "/run/php-fpm.sock" ) ) )
`},
		},
		{
			// lighttpd reads fastcgi.server only when mod_fastcgi is
			// loaded; otherwise it spawns nothing and keeps the flag.
			name: "module not loaded",
			files: map[string]string{"main.conf": flag + `fastcgi.server = ( ".php" => ( ( "bin-path" => "/usr/bin/php-cgi" ) ) )
`},
			warns: []string{"unknown config-key: fastcgi.server (ignored)"},
		},
		{
			// server.feature-flags is server-wide: in a condition it is
			// ignored, so the flag is not on.
			name: "flag in a conditional block",
			files: map[string]string{"main.conf": fastcgi + `fastcgi.server = ( ".php" => ( ( "bin-path" => "/usr/bin/php-cgi" ) ) )
$HTTP["host"] == "a" {
    ` + flag + `}
`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := maps.Clone(tt.files)
			files["main.conf"] = "server.document-root = \"/srv/www\"\n" + files["main.conf"]
			dir := incTree(t, files)
			c, err := LoadFile(filepath.Join(dir, "main.conf"), incOpts())
			if tt.warns != nil {
				if err != nil {
					t.Fatalf("load: %v", err)
				}
				if got := optWarnings(c); !reflect.DeepEqual(got, tt.warns) {
					t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.warns, "\n"))
				}
				return
			}
			if err == nil {
				t.Fatal("loaded; want the gateway modules refused")
			}
			var got []string
			for _, line := range strings.Split(strings.ReplaceAll(err.Error(), dir, "DIR"), "\n") {
				if strings.Contains(line, "server.graceful-restart-bg") {
					got = append(got, line)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("bin-path errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

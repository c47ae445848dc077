package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// optParse loads src as "test.conf" with a fixed environment, so env.*
// and the default Server tag never depend on the machine running tests.
func optParse(src string, env map[string]string) (*Config, error) {
	return Parse("test.conf", src, "", LoadOptions{
		Sandbox:    true,
		Dir:        "/",
		DefaultTag: "featherd-test",
		LookupEnv: func(name string) (string, bool) {
			v, ok := env[name]
			return v, ok
		},
	})
}

func optMustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := optParse(src, nil)
	if err != nil {
		t.Fatalf("Parse:\n%s\nerror: %v", src, err)
	}
	return c
}

// checkWarnings fails the test unless c warned exactly want, each as
// Warning.String gives it (file:line:col: warning: message).
func checkWarnings(t testing.TB, c *Config, want []string) {
	t.Helper()
	var got []string
	for _, w := range c.Warnings {
		got = append(got, w.String())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// optWarnings returns the warning messages without positions.
func optWarnings(c *Config) []string {
	var out []string
	for _, w := range c.Warnings {
		out = append(out, w.Msg)
	}
	return out
}

const optDocRoot = "server.document-root = \"/srv/www\"\n"

func TestOptionsDefaults(t *testing.T) {
	t.Setenv("TMPDIR", "")
	c := optMustParse(t, optDocRoot)
	o, s := c.Base(), c.Server
	tests := []struct {
		name      string
		got, want any
	}{
		// §7.3, connection scope
		{"server.document-root", o.DocumentRoot, "/srv/www"},
		{"server.tag", o.Tag, "featherd-test"},
		{"server.name", o.ServerName, ""},
		{"server.max-keep-alive-requests", o.MaxKeepAliveRequests, 1000},
		{"server.max-keep-alive-idle", o.MaxKeepAliveIdle, 5 * time.Second},
		{"server.max-read-idle", o.MaxReadIdle, 60 * time.Second},
		{"server.max-write-idle", o.MaxWriteIdle, 360 * time.Second},
		{"server.max-request-size", o.MaxRequestSize, int64(0)},
		{"server.follow-symlink", o.FollowSymlink, true},
		{"server.range-requests", o.RangeRequests, true},
		{"server.protocol-http11", o.ProtocolHTTP11, true},
		{"server.force-lowercase-filenames", o.ForceLowercaseFilenames, false},
		{"server.error-intercept", o.ErrorIntercept, false},
		{"server.error-handler", o.ErrorHandler, ""},
		{"server.error-handler-404", o.ErrorHandler404, ""},
		{"server.errorfile-prefix", o.ErrorfilePrefix, ""},
		{"server.stream-request-body", o.StreamRequestBody, 0},
		{"server.stream-response-body", o.StreamResponseBody, 0},
		{"server.kbytes-per-second", o.ServerKBytesPerSecond, 0},
		{"connection.kbytes-per-second", o.ConnectionKBytesPerSecond, 0},
		{"mimetype.assign", o.MimeTypes, DefaultMimeTypes()},
		{"mimetype.use-xattr", o.MimeUseXattr, false},
		{"etag.use-inode", o.ETagUseInode, true},
		{"etag.use-mtime", o.ETagUseMtime, true},
		{"etag.use-size", o.ETagUseSize, true},
		{"server.errorlog", o.ErrorLog, ""},
		{"debug.*", o.Debug, DebugOptions{}},

		// §7.3, server scope
		{"server.port", s.Port, 80},
		{"server.bind", s.Bind, ""},
		{"server.max-worker", s.MaxWorker, 0},
		{"server.max-fds", s.MaxFDs, 0},
		{"server.max-connections", s.MaxConnections, 0},
		{"server.max-request-field-size", s.MaxRequestFieldSize, 8192},
		{"server.upload-dirs", s.UploadDirs, []string{"/var/tmp"}},
		{"server.upload-temp-file-size", s.UploadTempFileSize, int64(1 << 20)},
		{"server.network-backend", s.NetworkBackend, "sendfile"},
		{"server.stat-cache-engine", s.StatCacheEngine, "simple"},
		{"server.systemd-socket-activation", s.SystemdSocketActivation, false},
		{"server.compat-module-load", s.CompatModuleLoad, true},
		{"server.core-files", s.CoreFiles, false},
		{"server.pid-file", s.PidFile, ""},
		{"server.username", s.Username, ""},
		{"server.chroot", s.Chroot, ""},
		{"mimetype.xattr-name", s.MimeXattrName, "Content-Type"},
		{"modules", c.Modules, []string{"mod_staticfile"}},
		{"server.http-parseopts", s.HTTPParseOpts, ParseOpts{
			HeaderStrict:           true,
			HostStrict:             true,
			URLNormalize:           true,
			URLNormalizeUnreserved: true,
			URLCtrlsReject:         true,
			URLPath2FDecode:        true,
			URLPathDotsegRemove:    true,
			URLInvalidUTF8Reject:   true,
		}},
		{"server.feature-flags", s.Features, Features{
			GracefulShutdownTimeout: 8 * time.Second,
			ClockJumpRestart:        1800 * time.Second,
			HTTPPathinfo:            true,
			ChunkqueueSplice:        true,
		}},

		// §3.9, socket scope
		{"sockets", len(c.Sockets), 1},
		{"socket token", c.Sockets[0].Token, "0.0.0.0:80"},
		{"socket options", c.Sockets[0].Options, SocketOptions{ListenBacklog: 1024, SetV6Only: true, V4Mapped: -1}},

		{"warnings", c.Warnings, []Warning(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
	// Defaults is what Base starts from.
	want := Defaults("featherd-test")
	want.DocumentRoot = "/srv/www"
	if !reflect.DeepEqual(*o, want) {
		t.Errorf("Base() = %+v\nwant Defaults() with the document root: %+v", *o, want)
	}
}

func TestOptionsUploadDirsDefault(t *testing.T) {
	tests := []struct {
		name, tmpdir, conf string
		want               []string
	}{
		{"TMPDIR", "/scratch", "", []string{"/scratch"}},
		{"no TMPDIR", "", "", []string{"/var/tmp"}},
		{"configured", "/scratch", `server.upload-dirs = ( "/a", "/b" )` + "\n", []string{"/a", "/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TMPDIR", tt.tmpdir)
			c := optMustParse(t, optDocRoot+tt.conf)
			if !reflect.DeepEqual(c.Server.UploadDirs, tt.want) {
				t.Errorf("UploadDirs = %q, want %q", c.Server.UploadDirs, tt.want)
			}
		})
	}
}

func TestOptionsBool(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{`"enable"`, true}, {`"Enable"`, true}, {`"ENABLED"`, true}, {`"enabled"`, true},
		{`"true"`, true}, {`"TRUE"`, true}, {`"1"`, true}, {`1`, true}, {`2`, true}, {`65536`, true},
		{`"disable"`, false}, {`"DISABLE"`, false}, {`"Disabled"`, false}, {`"disabled"`, false},
		{`"false"`, false}, {`"False"`, false}, {`"0"`, false}, {`0`, false},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			// One key of each scope, each with the opposite default, so
			// that the value visibly takes effect.
			key, sockKey := "server.error-intercept", "server.defer-accept"
			if !tt.want {
				key, sockKey = "server.follow-symlink", "server.set-v6only"
			}
			c := optMustParse(t, optDocRoot+
				key+" = "+tt.value+"\n"+
				"server.core-files = "+tt.value+"\n"+
				sockKey+" = "+tt.value+"\n")
			got := c.Base().ErrorIntercept
			if !tt.want {
				got = c.Base().FollowSymlink
			}
			if got != tt.want {
				t.Errorf("%s = %s gives %v", key, tt.value, got)
			}
			if c.Server.CoreFiles != tt.want {
				t.Errorf("server.core-files = %s gives %v", tt.value, c.Server.CoreFiles)
			}
			so := c.Sockets[0].Options
			gotSock := so.DeferAccept
			if !tt.want {
				gotSock = so.SetV6Only
			}
			if gotSock != tt.want {
				t.Errorf("%s = %s gives %v", sockKey, tt.value, gotSock)
			}
		})
	}
}

func TestOptionsShort(t *testing.T) {
	tests := []struct {
		name  string
		value string
		env   map[string]string
		want  int
	}{
		{"integer", `42`, nil, 42},
		{"zero", `0`, nil, 0},
		{"max", `65535`, nil, 65535},
		{"65536 clamps", `65536`, nil, 65535},
		{"numeric string", `"42"`, nil, 42},
		{"numeric string 65536 clamps", `"65536"`, nil, 65535},
		{"env", `env.PORT`, map[string]string{"PORT": "8080"}, 8080},
		{"sum", `8000 + 80`, nil, 8080},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// server.port is left out: 0 there means "unset".
			c, err := optParse(optDocRoot+
				"server.max-worker = "+tt.value+"\n"+
				"server.max-keep-alive-requests = "+tt.value+"\n", tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Server.MaxWorker != tt.want {
				t.Errorf("server.max-worker = %s gives %d, want %d", tt.value, c.Server.MaxWorker, tt.want)
			}
			if got := c.Base().MaxKeepAliveRequests; got != tt.want {
				t.Errorf("server.max-keep-alive-requests = %s gives %d, want %d", tt.value, got, tt.want)
			}
		})
	}
	// The port from the environment is the one the socket listens on.
	c, err := optParse(optDocRoot+"server.port = env.PORT\n", map[string]string{"PORT": "8080"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Port != 8080 || len(c.Sockets) != 1 || c.Sockets[0].Token != "0.0.0.0:8080" {
		t.Errorf("Port %d, Sockets = %+v, want 0.0.0.0:8080", c.Server.Port, c.Sockets)
	}
	c, err = optParse(optDocRoot+"server.port = \"65536\"\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Port != 65535 {
		t.Errorf("server.port = \"65536\" gives %d, want 65535", c.Server.Port)
	}
}

func TestOptionsUnits(t *testing.T) {
	c := optMustParse(t, optDocRoot+`
server.max-request-size = 1024
server.max-keep-alive-idle = 7
server.max-read-idle = "30"
server.max-write-idle = 0
server.upload-temp-file-size = 4096
server.max-fds = 100000
server.chunkqueue-chunk-sz = "4294967295"
`)
	o, s := c.Base(), c.Server
	if o.MaxRequestSize != 1<<20 {
		t.Errorf("max-request-size 1024 KiB = %d bytes, want %d", o.MaxRequestSize, 1<<20)
	}
	if o.MaxKeepAliveIdle != 7*time.Second || o.MaxReadIdle != 30*time.Second || o.MaxWriteIdle != 0 {
		t.Errorf("idle = %v, %v, %v; want 7s, 30s, 0s", o.MaxKeepAliveIdle, o.MaxReadIdle, o.MaxWriteIdle)
	}
	if s.UploadTempFileSize != 4096 || s.MaxFDs != 100000 || s.ChunkSize != 4294967295 {
		t.Errorf("upload-temp-file-size %d, max-fds %d, chunkqueue-chunk-sz %d", s.UploadTempFileSize, s.MaxFDs, s.ChunkSize)
	}
}

// TestOptionsKeyCase: keys compare case-insensitively, as lighttpd's
// array lookups do.
func TestOptionsKeyCase(t *testing.T) {
	c := optMustParse(t, "Server.Document-Root = \"/srv/a\"\nSERVER.TAG = \"x\"\nServer.Port = 81\n")
	if c.Base().DocumentRoot != "/srv/a" || c.Base().Tag != "x" || c.Server.Port != 81 {
		t.Errorf("DocumentRoot %q, Tag %q, Port %d", c.Base().DocumentRoot, c.Base().Tag, c.Server.Port)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %v", c.Warnings)
	}
}

// TestOptionsTypeErrors pins each decoder's message: the setting's
// position, its key, and what was expected against what was found.
func TestOptionsTypeErrors(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"bool string", `server.follow-symlink = "maybe"`,
			`test.conf:2:1: server.follow-symlink: expected "enable" or "disable", found string "maybe"`},
		{"bool array", `server.follow-symlink = ( "enable" )`,
			`test.conf:2:1: server.follow-symlink: expected "enable" or "disable", found array`},
		{"bool server scope", `server.core-files = "on"`,
			`test.conf:2:1: server.core-files: expected "enable" or "disable", found string "on"`},
		{"bool socket scope", `server.use-ipv6 = "yes"`,
			`test.conf:2:1: server.use-ipv6: expected "enable" or "disable", found string "yes"`},
		{"bool v4mapped", `server.v4mapped = "auto"`,
			`test.conf:2:1: server.v4mapped: expected "enable" or "disable", found string "auto"`},
		{"short too big as a string", `server.max-keep-alive-requests = "65537"`,
			`test.conf:2:1: server.max-keep-alive-requests: expected an integer 0 ... 65535, found string "65537"`},
		{"short string", `server.port = "http"`,
			`test.conf:2:1: server.port: expected an integer 0 ... 65535, found string "http"`},
		{"short string too big", `server.port = "70000"`,
			`test.conf:2:1: server.port: expected an integer 0 ... 65535, found string "70000"`},
		{"short negative string", `server.port = "-1"`,
			`test.conf:2:1: server.port: expected an integer 0 ... 65535, found string "-1"`},
		{"short empty string", `server.port = ""`,
			`test.conf:2:1: server.port: expected an integer 0 ... 65535, found string ""`},
		{"short array", `server.port = ( 80 )`,
			`test.conf:2:1: server.port: expected an integer 0 ... 65535, found array`},
		{"seconds", `server.max-read-idle = "soon"`,
			`test.conf:2:1: server.max-read-idle: expected an integer 0 ... 65535, found string "soon"`},
		{"int string", `server.max-fds = "many"`,
			`test.conf:2:1: server.max-fds: expected an integer 0 ... 4294967295, found string "many"`},
		{"int too big", `server.chunkqueue-chunk-sz = "4294967296"`,
			`test.conf:2:1: server.chunkqueue-chunk-sz: expected an integer 0 ... 4294967295, found string "4294967296"`},
		{"KiB", `server.max-request-size = "big"`,
			`test.conf:2:1: server.max-request-size: expected an integer 0 ... 4294967295, found string "big"`},
		{"socket int", `server.listen-backlog = "deep"`,
			`test.conf:2:1: server.listen-backlog: expected an integer 0 ... 4294967295, found string "deep"`},
		{"string", `server.tag = 5`,
			`test.conf:2:1: server.tag: expected a string like "...", found integer 5`},
		{"string array", `server.bind = ( "a" )`,
			`test.conf:2:1: server.bind: expected a string like "...", found array`},
		{"list string", `server.upload-dirs = "/tmp"`,
			`test.conf:2:1: server.upload-dirs: expected a list of strings like ( "...", "..." ), found string "/tmp"`},
		{"list with integer", `server.modules = ( "mod_access", 1 )`,
			`test.conf:2:1: server.modules: expected a list of strings like ( "...", "..." ), found array`},
		{"list with keys", `server.upload-dirs = ( "/tmp" => "x" )`,
			`test.conf:2:1: server.upload-dirs: expected a list of strings like ( "...", "..." ), found array`},
		{"string hash not keyed", `mimetype.assign = ( "text/html" )`,
			`test.conf:2:1: mimetype.assign: expected a list of key => string values like ( "..." => "..." ), found array`},
		{"string hash integer", `mimetype.assign = ( ".a" => 1 )`,
			`test.conf:2:1: mimetype.assign: expected a list of key => string values like ( "..." => "..." ), found array`},
		{"string hash string", `mimetype.assign = "text/html"`,
			`test.conf:2:1: mimetype.assign: expected a list of key => string values like ( "..." => "..." ), found string "text/html"`},
		{"hash", `server.feature-flags = "server.h2proto"`,
			`test.conf:2:1: server.feature-flags: expected a list of key => values like ( "..." => "..." ), found string "server.h2proto"`},
		{"stream mode", `server.stream-request-body = 3`,
			`test.conf:2:1: server.stream-request-body: expected 0 (buffer), 1 (stream) or 2 (stream with minimal buffering), found integer 3`},
		{"stream mode string", `server.stream-response-body = "stream"`,
			`test.conf:2:1: server.stream-response-body: expected 0 (buffer), 1 (stream) or 2 (stream with minimal buffering), found string "stream"`},
		{"socket perms", `server.socket-perms = "0999"`,
			`test.conf:2:1: server.socket-perms: expected an octal mode like "0660", found string "0999"`},
		{"socket perms integer", `server.socket-perms = 660`,
			`test.conf:2:1: server.socket-perms: expected a string like "...", found integer 660`},
		{"network backend", `server.network-backend = "epoll"`,
			`test.conf:2:1: server.network-backend: expected "sendfile", "linux-sendfile", "writev" or "write", found string "epoll"`},
		{"stat cache engine", `server.stat-cache-engine = "turbo"`,
			`test.conf:2:1: server.stat-cache-engine: expected "simple", "disable", "inotify", "kqueue" or "fam", found string "turbo"`},
		{"server rate", `server.kbytes-per-second = "fast"`,
			`test.conf:2:1: server.kbytes-per-second: expected an integer 0 ... 65535, found string "fast"`},
		{"ignored key still checked", `server.reject-expect-100-with-417 = "sometimes"`,
			`test.conf:2:1: server.reject-expect-100-with-417: expected "enable" or "disable", found string "sometimes"`},
		{"indented in a block", "$HTTP[\"host\"] == \"a\" {\n    server.range-requests = \"no\"\n}",
			`test.conf:3:5: server.range-requests: expected "enable" or "disable", found string "no"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := optParse(optDocRoot+tt.line+"\n", nil)
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

// TestOptionsErrorList: every bad option is reported, not just the first.
func TestOptionsErrorList(t *testing.T) {
	_, err := optParse(optDocRoot+"server.tag = 1\nserver.follow-symlink = \"x\"\n", nil)
	want := "test.conf:2:1: server.tag: expected a string like \"...\", found integer 1\n" +
		"test.conf:3:1: server.follow-symlink: expected \"enable\" or \"disable\", found string \"x\""
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	if _, ok := err.(ErrorList); !ok {
		t.Errorf("error is a %T, want ErrorList", err)
	}
}

func TestOptionsDocumentRootRequired(t *testing.T) {
	tests := []struct{ name, src string }{
		{"unset", "server.port = 8080\n"},
		{"empty", "server.document-root = \"\"\n"},
		// Only the global value counts: a request matching no block
		// would have none.
		{"only in a condition", "$HTTP[\"host\"] == \"a\" {\n    server.document-root = \"/srv/a\"\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := optParse(tt.src, nil)
			if want := "test.conf: server.document-root is not set"; err == nil || err.Error() != want {
				t.Errorf("error %v, want %s", err, want)
			}
		})
	}
}

func TestOptionsScopeWarnings(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		warns []string // as Warning.String()
		check func(t *testing.T, c *Config)
	}{
		{
			name: "server option in a condition",
			src:  "$HTTP[\"host\"] == \"a\" {\n    server.port = 8080\n    server.max-fds = 8192\n}\n",
			warns: []string{
				"test.conf:3:5: warning: server.port is a server-wide option and is ignored inside a condition; set it in the global scope",
				"test.conf:4:5: warning: server.max-fds is a server-wide option and is ignored inside a condition; set it in the global scope",
			},
			check: func(t *testing.T, c *Config) {
				if c.Server.Port != 80 || c.Server.MaxFDs != 0 {
					t.Errorf("Port %d, MaxFDs %d: the values in the condition were applied", c.Server.Port, c.Server.MaxFDs)
				}
				if len(c.Sockets) != 1 || c.Sockets[0].Token != "0.0.0.0:80" {
					t.Errorf("Sockets %+v", c.Sockets)
				}
			},
		},
		{
			name: "server option in a socket condition",
			src:  "$SERVER[\"socket\"] == \":81\" {\n    server.username = \"www\"\n}\n",
			warns: []string{
				"test.conf:3:5: warning: server.username is a server-wide option and is ignored inside a condition; set it in the global scope",
			},
			check: func(t *testing.T, c *Config) {
				if c.Server.Username != "" {
					t.Errorf("Username %q", c.Server.Username)
				}
			},
		},
		{
			name: "socket option in a request condition",
			src:  "$HTTP[\"host\"] == \"a\" {\n    server.listen-backlog = 5\n}\n",
			warns: []string{
				`test.conf:3:5: warning: server.listen-backlog must be in the global scope or in $SERVER["socket"] with '==', or else it is ignored`,
			},
			check: func(t *testing.T, c *Config) {
				if c.Sockets[0].Options.ListenBacklog != 1024 {
					t.Errorf("ListenBacklog %d", c.Sockets[0].Options.ListenBacklog)
				}
			},
		},
		{
			name: "socket option in a socket != condition",
			src:  "$SERVER[\"socket\"] != \":81\" {\n    server.defer-accept = \"enable\"\n}\n",
			warns: []string{
				`test.conf:3:5: warning: server.defer-accept must be in the global scope or in $SERVER["socket"] with '==', or else it is ignored`,
			},
			check: func(t *testing.T, c *Config) {
				for _, s := range c.Sockets {
					if s.Options.DeferAccept {
						t.Errorf("socket %s has DeferAccept", s.Token)
					}
				}
			},
		},
		{
			name: "socket option nested in a socket condition",
			src:  "$SERVER[\"socket\"] == \":81\" {\n    $HTTP[\"host\"] == \"a\" {\n        server.listen-backlog = 5\n    }\n}\n",
			warns: []string{
				`test.conf:4:9: warning: server.listen-backlog must be in the global scope or in $SERVER["socket"] with '==', or else it is ignored`,
			},
		},
		{
			name:  "socket option in global and socket == blocks",
			src:   "server.listen-backlog = 64\n$SERVER[\"socket\"] == \":81\" {\n    server.listen-backlog = 5\n}\n",
			warns: nil,
		},
		{
			name: "unknown keys",
			src:  "foo.bar = 1\nvar.mine = 2\nlocal = 3\n$HTTP[\"url\"] =^ \"/x\" {\n    server.frobnicate = \"yes\"\n}\n",
			warns: []string{
				"test.conf:2:1: warning: unknown config-key: foo.bar (ignored)",
				"test.conf:6:5: warning: unknown config-key: server.frobnicate (ignored)",
			},
		},
		{
			name: "unknown key set in two blocks warns once",
			src:  "foo.bar = 1\n$HTTP[\"url\"] =^ \"/x\" {\n    foo.bar = 2\n}\n",
			warns: []string{
				"test.conf:2:1: warning: unknown config-key: foo.bar (ignored)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := optMustParse(t, optDocRoot+tt.src)
			checkWarnings(t, c, tt.warns)
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestOptionsModules(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		modules []string
		warns   []string
	}{
		{
			name:    "none listed",
			src:     "",
			modules: []string{"mod_staticfile"},
		},
		{
			name: "missing module and its keys",
			src: `server.modules = ( "mod_accesslog" )
accesslog.filename = "/var/log/access.log"
accesslog.format = "%h %r"
$HTTP["host"] == "a" {
    accesslog.filename = "/var/log/a.log"
}
`,
			modules: []string{"mod_accesslog", "mod_staticfile"},
			warns: []string{
				"module mod_accesslog is not available in featherd yet; its options are ignored",
				"accesslog.filename is ignored: module mod_accesslog is not available in featherd yet",
				"accesslog.format is ignored: module mod_accesslog is not available in featherd yet",
			},
		},
		{
			// lighttpd's mod_fastcgi does nothing without fastcgi.server.
			name:    "module that would act, loaded without what makes it act",
			src:     "server.modules = ( \"mod_fastcgi\" )\nfastcgi.debug = 1\nfastcgi.server = ()\n",
			modules: []string{"mod_fastcgi", "mod_staticfile"},
			warns: []string{
				"module mod_fastcgi is not available in featherd yet; its options are ignored",
				"fastcgi.debug is ignored: module mod_fastcgi is not available in featherd yet",
				"fastcgi.server is ignored: module mod_fastcgi is not available in featherd yet",
			},
		},
		{
			name:    "keys of a module not loaded",
			src:     "fastcgi.server = ( \".php\" => ( ( \"socket\" => \"/run/php.sock\" ) ) )\n",
			modules: []string{"mod_staticfile"},
			warns:   []string{"unknown config-key: fastcgi.server (ignored)"},
		},
		{
			name:    "longest key prefix names the module",
			src:     "server.modules = ( \"mod_auth\", \"mod_authn_ldap\" )\nauth.backend.ldap.hostname = \"ldap\"\nauth.backend = \"ldap\"\n",
			modules: []string{"mod_auth", "mod_authn_ldap", "mod_staticfile"},
			warns: []string{
				"module mod_auth is not available in featherd yet; its options are ignored",
				"module mod_authn_ldap is not available in featherd yet; its options are ignored",
				"auth.backend.ldap.hostname is ignored: module mod_authn_ldap is not available in featherd yet",
				"auth.backend is ignored: module mod_auth is not available in featherd yet",
			},
		},
		{
			name:    "ssl keys of whichever TLS module is loaded",
			src:     "server.modules = ( \"mod_openssl\" )\nssl.pemfile = \"/etc/ssl/x.pem\"\n",
			modules: []string{"mod_openssl", "mod_staticfile"},
			warns: []string{
				"module mod_openssl is not available in featherd yet; its options are ignored",
				"ssl.pemfile is ignored: module mod_openssl is not available in featherd yet",
			},
		},
		{
			name:    "unknown module",
			src:     "server.modules = ( \"mod_nonesuch\" )\n",
			modules: []string{"mod_nonesuch", "mod_staticfile"},
			warns:   []string{"unknown module mod_nonesuch in server.modules (ignored)"},
		},
		{
			name:    "duplicate module",
			src:     "server.modules = ( \"mod_indexfile\", \"mod_indexfile\" )\nindex-file.names = ( \"index.html\" )\n",
			modules: []string{"mod_indexfile", "mod_staticfile"},
			warns:   []string{"module mod_indexfile is listed more than once in server.modules"},
		},
		{
			name:    "mod_compress is mod_deflate",
			src:     "server.modules = ( \"mod_compress\" )\n",
			modules: []string{"mod_deflate", "mod_staticfile"},
			warns:   []string{"module mod_deflate is not available in featherd yet; its options are ignored"},
		},
		{
			name:    "compat: index-file.names prepends mod_indexfile",
			src:     "server.modules = ( \"mod_status\" )\nindex-file.names = ( \"index.html\" )\n",
			modules: []string{"mod_indexfile", "mod_status", "mod_staticfile"},
			warns:   []string{"module mod_status is not available in featherd yet; its options are ignored"},
		},
		{
			name:    "compat: server.indexfiles in a condition",
			src:     "$HTTP[\"host\"] == \"a\" {\n    server.indexfiles = ( \"index.htm\" )\n}\n",
			modules: []string{"mod_indexfile", "mod_staticfile"},
		},
		{
			name:    "compat: dir-listing.activate appends mod_dirlisting",
			src:     "server.modules = ( \"mod_status\" )\ndir-listing.activate = \"enable\"\n",
			modules: []string{"mod_status", "mod_dirlisting", "mod_staticfile"},
			warns: []string{
				"module mod_status is not available in featherd yet; its options are ignored",
				"module mod_dirlisting is not available in featherd yet; its options are ignored",
				"dir-listing.activate is ignored: module mod_dirlisting is not available in featherd yet",
			},
		},
		{
			name:    "compat: dir-listing disabled loads nothing",
			src:     "dir-listing.activate = \"disable\"\n",
			modules: []string{"mod_staticfile"},
			warns:   []string{"unknown config-key: dir-listing.activate (ignored)"},
		},
		{
			// config_has_opt_enabled: an empty list is not "enabled". No
			// loaded module reads the key then, and lighttpd warns too.
			name:    "compat: empty index-file.names loads nothing",
			src:     "index-file.names = ()\n",
			modules: []string{"mod_staticfile"},
			warns:   []string{"unknown config-key: index-file.names (ignored)"},
		},
		{
			name:    "compat: mod_staticfile already listed keeps its place",
			src:     "server.modules = ( \"mod_staticfile\", \"mod_indexfile\" )\nindex-file.names = ( \"index.html\" )\n",
			modules: []string{"mod_staticfile", "mod_indexfile"},
		},
		{
			name:    "a dynamic handler after mod_staticfile, mod_auth after it",
			src:     "server.modules = ( \"mod_staticfile\", \"mod_proxy\", \"mod_auth\" )\n",
			modules: []string{"mod_staticfile", "mod_proxy", "mod_auth"},
			warns: []string{
				"mod_proxy should be listed in server.modules before mod_staticfile",
				"mod_auth should be listed in server.modules before dynamic backends such as mod_proxy",
				"module mod_proxy is not available in featherd yet; its options are ignored",
				"module mod_auth is not available in featherd yet; its options are ignored",
			},
		},
		{
			name:    "compat off",
			src:     "server.compat-module-load = \"disable\"\nserver.modules = ( \"mod_status\" )\nindex-file.names = ( \"index.html\" )\n",
			modules: []string{"mod_status"},
			warns: []string{
				"module mod_status is not available in featherd yet; its options are ignored",
				"unknown config-key: index-file.names (ignored)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := optMustParse(t, optDocRoot+tt.src)
			if !reflect.DeepEqual(c.Modules, tt.modules) {
				t.Errorf("Modules = %q, want %q", c.Modules, tt.modules)
			}
			if got := optWarnings(c); !reflect.DeepEqual(got, tt.warns) {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.warns, "\n"))
			}
		})
	}
}

func TestOptionsModuleWarningPosition(t *testing.T) {
	c := optMustParse(t, optDocRoot+"server.modules = ( \"mod_status\" )\n\nstatus.status-url = \"/server-status\"\n")
	want := []string{
		"test.conf:2:1: warning: module mod_status is not available in featherd yet; its options are ignored",
		"test.conf:4:1: warning: status.status-url is ignored: module mod_status is not available in featherd yet",
	}
	checkWarnings(t, c, want)
}

func TestHaveModule(t *testing.T) {
	for name, want := range map[string]bool{
		"mod_indexfile": true, "mod_staticfile": true,
		"mod_fastcgi": false, "mod_dirlisting": false, "mod_nonesuch": false,
	} {
		if got := HaveModule(name); got != want {
			t.Errorf("HaveModule(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestOptionsParseOpts(t *testing.T) {
	def := defaultServerOptions().HTTPParseOpts
	with := func(f func(p *ParseOpts)) ParseOpts {
		p := def
		f(&p)
		return p
	}
	urlOff := with(func(p *ParseOpts) {
		*p = ParseOpts{HeaderStrict: p.HeaderStrict, HostStrict: p.HostStrict, HostNormalize: p.HostNormalize, MethodGetBody: p.MethodGetBody}
	})
	tests := []struct {
		name string
		src  string
		want ParseOpts
	}{
		{"unset", "", def},
		{"empty", "server.http-parseopts = ()\n", def},
		{"url-normalize disable turns every url-* off",
			`server.http-parseopts = ( "url-normalize" => "disable" )` + "\n", urlOff},
		{"url-normalize disable wins over url-* enable",
			`server.http-parseopts = ( "url-path-dotseg-reject" => "enable", "url-normalize" => "disable", "url-query-20-plus" => "enable" )` + "\n", urlOff},
		{"url-normalize enable alone",
			`server.http-parseopts = ( "url-normalize" => "enable" )` + "\n", def},
		{"add 2f-reject",
			`server.http-parseopts = ( "url-path-2f-reject" => "enable" )` + "\n",
			with(func(p *ParseOpts) { p.URLPath2FReject = true })},
		{"2f-decode off",
			`server.http-parseopts = ( "url-path-2f-decode" => "disable" )` + "\n",
			with(func(p *ParseOpts) { p.URLPath2FDecode = false })},
		// Unreserved is put back unless required is chosen instead.
		{"unreserved off is put back",
			`server.http-parseopts = ( "url-normalize-unreserved" => "disable", "url-invalid-utf8-reject" => "disable" )` + "\n", def},
		{"required instead of unreserved",
			`server.http-parseopts = ( "url-normalize-unreserved" => "disable", "url-normalize-required" => "enable", "url-invalid-utf8-reject" => "disable" )` + "\n",
			with(func(p *ParseOpts) {
				p.URLNormalizeUnreserved, p.URLNormalizeRequired, p.URLInvalidUTF8Reject = false, true, false
			})},
		{"required on top of the defaults",
			`server.http-parseopts = ( "url-normalize-required" => "enable" )` + "\n",
			with(func(p *ParseOpts) { p.URLNormalizeRequired = true })},
		// The default set includes url-normalize itself, so with every
		// other url-* switched off lighttpd's opts is still non-zero and
		// it adds back unreserved and invalid-utf8-reject (not 2f-decode,
		// which was disabled explicitly).
		{"every url-* but url-normalize off",
			`server.http-parseopts = ( "url-normalize-unreserved" => "disable", "url-ctrls-reject" => "disable", "url-path-2f-decode" => "disable", "url-path-dotseg-remove" => "disable", "url-invalid-utf8-reject" => "disable" )` + "\n",
			with(func(p *ParseOpts) {
				*p = ParseOpts{HeaderStrict: true, HostStrict: true, URLNormalize: true, URLNormalizeUnreserved: true, URLInvalidUTF8Reject: true}
			})},
		{"all url-* on",
			`server.http-parseopts = ( "url-normalize-required" => "enable", "url-path-backslash-trans" => "enable", "url-path-2f-reject" => "enable", "url-path-dotseg-reject" => "enable", "url-query-20-plus" => "enable" )` + "\n",
			with(func(p *ParseOpts) {
				p.URLNormalizeRequired, p.URLPathBackslashTrans, p.URLPath2FReject, p.URLPathDotsegReject, p.URLQuery20Plus = true, true, true, true, true
			})},
		{"header and host switches",
			`server.http-parseopts = ( "header-strict" => "disable", "host-strict" => "disable", "host-normalize" => "enable", "method-get-body" => "enable" )` + "\n",
			with(func(p *ParseOpts) {
				p.HeaderStrict, p.HostStrict, p.HostNormalize, p.MethodGetBody = false, false, true, true
			})},
		{"integer values",
			`server.http-parseopts = ( "header-strict" => 0, "method-get-body" => 1 )` + "\n",
			with(func(p *ParseOpts) { p.HeaderStrict, p.MethodGetBody = false, true })},
		{"legacy keys",
			"server.http-parseopt-header-strict = \"disable\"\nserver.http-parseopt-host-strict = \"disable\"\nserver.http-parseopt-host-normalize = \"enable\"\n",
			with(func(p *ParseOpts) { p.HeaderStrict, p.HostStrict, p.HostNormalize = false, false, true })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := optMustParse(t, optDocRoot+tt.src)
			if got := c.Server.HTTPParseOpts; got != tt.want {
				t.Errorf("HTTPParseOpts =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestOptionsParseOptsErrors(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"unknown key", `server.http-parseopts = ( "url-frobnicate" => "enable" )`,
			`test.conf:2:1: server.http-parseopts: unrecognized key "url-frobnicate" (known: header-strict, host-strict, host-normalize, method-get-body, url-normalize, url-normalize-unreserved, url-normalize-required, url-ctrls-reject, url-path-backslash-trans, url-path-2f-decode, url-path-2f-reject, url-path-dotseg-remove, url-path-dotseg-reject, url-query-20-plus, url-invalid-utf8-reject)`},
		{"bad value", `server.http-parseopts = ( "header-strict" => "yes" )`,
			`test.conf:2:1: server.http-parseopts: "header-strict": expected "enable" or "disable", found string "yes"`},
		{"array value", `server.http-parseopts = ( "header-strict" => ( "enable" ) )`,
			`test.conf:2:1: server.http-parseopts: "header-strict": expected "enable" or "disable", found array`},
		{"not keyed", `server.http-parseopts = ( "header-strict" )`,
			`test.conf:2:1: server.http-parseopts: expected a list of key => values like ( "..." => "..." ), found array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := optParse(optDocRoot+tt.line+"\n", nil)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error:\n%v\nwant:\n%s", err, tt.want)
			}
		})
	}
}

func TestOptionsFeatureFlags(t *testing.T) {
	def := defaultServerOptions().Features
	with := func(f func(*Features)) Features {
		x := def
		f(&x)
		return x
	}
	tests := []struct {
		name  string
		flags string
		want  Features
		warns []string
	}{
		{"empty", ``, def, nil},
		{"graceful-restart-bg", `"server.graceful-restart-bg" => "enable"`,
			with(func(f *Features) { f.GracefulRestartBG = true }), nil},
		{"graceful-shutdown-timeout integer", `"server.graceful-shutdown-timeout" => 30`,
			with(func(f *Features) { f.GracefulShutdownTimeout = 30 * time.Second }), nil},
		{"graceful-shutdown-timeout string", `"server.graceful-shutdown-timeout" => "15"`,
			with(func(f *Features) { f.GracefulShutdownTimeout = 15 * time.Second }), nil},
		{"graceful-shutdown-timeout zero waits for ever", `"server.graceful-shutdown-timeout" => 0`,
			with(func(f *Features) { f.GracefulShutdownTimeout = 0 }), nil},
		{"other known flags", `"server.graceful-unconfig-sock" => "enable", "server.clock-jump-restart" => 0, "server.absolute-dir-redirect" => "enable", "http10.range" => "enable", "server.http-pathinfo" => "disable", "request.trailer-whitelist" => "X-Checksum", "server.errorlog-high-precision" => "enable", "server.metrics-high-precision" => 1, "chunkqueue.splice" => "disable"`,
			Features{GracefulShutdownTimeout: 8 * time.Second, GracefulUnconfigSock: true, AbsoluteDirRedirect: true, HTTP10Range: true,
				TrailerWhitelist: "X-Checksum", ErrorlogHighPrecision: true, MetricsHighPrecision: true},
			[]string{
				"test.conf:2:105: warning: feature flag server.absolute-dir-redirect is not supported yet and is ignored: a directory's redirect to its slash form has a relative Location",
				"test.conf:2:149: warning: feature flag http10.range is not supported yet and is ignored: HTTP/1.0 requests get the whole file, never a range",
				"test.conf:2:259: warning: feature flag server.errorlog-high-precision is not supported yet and is ignored: error log times are to the second",
			}},
		{"clock-jump-restart other than off or the default", `"server.clock-jump-restart" => 60`,
			with(func(f *Features) { f.ClockJumpRestart = 60 * time.Second }),
			[]string{"test.conf:2:26: warning: feature flag server.clock-jump-restart is not supported yet and is ignored: featherd does not restart when the clock jumps"}},
		{"clock-jump-restart default", `"server.clock-jump-restart" => 1800`, def, nil},
		{"flag names are case-insensitive", `"Server.Graceful-Restart-BG" => "enable"`,
			with(func(f *Features) { f.GracefulRestartBG = true }), nil},
		{"unknown flag", `"server.nonesuch" => "enable"`, def,
			[]string{`test.conf:2:26: warning: unknown feature flag "server.nonesuch" (ignored)`}},
		{"module flags are known", `"ssl.read-ahead" => "enable", "proxy.force-http10" => "enable", "server.pcre_jit" => "disable"`, def, nil},
		{"h2proto enabled", `"server.h2proto" => "enable"`, def,
			[]string{`test.conf:2:26: warning: feature flag server.h2proto is not supported yet and is ignored: featherd speaks HTTP/1.1 only`}},
		{"h2proto disabled", `"server.h2proto" => "disable"`, def, nil},
		{"h2c enabled", `"server.h2c" => 1`, def,
			[]string{`test.conf:2:26: warning: feature flag server.h2c is not supported yet and is ignored: featherd speaks HTTP/1.1 only`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := optMustParse(t, optDocRoot+"server.feature-flags = ( "+tt.flags+" )\n")
			if c.Server.Features != tt.want {
				t.Errorf("Features =\n%+v\nwant\n%+v", c.Server.Features, tt.want)
			}
			checkWarnings(t, c, tt.warns)
		})
	}
}

// TestOptionsFeatureFlagsAppend: feature flags are usually added to with
// += from several included files.
func TestOptionsFeatureFlagsAppend(t *testing.T) {
	c := optMustParse(t, optDocRoot+`server.feature-flags = ( "server.graceful-restart-bg" => "enable" )
server.feature-flags += ( "server.graceful-shutdown-timeout" => 5 )
`)
	if f := c.Server.Features; !f.GracefulRestartBG || f.GracefulShutdownTimeout != 5*time.Second {
		t.Errorf("Features = %+v", f)
	}
}

func TestOptionsMimetypeAssign(t *testing.T) {
	tests := []struct {
		name, assign, file, want string
	}{
		{"application/javascript rewritten", `".js" => "application/javascript"`, "app.js", "text/javascript"},
		{"key compared case-insensitively", `".JS" => "application/javascript"`, "app.js", "text/javascript"},
		{"only the exact type", `".js" => "application/javascript; charset=utf-8"`, "app.js", "application/javascript; charset=utf-8"},
		{"only for .js", `".mjs" => "application/javascript"`, "app.mjs", "application/javascript"},
		{"other types untouched", `".js" => "text/x-js"`, "app.js", "text/x-js"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := optMustParse(t, optDocRoot+"mimetype.assign = ( "+tt.assign+", \".css\" => \"text/css\" )\n")
			m := c.Base().MimeTypes
			if got, ok := m.Lookup(tt.file); !ok || got != tt.want {
				t.Errorf("Lookup(%q) = %q, %v; want %q", tt.file, got, ok, tt.want)
			}
			if e := m.Entries()[0]; e.Type != tt.want {
				t.Errorf("Entries()[0] = %+v, want type %q", e, tt.want)
			}
			if m == DefaultMimeTypes() {
				t.Error("configured table is the default one")
			}
		})
	}
}

// TestOptionsMimetypeAssignPerBlock: mimetype.assign is per request, and
// replaces the whole table rather than adding to it.
func TestOptionsMimetypeAssignPerBlock(t *testing.T) {
	c := optMustParse(t, optDocRoot+`$HTTP["url"] =^ "/raw/" {
    mimetype.assign = ( "" => "text/plain" )
}
`)
	e := c.NewEval()
	e.StartConnection(newEvalSubject("url", "/raw/a.html"))
	e.StartRequest()
	if got, _ := e.Options().MimeTypes.Lookup("a.html"); got != "text/plain" {
		t.Errorf("in the block: %q, want text/plain", got)
	}
	if got, _ := c.Base().MimeTypes.Lookup("a.html"); got != "text/html" {
		t.Errorf("outside: %q, want text/html", got)
	}
}

// lighttpd 1.4.69 truncated a too-large short silently, so configurations
// carry values such as 1000000; featherd takes the largest value and warns.
func TestOptionsShortClamped(t *testing.T) {
	c := optMustParse(t, `server.document-root = "/"
server.max-keep-alive-requests = 1000000
server.port = 70000`)
	if got := c.Base().MaxKeepAliveRequests; got != 65535 {
		t.Errorf("max-keep-alive-requests = %d, want 65535", got)
	}
	if c.Server.Port != 65535 {
		t.Errorf("port = %d, want 65535", c.Server.Port)
	}
	want := []string{
		"server.port: 70000 is above 65535, the largest value this option takes; using 65535",
		"server.max-keep-alive-requests: 1000000 is above 65535, the largest value this option takes; using 65535",
	}
	got := optWarnings(c)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

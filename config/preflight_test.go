package config

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

// preflightConf is a configuration that passes every check, in dir: each
// test case changes one line. The keys are on fixed lines so that the
// expected messages can name them.
func preflightConf(dir string, replace map[string]string) string {
	lines := []struct{ key, value string }{
		{"server.document-root", `"` + dir + `/htdocs"`},      // line 1
		{"server.pid-file", `"` + dir + `/run/featherd.pid"`}, // line 2
		{"server.errorlog", `"` + dir + `/log/error.log"`},    // line 3
		{"server.upload-dirs", `( "` + dir + `/tmp" )`},       // line 4
		{"server.port", `8080`},                               // line 5
		{"server.max-fds", `1024`},                            // line 6
		{"server.breakagelog", `""`},                          // line 7
		{"server.max-request-field-size", `8192`},             // line 8
		{"var.unused", `""`},                                  // line 9, a free slot
		{"server.tag", `"featherd"`},                          // line 10
	}
	var b strings.Builder
	for _, l := range lines {
		v, ok := replace[l.key]
		if !ok {
			v = l.value
		}
		b.WriteString(l.key + " = " + v + "\n")
	}
	b.WriteString(replace["extra"])
	return b.String()
}

const breakagelogWarning = "test.conf:7:1: warning: server.breakagelog is not supported yet and is ignored: " +
	"the file is not opened, and featherd's own stderr stays where it was started"

func preflightDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"htdocs", "run", "log", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "htdocs", "index.html"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPreflight(t *testing.T) {
	dir := preflightDir(t)
	tests := []struct {
		name    string
		replace map[string]string
		err     string   // the whole error; "" for none
		warns   []string // as Warning.String()
	}{
		{name: "good config"},
		{
			name:    "document root missing",
			replace: map[string]string{"server.document-root": `"` + dir + `/nope"`},
			err:     "test.conf:1:1: server.document-root: stat " + dir + "/nope: no such file or directory",
		},
		{
			name:    "document root is a file",
			replace: map[string]string{"server.document-root": `"` + dir + `/htdocs/index.html"`},
			err:     "test.conf:1:1: server.document-root: " + dir + "/htdocs/index.html is not a directory",
		},
		{
			name: "document root in a condition missing",
			replace: map[string]string{"extra": "$HTTP[\"host\"] == \"a.example\" {\n" +
				"    server.document-root = \"" + dir + "/vhosts/a\"\n}\n"},
			err: "test.conf:12:5: server.document-root: stat " + dir + "/vhosts/a: no such file or directory",
		},
		{
			name:    "pid file directory missing",
			replace: map[string]string{"server.pid-file": `"` + dir + `/missing/featherd.pid"`},
			err:     "test.conf:2:1: server.pid-file: stat " + dir + "/missing: no such file or directory",
		},
		{
			name:    "error log directory missing",
			replace: map[string]string{"server.errorlog": `"` + dir + `/nolog/error.log"`},
			err:     "test.conf:3:1: server.errorlog: stat " + dir + "/nolog: no such file or directory",
		},
		{
			// featherd does not act on server.breakagelog yet (a warning
			// says so), but -tt still checks it as lighttpd would open it.
			name:    "breakagelog directory missing",
			replace: map[string]string{"server.breakagelog": `"` + dir + `/nolog/breakage.log"`},
			err:     "test.conf:7:1: server.breakagelog: stat " + dir + "/nolog: no such file or directory",
			warns:   []string{breakagelogWarning},
		},
		{
			name:    "piped breakagelog is no file",
			replace: map[string]string{"server.breakagelog": `"|/usr/bin/logger -t featherd"`},
			warns:   []string{breakagelogWarning},
		},
		{
			name:    "upload dir missing is a warning",
			replace: map[string]string{"server.upload-dirs": `( "` + dir + `/notmp" )`},
			warns:   []string{"test.conf:4:1: warning: server.upload-dirs: stat " + dir + "/notmp: no such file or directory"},
		},
		{
			name:    "unknown user",
			replace: map[string]string{"var.unused": `""` + "\nserver.username = \"featherd-no-such-user\""},
			err:     "test.conf:10:1: server.username: user: unknown user featherd-no-such-user",
		},
		{
			name:    "unknown group",
			replace: map[string]string{"var.unused": `""` + "\nserver.groupname = \"featherd-no-such-group\""},
			err:     "test.conf:10:1: server.groupname: group: unknown group featherd-no-such-group",
		},
		{
			name:    "max-fds too small",
			replace: map[string]string{"server.max-fds": "16"},
			err:     "test.conf:6:1: server.max-fds: 16 is outside 32 ... 1048576",
		},
		{
			name:    "max-fds too large",
			replace: map[string]string{"server.max-fds": `"2000000"`},
			err:     "test.conf:6:1: server.max-fds: 2000000 is outside 32 ... 1048576",
		},
		{
			name:    "max-fds bounds",
			replace: map[string]string{"server.max-fds": "32"},
		},
		{
			name:    "max-connections above half of max-fds",
			replace: map[string]string{"extra": "server.max-connections = 600\n"},
			warns:   []string{"test.conf:11:1: warning: server.max-connections 600 is more than half of server.max-fds (1024); featherd will accept at most 512"},
		},
		{
			name:    "max-request-field-size too small",
			replace: map[string]string{"server.max-request-field-size": "100"},
			err:     "test.conf:8:1: server.max-request-field-size: 100 bytes cannot hold a request line and its headers",
		},
		{
			name:    "unix socket directory missing",
			replace: map[string]string{"extra": "server.bind = \"" + dir + "/nosock/featherd.sock\"\n"},
			err:     "test.conf:11:1: socket " + dir + "/nosock/featherd.sock: stat " + dir + "/nosock: no such file or directory",
		},
		{
			name:    "unix socket directory exists",
			replace: map[string]string{"extra": "server.bind = \"" + dir + "/run/featherd.sock\"\n"},
		},
		{
			name: "paths inside server.chroot",
			replace: map[string]string{
				"server.document-root": `"/htdocs"`,
				"server.errorlog":      `"/log/error.log"`,
				"server.upload-dirs":   `( "/tmp" )`,
				"extra":                "server.chroot = \"" + dir + "\"\n",
			},
		},
		{
			name: "paths outside server.chroot",
			replace: map[string]string{
				"extra": "server.chroot = \"" + dir + "/htdocs\"\n",
			},
			err: "test.conf:1:1: server.document-root: stat " + dir + "/htdocs" + dir + "/htdocs: no such file or directory\n" +
				"test.conf:3:1: server.errorlog: stat " + dir + "/htdocs" + dir + "/log: no such file or directory",
			warns: []string{"test.conf:4:1: warning: server.upload-dirs: stat " + dir + "/htdocs" + dir + "/tmp: no such file or directory"},
		},
		{
			name: "several errors",
			replace: map[string]string{
				"server.document-root": `"` + dir + `/nope"`,
				"server.max-fds":       "16",
			},
			err: "test.conf:1:1: server.document-root: stat " + dir + "/nope: no such file or directory\n" +
				"test.conf:6:1: server.max-fds: 16 is outside 32 ... 1048576",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := optParse(preflightConf(dir, tt.replace), nil)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = c.Preflight()
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("Preflight: %v", err)
			case tt.err != "" && (err == nil || err.Error() != tt.err):
				t.Errorf("Preflight error:\n%v\nwant:\n%s", err, tt.err)
			}
			checkWarnings(t, c, tt.warns)
		})
	}
}

// TestPreflightUsers needs the accounts of the machine running the tests,
// so each case is skipped where the account does not exist as expected.
func TestPreflightUsers(t *testing.T) {
	dir := preflightDir(t)
	tests := []struct {
		name, line, lookup, err string
		wantUID0                bool
	}{
		{"unprivileged user", `server.username = "nobody"`, "nobody", "", false},
		{"root", `server.username = "root"`, "root", "test.conf:11:1: server.username: featherd refuses to run as root (uid 0)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := user.Lookup(tt.lookup)
			if err != nil || (u.Uid == "0") != tt.wantUID0 {
				t.Skipf("user %s: %v", tt.lookup, err)
			}
			c, err := optParse(preflightConf(dir, map[string]string{"extra": tt.line + "\n"}), nil)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = c.Preflight()
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || err.Error() != tt.err) {
				t.Errorf("Preflight error %v, want %q", err, tt.err)
			}
		})
	}
}

// TestPreflightKeepsWarnings: the warnings found when loading survive,
// without duplicates when Preflight runs twice.
func TestPreflightKeepsWarnings(t *testing.T) {
	dir := preflightDir(t)
	c, err := optParse(preflightConf(dir, map[string]string{"extra": "foo.bar = 1\n"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"test.conf:11:1: warning: unknown config-key: foo.bar (ignored)"}
	for range 2 {
		if err := c.Preflight(); err != nil {
			t.Fatal(err)
		}
		checkWarnings(t, c, want)
	}
}

// TestPreflightSystemdWithoutSockets: with socket activation the sockets
// come from the service manager, so none in the configuration is fine.
func TestPreflightSystemdWithoutSockets(t *testing.T) {
	dir := preflightDir(t)
	c, err := optParse(preflightConf(dir, map[string]string{"extra": "server.systemd-socket-activation = \"enable\"\n"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sockets) != 0 {
		t.Fatalf("Sockets = %+v, want none", c.Sockets)
	}
	if err := c.Preflight(); err != nil {
		t.Errorf("Preflight: %v", err)
	}
}

package main

import (
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// debianMain is Debian's lighttpd.conf, which the tests here run as it is
// installed; .ci/run installs the lighttpd package for it.
const debianMain = "/etc/lighttpd/lighttpd.conf"

// debianRefusals says, for each file of Debian's conf-available, whether
// Debian's lighttpd.conf with it enabled loads (nil: with warnings only)
// or which options featherd refuses it for, each as "key module", until
// featherd has those modules.
var debianRefusals = map[string][]string{
	"05-auth.conf":             nil, // mod_auth without auth.require
	"05-setenv.conf":           nil,
	"10-accesslog.conf":        nil,
	"10-cgi.conf":              {"cgi.assign mod_cgi"},
	"10-dir-listing.conf":      nil,
	"10-evhost.conf":           nil,
	"10-expire.conf":           nil,
	"10-fastcgi.conf":          nil, // mod_fastcgi without fastcgi.server
	"10-no-www.conf":           nil,
	"10-proxy.conf":            nil,
	"10-rewrite.conf":          nil,
	"10-rrdtool.conf":          nil,
	"10-simple-vhost.conf":     nil,
	"10-sockproxy.conf":        nil,
	"10-ssi.conf":              {"ssi.extension mod_ssi"},
	"10-ssl.conf":              {"ssl.engine mod_openssl", "ssl.engine mod_openssl"}, // [::]:443 from use-ipv6.pl too
	"10-status.conf":           nil,
	"10-userdir.conf":          nil,
	"11-extforward.conf":       nil, // mod_extforward without extforward.forwarder
	"15-fastcgi-php-fpm.conf":  {"fastcgi.server mod_fastcgi"},
	"15-fastcgi-php.conf":      {"fastcgi.server mod_fastcgi"},
	"20-deflate.conf":          nil,
	"90-debian-doc.conf":       nil, // its cgi.assign, without mod_cgi loaded, only warns
	"90-javascript-alias.conf": nil,
	"99-unconfigured.conf":     nil,
}

func needDebianConfig(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(debianMain)
	if err != nil {
		t.Skip("lighttpd's configuration is not installed (apt-get install lighttpd; .ci/run does)")
	}
	return string(src)
}

// checkLoads runs -tt on conf and wants it accepted, with warnings only.
func checkLoads(t *testing.T, conf string) {
	t.Helper()
	code, out, errOut := runFeatherd(t, "", "-tt", "-f", conf)
	if code != 0 || out != "Syntax OK\n" {
		t.Fatalf("code %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if line != "" && !strings.Contains(line, ": warning: ") {
			t.Errorf("stderr line is not a warning: %q", line)
		}
	}
}

// TestDebianConfigs runs -tt on Debian's lighttpd.conf as installed, and
// on it with each file of conf-available enabled as lighty-enable-mod
// would (with the files it depends on), and without conf-enabled (whose
// contents are this machine's): each loads or is refused as
// debianRefusals says.
func TestDebianConfigs(t *testing.T) {
	src := needDebianConfig(t)
	t.Run("as installed", func(t *testing.T) { checkLoads(t, debianMain) })

	var base []string
	dropped := 0
	for _, line := range strings.Split(src, "\n") {
		if strings.Contains(line, "conf-enabled") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			dropped++
			line = "# " + line
		}
		base = append(base, line)
	}
	if dropped != 1 {
		t.Fatalf("%s has changed: %d lines include conf-enabled", debianMain, dropped)
	}
	dir := t.TempDir()
	baseConf := writeFile(t, dir, "lighttpd.conf", strings.Join(base, "\n"))
	t.Run("without conf-enabled", func(t *testing.T) { checkLoads(t, baseConf) })

	files, _ := filepath.Glob("/etc/lighttpd/conf-available/*.conf")
	if len(files) == 0 {
		t.Fatal("no files in /etc/lighttpd/conf-available")
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, known := debianRefusals[name]
			if !known {
				t.Fatalf("debianRefusals does not say whether %s loads", name)
			}
			includes := "include \"" + baseConf + "\"\n"
			for _, dep := range debianDepends(t, f) {
				includes += "include \"/etc/lighttpd/conf-available/*-" + dep + ".conf\"\n"
			}
			conf := writeFile(t, dir, name, includes+"include \""+f+"\"\n")
			if want == nil {
				checkLoads(t, conf)
				return
			}
			code, out, errOut := runFeatherd(t, "", "-tt", "-f", conf)
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if code != 1 || out != "" || len(lines) != len(want) {
				t.Fatalf("code %d, stdout %q, stderr:\n%s\nwant refused for %q", code, out, errOut, want)
			}
			for i, w := range want {
				key, module, _ := strings.Cut(w, " ")
				if !strings.Contains(lines[i], ": "+key+" needs "+module+", which featherd does not have yet: ") {
					t.Errorf("error %d: %q, want %s refused for %s", i, lines[i], key, module)
				}
			}
		})
	}

	// -p of the real thing must read back identically.
	_, first, _ := runFeatherd(t, "", "-p", "-f", debianMain)
	printed := writeFile(t, dir, "printed.conf", first)
	if _, second, _ := runFeatherd(t, "", "-p", "-f", printed); first == "" || second != first {
		t.Fatal("-p output of Debian's lighttpd.conf does not print back identically")
	}
}

// TestDebianConfigServes serves with Debian's own lighttpd.conf and every
// file of its conf-available that featherd can run enabled at once, as
// lighty-enable-mod enables them: only the machine's paths (document
// root, logs, pid file, upload dir) and addresses (loopback, a free
// port) are replaced. What Debian's
// configuration asks of the modules is checked over HTTP: index files,
// url.access-deny, static-file.exclude-extensions, the alias of
// 90-javascript-alias, the redirect of 10-no-www, and userdir's excluded
// users.
func TestDebianConfigServes(t *testing.T) {
	src := needDebianConfig(t)
	run := publicDir(t)
	root := filepath.Join(run, "html")
	files := map[string]string{
		"index.html": "Debian's index\n", "secret.inc": "inc\n", "backup.txt~": "backup\n",
		"app.php": "<?php echo 1;\n", "style.css": "body{}\n",
	}
	for name, body := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, root, name, body)
	}
	logs := filepath.Join(run, "log")
	uploads := filepath.Join(run, "uploads")
	for _, d := range []string{root, logs, uploads} {
		os.MkdirAll(d, 0o755)
	}
	if os.Geteuid() == 0 {
		// Debian's configuration runs the server as www-data: its log and
		// upload directories are www-data's.
		if u, err := user.Lookup("www-data"); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			os.Chown(logs, uid, gid)
			os.Chown(uploads, uid, gid)
		}
	}

	enabled := filepath.Join(run, "conf-enabled")
	os.Mkdir(enabled, 0o755)
	available, _ := filepath.Glob("/etc/lighttpd/conf-available/*.conf")
	for _, f := range available {
		// 90-debian-doc's $HTTP["remoteip"] block, which matches this
		// test's client, sets alias.url += before 90-javascript-alias adds
		// /javascript to the global list, so its list, which replaces the
		// global one, lacks /javascript: lighttpd answers 404 there too.
		if name := filepath.Base(f); debianRefusals[name] == nil && name != "90-debian-doc.conf" {
			if err := os.Symlink(f, filepath.Join(enabled, filepath.Base(f))); err != nil {
				t.Fatal(err)
			}
		}
	}

	port := freePort(t)
	// Debian listens on every address, and on [::] where the machine has
	// IPv6 (use-ipv6.pl); the test listens on loopback only.
	ipv6 := ""
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		ipv6 = fmt.Sprintf(`$SERVER["socket"] == "[::1]:%d" { }`, port)
	}
	conf := src
	for _, r := range []struct{ from, to string }{
		{`"/var/www/html"`, strconv.Quote(root)},
		{`"/var/cache/lighttpd/uploads"`, strconv.Quote(uploads)},
		{`"/var/log/lighttpd/error.log"`, strconv.Quote(filepath.Join(logs, "error.log"))},
		{`"/run/lighttpd.pid"`, strconv.Quote(filepath.Join(run, "lighttpd.pid"))},
		{"server.port                 = 80", fmt.Sprintf("server.bind = \"127.0.0.1\"\nserver.port = %d", port)},
		{`include_shell "/usr/share/lighttpd/use-ipv6.pl " + server.port`, ipv6},
		{`"/etc/lighttpd/conf-enabled/*.conf"`, strconv.Quote(enabled + "/*.conf")},
	} {
		if !strings.Contains(conf, r.from) {
			t.Fatalf("%s has changed: no %s in it", debianMain, r.from)
		}
		conf = strings.Replace(conf, r.from, r.to, 1)
	}
	confPath := writeFile(t, run, "lighttpd.conf", conf)
	p := featherdProcess(t, "-D", "-f", confPath)

	client := &nethttp.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error { return nethttp.ErrUseLastResponse },
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	get := func(path, host string) (int, string, nethttp.Header) {
		t.Helper()
		req, _ := nethttp.NewRequest("GET", base+path, nil)
		if host != "" {
			req.Host = host
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := client.Do(req)
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp.StatusCode, string(body), resp.Header
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v\nstderr:\n%s\nerror log:\n%s", path, err, p.stderr, readFileOr(filepath.Join(logs, "error.log")))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	expect := func(path, host string, status int, body string) {
		t.Helper()
		code, got, _ := get(path, host)
		if code != status || body != "" && got != body {
			t.Errorf("GET %s (Host %q): %d %q, want %d %q", path, host, code, trimTo(got, 80), status, trimTo(body, 80))
		}
	}
	expect("/", "", 200, files["index.html"])
	expect("/style.css", "", 200, files["style.css"])
	expect("/secret.inc", "", 403, "")  // url.access-deny ".inc"
	expect("/backup.txt~", "", 403, "") // url.access-deny "~"
	expect("/app.php", "", 403, "")     // static-file.exclude-extensions
	expect("/missing", "", 404, "")
	expect("/~root/", "", 404, "") // 10-userdir excludes root: the document root has no ~root
	if b, err := os.ReadFile("/usr/share/javascript/jquery/jquery.js"); err == nil {
		expect("/javascript/jquery/jquery.js", "", 200, string(b))
	}
	expect("/javascript/../../../etc/passwd", "", 404, "")
	code, _, h := get("/page?x=1", "www.example.org")
	if code != 301 || h.Get("Location") != "http://example.org/page?x=1" {
		t.Errorf("10-no-www: %d, Location %q", code, h.Get("Location"))
	}
}

func readFileOr(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// debianDepends reads the modules a conf-available file depends on, from
// its "# -*- depends: a b -*-" line, as lighty-enable-mod does.
func debianDepends(t *testing.T, file string) []string {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		if _, rest, ok := strings.Cut(line, "-*- depends:"); ok {
			deps, _, _ := strings.Cut(rest, "-*-")
			return strings.Fields(deps)
		}
	}
	return nil
}

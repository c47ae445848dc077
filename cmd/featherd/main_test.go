package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runFeatherd runs the command in-process and returns its exit code and
// output, as a user at a shell would see them.
func runFeatherd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVersion(t *testing.T) {
	code, out, _ := runFeatherd(t, "", "-v")
	if code != 0 || out != "featherd/"+version+" - lighttpd's core in Go\n" {
		t.Fatalf("-v: code %d, output %q", code, out)
	}
}

// TestVersionSupport checks -V's format, which scripts written for
// lighttpd parse: headings, and "\t+ " or "\t- " lines only.
func TestVersionSupport(t *testing.T) {
	code, out, _ := runFeatherd(t, "", "-V")
	if code != 0 {
		t.Fatalf("-V exit code %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "featherd/") {
		t.Fatalf("first line %q", lines[0])
	}
	headings := 0
	for _, l := range lines[1:] {
		switch {
		case l == "":
		case strings.HasSuffix(l, ":") && !strings.HasPrefix(l, "\t"):
			headings++
		case strings.HasPrefix(l, "\t+ ") || strings.HasPrefix(l, "\t- "):
		default:
			t.Errorf("line %q is neither a heading nor a \\t+/\\t- line", l)
		}
	}
	if headings != 4 {
		t.Errorf("got %d headings, want 4 (Event Handlers, Network handler, Features, Modules)", headings)
	}
	if !strings.Contains(out, "\t+ lighttpd.conf support") || !strings.Contains(out, "\t- TLS support") {
		t.Errorf("-V does not say what is built:\n%s", out)
	}
	// Scripts written for lighttpd grep for its feature names.
	if !strings.Contains(out, "\t+ PCRE support (") {
		t.Errorf("-V has no \"+ PCRE support\" line:\n%s", out)
	}
	for _, m := range []string{"mod_indexfile", "mod_staticfile"} {
		if !strings.Contains(out, "\t+ "+m+"\n") {
			t.Errorf("-V does not list %s:\n%s", m, out)
		}
	}
}

func TestHelpAndUsageErrors(t *testing.T) {
	code, out, _ := runFeatherd(t, "", "-h")
	if code != 0 || !strings.Contains(out, "usage: featherd") {
		t.Fatalf("-h: code %d, output %q", code, out)
	}
	for _, args := range [][]string{{"-x"}, {"-f"}, {"-f", "a", "-f", "b"}, {"-i", "soon"}, {"operand"}, {"-1", "-f", "-"}} {
		code, out, errOut := runFeatherd(t, "", args...)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, "featherd: ") || !strings.Contains(errOut, "usage:") {
			t.Errorf("%q: code %d, stdout %q, stderr %q; want 2, a message and the usage on stderr", args, code, out, errOut)
		}
	}
}

func TestFlagsGroupedAndAttached(t *testing.T) {
	f, err := parseFlags([]string{"-Dtt", "-fconf", "-i", "0x10", "-1p", "-m", "/lib"})
	if err != nil {
		t.Fatal(err)
	}
	want := flags{configFile: "conf", moduleDir: "/lib", idleTimeout: 16, foreground: true, oneShot: true, printConfig: true, test: 2}
	if f != want {
		t.Fatalf("got %+v, want %+v", f, want)
	}
}

func TestSyntaxCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.conf", "server.document-root = \""+dir+"\"\nserver.port = 8080\n")
	code, out, errOut := runFeatherd(t, "", "-t", "-f", good)
	if code != 0 || out != "Syntax OK\n" || errOut != "" {
		t.Fatalf("-t good: code %d, stdout %q, stderr %q", code, out, errOut)
	}

	bad := writeFile(t, dir, "bad.conf", "server.document-root = \""+dir+"\"\nserver.port = \"eighty\"\n")
	code, out, errOut = runFeatherd(t, "", "-t", "-f", bad)
	want := bad + `:2:1: server.port: expected an integer 0 ... 65535, found string "eighty"` + "\n"
	if code != 1 || out != "" || errOut != want {
		t.Fatalf("-t bad: code %d, stdout %q, stderr %q; want stderr %q", code, out, errOut, want)
	}

	syntax := writeFile(t, dir, "syntax.conf", "server.document-root = \""+dir+"\"\n$HTTP[\"host\"] == \"x\" {\n  server.tag = \"a\" \"b\"\n}\n")
	code, _, errOut = runFeatherd(t, "", "-t", "-f", syntax)
	if code != 1 || !strings.HasPrefix(errOut, syntax+":3:20: ") {
		t.Fatalf("-t syntax error: code %d, stderr %q", code, errOut)
	}

	spawn := writeFile(t, dir, "spawn.conf", "server.document-root = \""+dir+"\"\nserver.modules = ( \"mod_fastcgi\" )\n"+
		"fastcgi.server = ( \".php\" => ( ( \"bin-path\" => \"/usr/bin/php-cgi\", \"socket\" => \"/run/php.sock\" ) ) )\n"+
		"server.feature-flags = ( \"server.graceful-restart-bg\" => \"enable\" )\n")
	code, out, errOut = runFeatherd(t, "", "-t", "-f", spawn)
	// Until featherd has mod_fastcgi, fastcgi.server is refused as well.
	want = spawn + ":3:1: fastcgi.server needs mod_fastcgi, which featherd does not have yet: featherd would answer from the document root " +
		"(sending a script's source, for one) what lighttpd hands to a backend; to serve without it, remove fastcgi.server or remove mod_fastcgi from server.modules\n" +
		spawn + ":3:34: server.graceful-restart-bg cannot be used with bin-path backends (fastcgi.server): each generation would spawn its own set of backends; remove the flag or run the backends separately (e.g. php-fpm)\n"
	if code != 1 || out != "" || errOut != want {
		t.Fatalf("-t bin-path with graceful-restart-bg: code %d, stdout %q, stderr %q; want stderr %q", code, out, errOut, want)
	}
}

// TestRefusedModuleExits: featherd, as a process, refuses a configuration
// that needs a module it does not have yet wherever it loads one (-t, -tt
// and a start in the foreground), with the message on stderr and exit
// status 1, and serves nothing.
func TestRefusedModuleExits(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "secret.pl", "print 'password';\n")
	port := freePort(t)
	conf := writeFile(t, t.TempDir(), "cgi.conf", fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.modules = ( "mod_cgi" )
cgi.assign = ( ".pl" => "/usr/bin/perl" )
`, root, port))
	want := conf + ":5:1: cgi.assign needs mod_cgi, which featherd does not have yet: featherd would send CGI programs' source where lighttpd runs them; " +
		"to serve without it, remove cgi.assign or remove mod_cgi from server.modules\n"
	for _, mode := range []string{"-t", "-tt", "-D"} {
		// A featherd that wrongly serves is stopped, with what it started,
		// when the test ends.
		p := featherdProcessWith(t, func(cmd *exec.Cmd) { cmd.Stdout = &syncBuffer{} }, mode, "-f", conf)
		if !p.exited(10 * time.Second) {
			t.Errorf("featherd %s is still running; want it to refuse the configuration\nstderr:\n%s", mode, p.stderr)
			continue
		}
		stdout := p.cmd.Stdout.(*syncBuffer).String()
		if code := p.cmd.ProcessState.ExitCode(); code != 1 || stdout != "" || p.stderr.String() != want {
			t.Errorf("featherd %s: exit %d, stdout %q, stderr %q; want exit 1 and stderr %q", mode, code, stdout, p.stderr, want)
		}
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second); err == nil {
		c.Close()
		t.Error("something listens on the configured port")
	}
}

// TestExampleConfig: the annotated example users copy uses only what
// featherd implements, so it loads without a single warning.
func TestExampleConfig(t *testing.T) {
	code, out, errOut := runFeatherd(t, "", "-t", "-f", filepath.Join("..", "..", "examples", "featherd.conf"))
	if code != 0 || out != "Syntax OK\n" || errOut != "" {
		t.Fatalf("code %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
}

func TestWarningsGoToStderr(t *testing.T) {
	dir := t.TempDir()
	conf := writeFile(t, dir, "w.conf", "server.document-root = \""+dir+"\"\nno.such-key = 1\n")
	code, out, errOut := runFeatherd(t, "", "-t", "-f", conf)
	if code != 0 || out != "Syntax OK\n" || errOut != conf+":2:1: warning: unknown config-key: no.such-key (ignored)\n" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestPreflight(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nowhere")
	conf := writeFile(t, dir, "p.conf", "server.document-root = \""+missing+"\"\n")
	if code, out, _ := runFeatherd(t, "", "-t", "-f", conf); code != 0 || out != "Syntax OK\n" {
		t.Fatalf("-t must not look at the disk: code %d, stdout %q", code, out)
	}
	code, out, errOut := runFeatherd(t, "", "-tt", "-f", conf)
	want := conf + ":1:1: server.document-root: stat " + missing + ": no such file or directory\n"
	if code != 1 || out != "" || errOut != want {
		t.Fatalf("-tt: code %d, stdout %q, stderr %q; want %q", code, out, errOut, want)
	}
}

func TestConfigFromStdin(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runFeatherd(t, "server.document-root = \""+dir+"\"\nserver.tag = \"a\" + 1\n", "-p", "-f", "-")
	want := "server.document-root = \"" + dir + "\"\nserver.tag = \"a1\"\n"
	if code != 0 || out != want || errOut != "" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestPrintRoundTrip checks that -p output read back from another
// directory prints the same bytes: includes, variables, env and += are
// all resolved in it.
func TestPrintRoundTrip(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("FEATHERD_TEST_ROOT", dir)
	writeFile(t, dir, "vhost.conf", "$HTTP[\"host\"] =~ \"^(www\\.)?example\\.org$\" {\n  server.document-root = var.root + \"/example\"\n  index-file.names += ( \"home.html\" )\n}\nelse {\n  server.tag = \"say \\\"hi\\\"\"\n}\n")
	main := writeFile(t, dir, "main.conf", `var.root = env.FEATHERD_TEST_ROOT
server.document-root = var.root
index-file.names = ( "index.html" )
server.feature-flags += ( "server.graceful-restart-bg" => "enable" )
include "vhost.conf"
`)
	code, first, errOut := runFeatherd(t, "", "-p", "-f", main)
	if code != 0 || errOut != "" {
		t.Fatalf("-p: code %d, stderr %q", code, errOut)
	}
	want := `var.root = "` + dir + `"
server.document-root = "` + dir + `"
index-file.names = ( "index.html" )
server.feature-flags = ( "server.graceful-restart-bg" => "enable" )
$HTTP["host"] =~ "^(www\.)?example\.org$" {
    server.document-root = "` + dir + `/example"
    index-file.names = ( "index.html", "home.html" )
}
else {
    server.tag = "say \"hi\""
}
`
	if first != want {
		t.Fatalf("-p printed\n%s\nwant\n%s", first, want)
	}
	printed := writeFile(t, t.TempDir(), "printed.conf", first)
	t.Chdir(t.TempDir())
	code, second, errOut := runFeatherd(t, "", "-p", "-f", printed)
	if code != 0 || second != first {
		t.Fatalf("reprinting: code %d, stderr %q, output\n%s", code, errOut, second)
	}
}

// TestDefaultConfig checks the embedded configuration used without -f:
// ./www when it exists, else the working directory, on 127.0.0.1:8080.
func TestDefaultConfig(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, out, errOut := runFeatherd(t, "", "-p")
	if code != 0 || errOut != "" || !strings.Contains(out, "server.document-root = \""+dir+"\"\n") ||
		!strings.Contains(out, "server.bind = \"127.0.0.1\"\n") || !strings.Contains(out, "server.port = 8080\n") {
		t.Fatalf("without www/: code %d, stderr %q, output\n%s", code, errOut, out)
	}
	if err := os.Mkdir(filepath.Join(dir, "www"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runFeatherd(t, "", "-p")
	if code != 0 || !strings.Contains(out, "server.document-root = \""+filepath.Join(dir, "www")+"\"\n") {
		t.Fatalf("with www/: code %d, output\n%s", code, out)
	}
	if code, out, errOut := runFeatherd(t, "", "-tt"); code != 0 || out != "Syntax OK\n" || errOut != "" {
		t.Fatalf("-tt of the default config: code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestMain lets a test run this binary as featherd itself: with
// FEATHERD_TEST_MAIN set the process is featherd, so tests exercise the
// real command in a real process without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("FEATHERD_TEST_MAIN") == "1" {
		main()
		return
	}
	// A binary built with -race sleeps a second before it exits (to let
	// reports reach stderr); featherd processes exit all the time here,
	// and an old generation's exit is what an in-place restart waits for.
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	os.Exit(m.Run())
}

// featherdProc is featherd running in a process of its own.
type featherdProc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{} // closed when the process has exited and been reaped
}

// exited waits up to d for the process to exit.
func (p *featherdProc) exited(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// waitStderr waits up to d for featherd to have written text to its
// stderr.
func (p *featherdProc) waitStderr(t *testing.T, text string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(p.stderr.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("featherd did not log %q within %v:\n%s", text, d, p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitFile waits until the file at path holds text n times.
func waitFile(t *testing.T, p *featherdProc, path, text string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if strings.Count(string(b), text) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not hold %q %d times:\n%s\nstderr:\n%s", path, text, n, b, p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// featherdProcess starts this test binary as featherd with args. When
// the test ends, a master still running gets SIGTERM (it stops its
// generations) and, if need be, everything it started is killed.
func featherdProcess(t *testing.T, args ...string) *featherdProc {
	t.Helper()
	return featherdProcessWith(t, nil, args...)
}

// featherdProcessWith is featherdProcess with a chance to adjust the
// command (extra files, environment) before it starts.
func featherdProcessWith(t *testing.T, adjust func(*exec.Cmd), args ...string) *featherdProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FEATHERD_TEST_MAIN=1")
	if adjust != nil {
		adjust(cmd)
	}
	return startProc(t, cmd)
}

// startProc starts cmd and arranges its cleanup (see featherdProcess).
func startProc(t *testing.T, cmd *exec.Cmd) *featherdProc {
	t.Helper()
	p := &featherdProc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		children := childPids(cmd.Process.Pid)
		cmd.Process.Signal(syscall.SIGTERM)
		if !p.exited(5 * time.Second) {
			cmd.Process.Kill()
			<-p.done
		}
		for _, pid := range children {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return p
}

// syncBuffer lets a process's stderr be read while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// childPids lists the processes whose parent is pid.
func childPids(pid int) []int {
	return processes(func(p int) bool {
		_, ppid, ok := procStat(p)
		return ok && ppid == pid
	})
}

// processes lists the pids in /proc that keep accepts.
func processes(keep func(pid int) bool) []int {
	var out []int
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if pid, err := strconv.Atoi(d.Name()); err == nil && keep(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// procStat reads a process's state letter and parent from
// /proc/pid/stat; ok is false once it is gone.
func procStat(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// pid (comm) state ppid …; comm may contain spaces, so split after ')'.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 2 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(fields[1])
	return fields[0][0], ppid, true
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestServeAndStop runs featherd -D on a real configuration: it serves a
// file, and SIGINT stops it with exit status 0, removing nothing it did
// not create.
func TestServeAndStop(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "hello.txt", "hello, featherd\n")
	port := freePort(t)
	conf := writeFile(t, t.TempDir(), "s.conf", fmt.Sprintf(
		"server.document-root = %q\nserver.bind = \"127.0.0.1\"\nserver.port = %d\n", root, port))
	p := featherdProcess(t, "-D", "-f", conf)
	cmd, stderr := p.cmd, p.stderr

	url := fmt.Sprintf("http://127.0.0.1:%d/hello.txt", port)
	var resp *nethttp.Response
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		resp, err = nethttp.Get(url)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("featherd did not serve %s: %v\nstderr:\n%s", url, err, stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello, featherd\n" || resp.Header.Get("Server") != "featherd/"+version {
		t.Fatalf("GET: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	// An idle keep-alive connection is closed only when its idle timeout
	// expires, even while draining: don't keep one.
	nethttp.DefaultClient.CloseIdleConnections()
	cmd.Process.Signal(syscall.SIGINT)
	if !p.exited(10 * time.Second) {
		t.Fatalf("featherd did not stop on SIGINT\nstderr:\n%s", stderr)
	}
	if !cmd.ProcessState.Success() {
		t.Fatalf("featherd exited with %v\nstderr:\n%s", cmd.ProcessState, stderr)
	}
	if _, err := nethttp.Get(url); err == nil {
		t.Fatal("featherd still serves after it exited")
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The systemd units shipped in examples/systemd, checked with the systemd
// installed here (Debian package systemd; .ci/run installs it).

// unitsDir holds the unit files users copy.
const unitsDir = "../../examples/systemd"

// serviceUnits are the service files in unitsDir with the oldest systemd
// that knows all their settings. Each is installed as featherd.service,
// the service featherd.socket starts.
var serviceUnits = []struct {
	file       string
	minSystemd int
	// before lists what systemd older than minSystemd says about the
	// file (after "path:line: "): the settings it ignores.
	before []string
}{
	{file: "featherd.service"},
	{file: "featherd-notify-reload.service", minSystemd: 253, before: []string{
		"Failed to parse service type, ignoring: notify-reload",
		"Unknown key 'ReloadSignal' in section [Service], ignoring.",
	}},
}

// TestSystemdUnitsVerify runs systemd-analyze verify on every unit in
// examples/systemd, each service installed as featherd.service beside
// featherd.socket, with featherd's paths pointed at this test binary (which
// is featherd, see TestMain) and its configuration. Any line it prints
// about them fails the test: systemd 252 exits 0 on an unknown key or
// type, and only says so. A service needing a newer systemd than the one
// here must draw exactly the complaints listed for it, and nothing else.
func TestSystemdUnitsVerify(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd; .ci/run installs it)")
	}
	version := systemdVersion(t, tool)
	checkUnitsListed(t)
	for _, u := range serviceUnits {
		t.Run(u.file, func(t *testing.T) {
			dir := installUnits(t, u.file, func(s string) string { return s })
			cmd := exec.Command(tool, "verify", filepath.Join(dir, "featherd.service"), filepath.Join(dir, "featherd.socket"))
			cmd.Env = append(os.Environ(), "SYSTEMD_LOG_COLOR=0")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("systemd-analyze verify: %v", err)
			}
			var want []string
			if version < u.minSystemd {
				want = u.before
				t.Logf("systemd %d is older than the %d this unit needs: expecting %q", version, u.minSystemd, want)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				switch {
				case line == "":
				case strings.Contains(line, dir) || strings.Contains(line, "featherd."):
					got = append(got, fileLine.ReplaceAllString(line, ""))
				default:
					t.Logf("not about featherd's units: %s", line)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("systemd %d says about %s:\n%s\nwant only %q", version, u.file, out, want)
			}
		})
	}
}

// fileLine is where systemd-analyze says a complaint is: "path:line: ".
var fileLine = regexp.MustCompile(`^\S+:\d+: `)

// checkUnitsListed fails the test when examples/systemd has a unit the
// tests do not know (and would not check) or lacks one they expect.
func checkUnitsListed(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(unitsDir)
	if err != nil {
		t.Fatal(err)
	}
	var have, want []string
	for _, e := range entries {
		have = append(have, e.Name())
	}
	for _, u := range serviceUnits {
		want = append(want, u.file)
	}
	want = append(want, "featherd.socket")
	slices.Sort(want)
	if !slices.Equal(have, want) {
		t.Fatalf("examples/systemd holds %q; the tests check %q", have, want)
	}
}

// installUnits copies service (installed as featherd.service) and
// featherd.socket from examples/systemd into a new directory, with
// featherd's binary and configuration paths pointed at this test binary
// and edit applied to both files, and returns the directory.
func installUnits(t *testing.T, service string, edit func(string) string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for from, to := range map[string]string{service: "featherd.service", "featherd.socket": "featherd.socket"} {
		b, err := os.ReadFile(filepath.Join(unitsDir, from))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if to == "featherd.service" {
			if !strings.Contains(text, "ExecStart=/usr/sbin/featherd -D -f /etc/featherd/featherd.conf\n") {
				t.Fatalf("%s: no ExecStart=/usr/sbin/featherd -D -f /etc/featherd/featherd.conf line to point at the test's featherd", from)
			}
			text = strings.ReplaceAll(text, "/usr/sbin/featherd ", exe+" ")
		}
		writeFile(t, dir, to, edit(text))
	}
	return dir
}

// systemdVersion is the major version systemd-analyze --version prints
// ("systemd 252 (252.38-1~deb12u1)").
func systemdVersion(t *testing.T, tool string) int {
	t.Helper()
	out, err := exec.Command(tool, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", tool, err)
	}
	m := regexp.MustCompile(`^systemd (\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("%s --version printed %q", tool, out)
	}
	v, _ := strconv.Atoi(string(m[1]))
	return v
}

// TestSystemdUnitsRun runs each service unit this systemd knows, with
// featherd.socket, under a real systemd: a user manager of the test's own
// (this machine need not boot with systemd), in a mount namespace where
// /run/systemd/system exists and a cgroup of its own. The units are the
// shipped ones, with the paths and the port changed, and a drop-in that
// only adds the test's environment and a log file. It checks what a user
// sees: "systemctl start" returns once featherd serves; "systemctl reload"
// succeeds and the new configuration gets served (at once, with
// Type=notify-reload); "systemctl stop" lets a download in flight finish
// and leaves the unit inactive with status 0.
func TestSystemdUnitsRun(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the systemd manager of its own needs a mount namespace and a cgroup")
	}
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd; .ci/run installs it)")
	}
	version := systemdVersion(t, tool)
	for _, u := range serviceUnits {
		t.Run(u.file, func(t *testing.T) {
			if version < u.minSystemd {
				t.Skipf("needs systemd %d or later; this is systemd %d", u.minSystemd, version)
			}
			runUnit(t, u.file)
		})
	}
}

// runUnit starts service and featherd.socket under a user manager and
// takes them through start, reload and stop.
func runUnit(t *testing.T, service string) {
	root := t.TempDir()
	writeFile(t, root, "index.html", "hello from systemd")
	os.MkdirAll(filepath.Join(root, "slow"), 0o755)
	writeFile(t, filepath.Join(root, "slow"), "big.bin", strings.Repeat("0123456789abcdef", 128<<10))
	// restartServer only for the configuration and the requests:
	// systemd starts featherd here.
	s := &restartServer{t: t, port: freePort(t), root: root}
	s.conf = filepath.Join(t.TempDir(), "featherd.conf")
	s.tmpl = fmt.Sprintf(`server.document-root = %q
server.bind = "127.0.0.1"
server.port = %d
server.systemd-socket-activation = "enable"
server.max-keep-alive-idle = 1
server.tag = "gen-%%d"
$HTTP["url"] =^ "/slow/" { connection.kbytes-per-second = 1024 }
`, root, s.port)
	s.setTag(0)

	log := filepath.Join(t.TempDir(), "featherd.log")
	units := installUnits(t, service, func(text string) string {
		text = strings.ReplaceAll(text, "/etc/featherd/featherd.conf", s.conf)
		return strings.ReplaceAll(text, "ListenStream=80\n", "ListenStream=127.0.0.1:"+strconv.Itoa(s.port)+"\n")
	})
	os.Mkdir(filepath.Join(units, "featherd.service.d"), 0o755)
	writeFile(t, units, "featherd.service.d/test.conf", fmt.Sprintf(`[Service]
Environment=FEATHERD_TEST_MAIN=1 GORACE=atexit_sleep_ms=0
StandardOutput=append:%s
StandardError=append:%s
`, log, log))
	// What a user manager expects to find; systemd's own would pull in
	// the units of whatever else is installed.
	for _, target := range []string{"default", "basic", "sockets", "shutdown", "exit"} {
		writeFile(t, units, target+".target", "[Unit]\nDescription="+target+"\n")
	}
	m := startUserManager(t, units)
	logs := func() string {
		b, _ := os.ReadFile(log)
		out, _ := m.systemctl("status", "featherd.service")
		return fmt.Sprintf("featherd's log:\n%s\nsystemctl status:\n%s", b, out)
	}
	show := func() map[string]string {
		t.Helper()
		out, err := m.systemctl("show", "-p", "Type,ActiveState,SubState,StatusText,MainPID,Result,ExecMainStatus", "featherd.service")
		if err != nil {
			t.Fatalf("systemctl show: %v\n%s", err, out)
		}
		props := map[string]string{}
		for _, line := range strings.Split(out, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				props[k] = v
			}
		}
		return props
	}

	if out, err := m.systemctl("start", "featherd.socket", "featherd.service"); err != nil {
		t.Fatalf("systemctl start: %v\n%s\n%s", err, out, logs())
	}
	p := show()
	wantType := strings.TrimPrefix(regexp.MustCompile(`(?m)^Type=.*$`).FindString(readUnit(t, service)), "Type=")
	if p["Type"] != wantType || p["ActiveState"] != "active" || p["SubState"] != "running" || p["StatusText"] != "serving" {
		t.Fatalf("after systemctl start: %v, want Type=%s, active, running, StatusText=serving\n%s", p, wantType, logs())
	}
	if cmdline, _ := os.ReadFile("/proc/" + p["MainPID"] + "/cmdline"); !strings.HasPrefix(string(cmdline), masterName+"\x00") {
		t.Errorf("MainPID %s is %q, not featherd's master", p["MainPID"], cmdline)
	}
	if tag, err := s.get("/index.html"); tag != "gen-0" {
		t.Fatalf("once systemctl start returned: %q, %v\n%s", tag, err, logs())
	}

	s.setTag(1)
	if out, err := m.systemctl("reload", "featherd.service"); err != nil {
		t.Fatalf("systemctl reload: %v\n%s\n%s", err, out, logs())
	}
	if wantType == "notify-reload" {
		// The reload ends with featherd's READY=1: the new generation
		// serves, and in place (the default) it alone accepts.
		if tag, err := s.get("/index.html"); tag != "gen-1" {
			t.Errorf("once systemctl reload returned: %q, %v", tag, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		p = show()
		tag, err := s.get("/index.html")
		if tag == "gen-1" && p["ActiveState"] == "active" && p["StatusText"] == "serving (generation 2)" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the reload: served by %q (%v), unit %v; want gen-1, active, StatusText=serving (generation 2)\n%s", tag, err, p, logs())
		}
		time.Sleep(20 * time.Millisecond)
	}

	c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(s.port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	fmt.Fprintf(c, "GET /slow/big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
	br := bufio.NewReader(c)
	br.Peek(1) // the response has started
	// systemctl stop returns once featherd has exited, after the download.
	downloaded := make(chan error, 1)
	go func() {
		_, _, n, err := readResp(br)
		c.Close() // featherd waits for the client's close a while
		if err == nil && n != 2<<20 {
			err = fmt.Errorf("%d bytes", n)
		}
		downloaded <- err
	}()
	if out, err := m.systemctl("stop", "featherd.service"); err != nil {
		t.Fatalf("systemctl stop: %v\n%s\n%s", err, out, logs())
	}
	if err := <-downloaded; err != nil {
		t.Errorf("download during systemctl stop: %v\n%s", err, logs())
	}
	if p := show(); p["ActiveState"] != "inactive" || p["Result"] != "success" || p["ExecMainStatus"] != "0" {
		t.Errorf("after systemctl stop: %v, want inactive, success, status 0\n%s", p, logs())
	}
	if out, err := m.systemctl("stop", "featherd.socket"); err != nil {
		t.Errorf("systemctl stop featherd.socket: %v\n%s", err, out)
	}
}

// readUnit is the text of a unit file in examples/systemd.
func readUnit(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(unitsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// userManager is a systemd user manager started by a test.
type userManager struct {
	t       *testing.T
	runtime string // its XDG_RUNTIME_DIR, where its private socket is
}

// systemctl runs systemctl --user against the manager.
func (m *userManager) systemctl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "systemctl", append([]string{"--user", "--no-pager"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "XDG_RUNTIME_DIR=" + m.runtime, "SYSTEMD_COLORS=0"}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// startUserManager starts systemd --user with the units in dir only. It
// skips the test when this machine cannot run one; at the end of the
// test it makes the manager exit and removes its cgroups with whatever
// is left in them.
func startUserManager(t *testing.T, dir string) *userManager {
	t.Helper()
	manager := ""
	for _, p := range []string{"/usr/lib/systemd/systemd", "/lib/systemd/systemd"} {
		if _, err := os.Stat(p); err == nil {
			manager = p
			break
		}
	}
	if manager == "" {
		t.Skip("no systemd manager binary (Debian package systemd; .ci/run installs it)")
	}
	cgroups, err := makeCgroups(t)
	if err != nil {
		t.Skipf("cannot give a systemd manager a cgroup of its own here: %v", err)
	}
	m := &userManager{t: t, runtime: t.TempDir()}
	os.Chmod(m.runtime, 0o700)
	// systemd --user runs only where /run/systemd/system exists, as on
	// a machine booted with systemd: make it so in a mount namespace of
	// the manager's own.
	script := `for cg in "$@"; do echo $$ > "$cg/cgroup.procs" || exit 1; done
mkdir -p /run/systemd && mount -t tmpfs featherd-test /run/systemd && mkdir /run/systemd/system || exit 1
exec ` + manager + ` --user`
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "sh"}, cgroups...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + m.runtime, "XDG_RUNTIME_DIR=" + m.runtime, "SYSTEMD_UNIT_PATH=" + dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Unshareflags: syscall.CLONE_NEWNS}
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a systemd user manager here: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		m.systemctl("--force", "exit")
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		for _, cg := range cgroups {
			if err := removeCgroup(cg); err != nil {
				t.Errorf("removing the manager's cgroup: %v", err)
			}
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := m.systemctl("show-environment"); err == nil {
			return m
		}
		select {
		case <-exited:
			t.Skipf("cannot run a systemd user manager here: %v\n%s", cmd.ProcessState, &out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the systemd user manager did not answer within 10 s\n%s", &out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// makeCgroups creates a cgroup below this process's own in each
// hierarchy systemd uses (the unified one, and name=systemd on a hybrid
// setup) and returns their paths.
func makeCgroups(t *testing.T) ([]string, error) {
	mountinfo, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	own, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	// Where each hierarchy is mounted, by its /proc/self/cgroup name:
	// "" for the unified one, "name=systemd" for systemd's own in v1.
	mounts := map[string]string{}
	for _, line := range strings.Split(string(mountinfo), "\n") {
		fields := strings.Fields(line)
		sep := slices.Index(fields, "-")
		if sep < 0 || sep+3 >= len(fields) || fields[3] != "/" {
			continue
		}
		switch {
		case fields[sep+1] == "cgroup2":
			mounts[""] = fields[4]
		case fields[sep+1] == "cgroup" && slices.Contains(strings.Split(fields[sep+3], ","), "name=systemd"):
			mounts["name=systemd"] = fields[4]
		}
	}
	// The same name in every hierarchy: systemd on a hybrid setup puts
	// itself at its unified path in name=systemd too.
	name := fmt.Sprintf("featherd-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	var made []string
	for _, line := range strings.Split(strings.TrimSpace(string(own)), "\n") {
		// hierarchy-id:controllers:path
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		mount, ok := mounts[parts[1]]
		if !ok {
			continue
		}
		dir := filepath.Join(mount, parts[2], name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			for _, d := range made {
				os.Remove(d)
			}
			return nil, err
		}
		made = append(made, dir)
	}
	if len(made) == 0 {
		return nil, errors.New("no cgroup2 or name=systemd hierarchy mounted")
	}
	return made, nil
}

// removeCgroup kills what is left in the cgroup dir and below, then
// removes them, deepest first.
func removeCgroup(dir string) error {
	var dirs []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	deadline := time.Now().Add(5 * time.Second)
	for i := len(dirs) - 1; i >= 0; i-- {
		for {
			procs, _ := os.ReadFile(filepath.Join(dirs[i], "cgroup.procs"))
			if len(bytes.TrimSpace(procs)) == 0 {
				break
			}
			for _, f := range strings.Fields(string(procs)) {
				if pid, err := strconv.Atoi(f); err == nil {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s still holds %s", dirs[i], procs)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := os.Remove(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

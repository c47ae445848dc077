package restart

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/featherd/featherd/config"
)

func loadConfig(t *testing.T, src string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.conf", "server.document-root = \"/\"\n"+src, "", config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestListenUnixSocket: a unix socket gets server.socket-perms, a stale
// socket file left by a crash is replaced, and one another process still
// listens on is refused rather than stolen.
func TestListenUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.sock")
	cfg := loadConfig(t, `server.bind = "`+path+`"
server.socket-perms = "0600"`)

	// A stale socket: bound, then its listener gone without removing the file.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the stale socket file should still exist: %v", err)
	}

	ls, err := Listen(cfg)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket file %v, %v; want a socket with mode 0600", fi, err)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.Close()

	// The same path again while it is served: refused.
	_, err = Listen(cfg)
	if err == nil || !strings.Contains(err.Error(), "another process is listening on it") {
		t.Fatalf("Listen on a socket in use: %v", err)
	}

	CloseListeners(ls)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("closing the listener must remove its socket file: %v", err)
	}
}

// TestListenRefusesNonSocket: a regular file in the way is never removed.
func TestListenRefusesNonSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "not-a-socket")
	if err := os.WriteFile(path, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Listen(loadConfig(t, `server.bind = "`+path+`"`))
	if err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("got %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "data" {
		t.Fatal("the file in the way was touched")
	}
}

// TestListenTCP binds IPv4 and IPv6 sockets from the configuration, and
// on a bind error closes every socket it had opened.
func TestListenTCP(t *testing.T) {
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freePort := free.Addr().(*net.TCPAddr).Port
	free.Close()

	cfg := loadConfig(t, `server.bind = "127.0.0.1"
server.port = `+strconv.Itoa(freePort)+`
$SERVER["socket"] == "[::1]:`+strconv.Itoa(freePort)+`" { }`)
	ls, err := Listen(cfg)
	if err != nil {
		if strings.Contains(err.Error(), "cannot assign requested address") {
			t.Skip("no IPv6 loopback here")
		}
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].Socket.Token != "127.0.0.1:"+strconv.Itoa(freePort) || ls[1].Socket.Token != "[::1]:"+strconv.Itoa(freePort) {
		t.Fatalf("listeners %+v", ls)
	}
	CloseListeners(ls)

	// The second socket cannot be bound: the first must be closed again.
	busyPort := busy.Addr().(*net.TCPAddr).Port
	cfg = loadConfig(t, `server.bind = "127.0.0.1"
server.port = `+strconv.Itoa(freePort)+`
$SERVER["socket"] == "127.0.0.1:`+strconv.Itoa(busyPort)+`" { }`)
	if _, err := Listen(cfg); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("binding a busy port: %v", err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(freePort))
	if err != nil {
		t.Fatalf("the socket bound before the failure was not closed: %v", err)
	}
	ln.Close()
}

// TestListenBacklog: server.listen-backlog bounds the connections the
// kernel queues for a socket nobody accepts on (Linux queues backlog+1):
// a TCP client beyond it gets no answer to its SYN, a unix one is told
// to try again.
func TestListenBacklog(t *testing.T) {
	const backlog = 2
	path := filepath.Join(t.TempDir(), "b.sock")
	free, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := free.Addr().(*net.TCPAddr).Port
	free.Close()
	cfg := loadConfig(t, `server.bind = "127.0.0.1"
server.port = `+strconv.Itoa(port)+`
server.listen-backlog = 2
$SERVER["socket"] == "`+path+`" { }`)
	ls, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer CloseListeners(ls)
	for _, l := range ls {
		addr := l.Listener.Addr()
		var held []net.Conn
		for range backlog + 1 {
			c, err := net.DialTimeout(addr.Network(), addr.String(), 2*time.Second)
			if err != nil {
				t.Fatalf("%s: connection %d within the backlog: %v", addr, len(held)+1, err)
			}
			held = append(held, c)
		}
		if c, err := net.DialTimeout(addr.Network(), addr.String(), 300*time.Millisecond); err == nil {
			c.Close()
			t.Errorf("%s: a connection beyond server.listen-backlog = %d was queued", addr, backlog)
		}
		for _, c := range held {
			c.Close()
		}
	}
}

// TestListenV4Mapped: server.v4mapped, when set, decides whether an IPv6
// wildcard socket also takes IPv4 clients, over server.set-v6only.
func TestListenV4Mapped(t *testing.T) {
	tests := []struct {
		name, conf string
		v4         bool // an IPv4 client gets through
	}{
		{"v4mapped enabled", `server.v4mapped = "enable"`, true},
		{"v4mapped disabled", "server.set-v6only = \"disable\"\nserver.v4mapped = \"disable\"", false},
		{"set-v6only disabled", `server.set-v6only = "disable"`, true},
		{"default", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			free, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := strconv.Itoa(free.Addr().(*net.TCPAddr).Port)
			free.Close()
			ls, err := Listen(loadConfig(t, "server.bind = \"[::]\"\nserver.port = "+port+"\n"+tt.conf))
			if err != nil {
				if strings.Contains(err.Error(), "address family not supported") {
					t.Skip("no IPv6 here")
				}
				t.Fatal(err)
			}
			defer CloseListeners(ls)
			c, err := net.DialTimeout("tcp4", "127.0.0.1:"+port, 2*time.Second)
			if err == nil {
				c.Close()
			}
			if (err == nil) != tt.v4 {
				t.Errorf("IPv4 client: %v; want it to get through: %v", err, tt.v4)
			}
		})
	}
}

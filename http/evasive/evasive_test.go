package evasive_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/reactor/reactortest"
)

// slow is a configuration under which a request for big.bin stays in
// progress for a minute: its response goes out at 1 KiB/s.
const slow = "connection.kbytes-per-second = 1\n"

func start(t *testing.T, conf string) *reactortest.Server {
	t.Helper()
	return reactortest.Start(t, reactortest.Options{
		Conf:  `server.modules = ( "mod_extforward", "mod_evasive" )` + "\n" + slow + conf,
		Files: map[string]string{"f.txt": "hello", "big.bin": strings.Repeat("x", 64<<10)},
	})
}

// hold starts a request for big.bin on a new connection and returns once
// its response has begun, so the request is in progress (and counted)
// until the connection closes.
func hold(t *testing.T, s *reactortest.Server, headers ...string) net.Conn {
	t.Helper()
	c := s.Dial()
	req := "GET /big.bin HTTP/1.1\r\nHost: test\r\n"
	for _, h := range headers {
		req += h + "\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 200 ") {
		t.Fatalf("holding request: %q, %v", line, err)
	}
	return c
}

// TestLimit: a client with max-conns-per-ip requests in progress gets 403
// for one more, logged; the count is the server's, not an event loop's
// (the test server runs two loops and hands connections to them in turn,
// so the holding connections and the one turned away are on both).
func TestLimit(t *testing.T) {
	for _, max := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			s := start(t, fmt.Sprintf("evasive.max-conns-per-ip = %d\n", max))
			for i := 0; i < max; i++ {
				hold(t, s)
			}
			for i := 0; i < 2; i++ {
				if r := s.Get("/f.txt"); r.Status != 403 {
					t.Fatalf("with %d in progress: %d, want 403", max, r.Status)
				}
			}
			if got := strings.Count(s.Log(), "127.0.0.1 turned away. Too many connections."); got != 2 {
				t.Errorf("log has %d lines turning the client away, want 2:\n%s", got, s.Log())
			}
		})
	}
}

// TestReleased: once a request ends, even by its client going away, there
// is room again.
func TestReleased(t *testing.T) {
	s := start(t, "evasive.max-conns-per-ip = 1\n")
	c := hold(t, s)
	if r := s.Get("/f.txt"); r.Status != 403 {
		t.Fatalf("while held: %d, want 403", r.Status)
	}
	c.Close()
	reactortest.WaitFor(t, 10*time.Second, "the held request to end", func() bool { return s.Get("/f.txt").Status == 200 })
}

// TestKeepAliveIdleNotCounted: a connection between requests does not
// count, and one client's many requests in turn on one connection never
// reach the limit. (A request stops counting just after its response is
// written, so another loop may still see it counted for a moment.)
func TestKeepAliveIdleNotCounted(t *testing.T) {
	s := start(t, "evasive.max-conns-per-ip = 1\n")
	idle := s.Dial()
	br := bufio.NewReader(idle)
	for i := 0; i < 3; i++ {
		io.WriteString(idle, "GET /f.txt HTTP/1.1\r\nHost: test\r\n\r\n")
		if r := reactortest.ReadResponse(t, br, false); r.Status != 200 {
			t.Fatalf("request %d on one connection: %d", i+1, r.Status)
		}
	}
	reactortest.WaitFor(t, 5*time.Second, "a request next to an idle connection to be served",
		func() bool { return s.Get("/f.txt").Status == 200 })
}

// TestSilentAndLocation: evasive.silent turns clients away without a log
// line; evasive.location redirects them instead of 403.
func TestSilentAndLocation(t *testing.T) {
	s := start(t, "evasive.max-conns-per-ip = 1\nevasive.silent = \"enable\"\nevasive.location = \"https://busy.example/\"\n")
	hold(t, s)
	r := s.Get("/f.txt")
	if r.Status != 302 || r.Header("Location") != "https://busy.example/" || len(r.Body) != 0 {
		t.Errorf("over the limit: %d, Location %q, body %q; want 302 to https://busy.example/", r.Status, r.Header("Location"), r.Body)
	}
	if strings.Contains(s.Log(), "turned away") {
		t.Errorf("silent, but logged:\n%s", s.Log())
	}
}

// TestExemptAndOthers: a block setting the limit to 0 exempts what it
// matches; other clients are not affected by one client's count.
func TestExemptAndOthers(t *testing.T) {
	s := start(t, `extforward.forwarder = ( "127.0.0.1" => "trust" )`+"\n"+
		"evasive.max-conns-per-ip = 1\n"+
		`$HTTP["url"] =^ "/free/" {`+"\n"+`  evasive.max-conns-per-ip = 0`+"\n}\n"+
		`$HTTP["remoteip"] == "198.51.100.0/24" {`+"\n"+`  evasive.max-conns-per-ip = 2`+"\n}\n")
	hold(t, s, "X-Forwarded-For: 192.0.2.1")
	for _, tc := range []struct {
		target, xff string
		status      int
	}{
		{"/f.txt", "192.0.2.1", 403},    // the forwarded client is the one counted
		{"/free/x", "192.0.2.1", 404},   // exempt: answered as usual
		{"/f.txt", "192.0.2.2", 200},    // another client
		{"/f.txt", "", 200},             // the proxy itself
		{"/f.txt", "198.51.100.1", 200}, // a client with a higher limit
	} {
		var h []string
		if tc.xff != "" {
			h = append(h, "X-Forwarded-For: "+tc.xff)
		}
		if r := s.Get(tc.target, h...); r.Status != tc.status {
			t.Errorf("%s from %q: %d, want %d", tc.target, tc.xff, r.Status, tc.status)
		}
	}
	hold(t, s, "X-Forwarded-For: 198.51.100.1")
	hold(t, s, "X-Forwarded-For: 198.51.100.1")
	if r := s.Get("/f.txt", "X-Forwarded-For: 198.51.100.1"); r.Status != 403 {
		t.Errorf("third request of a client allowed two: %d, want 403", r.Status)
	}
}

// TestConfig: the options are lighttpd's types; a bad value stops
// featherd at the setting.
func TestConfig(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`evasive.max-conns-per-ip = "many"`, `test.conf:3:1: evasive.max-conns-per-ip: expected an integer 0 ... 65535`},
		{`evasive.max-conns-per-ip = "-1"`, `test.conf:3:1: evasive.max-conns-per-ip: expected an integer 0 ... 65535`},
		{`evasive.silent = "maybe"`, `test.conf:3:1: evasive.silent: expected "enable" or "disable"`},
		{`evasive.location = ( "/busy" )`, `test.conf:3:1: evasive.location: expected a string`},
	} {
		_, err := config.Parse("test.conf", "server.document-root = \"/srv/www\"\nserver.modules = ( \"mod_evasive\" )\n"+tc.src+"\n", "",
			config.LoadOptions{Sandbox: true, Dir: "/", DefaultTag: "featherd-test"})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s:\n%v\nwant one starting with:\n%s", tc.src, err, tc.want)
		}
	}
}

package reactor_test

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lookTool returns the path of an external client or skips the test.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not found in PATH: %v", name, err)
	}
	return p
}

// TestCurl: curl, a strict real-world client, fetches a file and a range.
func TestCurl(t *testing.T) {
	curl := lookTool(t, "curl")
	ts := startServer(t, serverOpts{files: map[string]string{"f.txt": "hello world\n", "dir/index.html": "x"}})
	url := "http://" + ts.addr
	cases := []struct {
		name string
		args []string
		code string
	}{
		{"file", []string{url + "/f.txt"}, "200"},
		{"range", []string{"-r", "0-4", url + "/f.txt"}, "206"},
		{"HEAD", []string{"-I", url + "/f.txt"}, "200"},
		{"missing", []string{url + "/nope"}, "404"},
		{"directory", []string{url + "/dir"}, "301"},
		{"HTTP/1.0", []string{"-0", url + "/f.txt"}, "200"},
		// curl pairs each -o with the next URL.
		{"two URLs on one connection", []string{url + "/f.txt", "-o", "/dev/null", url + "/f.txt"}, "200200"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			args := append([]string{"-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5"}, tc.args...)
			out, err := exec.CommandContext(ctx, curl, args...).Output()
			if err != nil {
				t.Fatalf("curl %v: %v (%s)", args, err, out)
			}
			if string(out) != tc.code {
				t.Fatalf("curl %v: %s, want %s", args, out, tc.code)
			}
		})
	}
	t.Run("range body", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, curl, "-s", "--max-time", "5", "-r", "6-10", url+"/f.txt").Output()
		if err != nil || string(out) != "world" {
			t.Fatalf("curl -r 6-10: %q %v", out, err)
		}
	})
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkSockErr  = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// TestWrk: a second of load from wrk with 8 keep-alive connections must
// produce only 2xx answers and no socket errors. server.max-keep-alive-
// requests is lowered so that wrk also meets the server's Connection:
// close and reconnects.
func TestWrk(t *testing.T) {
	wrk := lookTool(t, "wrk")
	for _, conf := range []string{"", "server.max-keep-alive-requests = 50"} {
		name := "default"
		if conf != "" {
			name = "keep-alive limit"
		}
		t.Run(name, func(t *testing.T) {
			ts := startServer(t, serverOpts{conf: conf, files: map[string]string{"f.txt": strings.Repeat("w", 4096)}})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, wrk, "-t1", "-c8", "-d1s", "--timeout", "2s", "http://"+ts.addr+"/f.txt").CombinedOutput()
			if err != nil {
				t.Fatalf("wrk: %v\n%s", err, out)
			}
			text := string(out)
			m := wrkRequests.FindStringSubmatch(text)
			if m == nil {
				t.Fatalf("cannot parse wrk output:\n%s", text)
			}
			if n, _ := strconv.Atoi(m[1]); n == 0 {
				t.Fatalf("wrk made no requests:\n%s", text)
			}
			if m := wrkNon2xx.FindStringSubmatch(text); m != nil && m[1] != "0" {
				t.Errorf("%s non-2xx/3xx responses:\n%s", m[1], text)
			}
			if m := wrkSockErr.FindStringSubmatch(text); m != nil {
				t.Errorf("socket errors (connect %s, read %s, write %s, timeout %s):\n%s", m[1], m[2], m[3], m[4], text)
			}
			t.Logf("%s", strings.TrimSpace(text))
			if l := ts.logText(); l != "" {
				t.Errorf("server logged: %s", l)
			}
		})
	}
}

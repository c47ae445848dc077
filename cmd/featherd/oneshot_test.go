package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	nethttp "net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startOneShotFIFO runs featherd -1 as netcat would (mkfifo f; nc -l 80
// <f | featherd -1 >f): requests go in on a pipe for stdin, responses
// come out of a pipe on stdout. env is the whole NCAT_* environment it
// gets. The test writes requests to in and reads the responses from out.
func startOneShotFIFO(t *testing.T, conf string, env ...string) (p *featherdProc, in, out *os.File) {
	t.Helper()
	stdin, in, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	out, stdout, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p = featherdProcessWith(t, func(cmd *exec.Cmd) {
		cmd.Stdin, cmd.Stdout = stdin, stdout
		cmd.Env = append(withoutNcat(cmd.Env), env...)
	}, "-1", "-f", conf)
	// Only featherd may hold these ends: out reads EOF once it closes stdout.
	stdin.Close()
	stdout.Close()
	t.Cleanup(func() { in.Close(); out.Close() })
	return p, in, out
}

// withoutNcat is env without the variables ncat passes, so that the
// test's own environment cannot change the addresses featherd uses.
func withoutNcat(env []string) []string {
	var kept []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "NCAT_") {
			kept = append(kept, kv)
		}
	}
	return kept
}

// readAllOut reads what featherd wrote to stdout until it closed it.
func readAllOut(t *testing.T, p *featherdProc, out *os.File) []byte {
	t.Helper()
	out.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(out)
	if err != nil {
		t.Fatalf("reading stdout: %v (got %d bytes)\nstderr:\n%s", err, len(b), p.stderr)
	}
	return b
}

// exitedZero fails the test unless featherd exits with status 0 soon.
func exitedZero(t *testing.T, p *featherdProc) {
	t.Helper()
	if !p.exited(5*time.Second) || !p.cmd.ProcessState.Success() {
		t.Fatalf("featherd -1 did not exit 0 (%v)\nstderr:\n%s", p.cmd.ProcessState, p.stderr)
	}
	// As lighttpd, one-shot mode logs no start or stop.
	if log := p.stderr.String(); strings.Contains(log, "server stopped") || strings.Contains(log, "shutdown started") {
		t.Errorf("featherd -1 logged its stop:\n%s", log)
	}
}

// TestOneShotFIFO serves two pipelined requests arriving on a FIFO
// pair: both responses come out on stdout complete and byte for byte,
// stdout is closed after them, and featherd exits 0.
func TestOneShotFIFO(t *testing.T) {
	root := t.TempDir()
	big := make([]byte, 300<<10) // more than a socket buffer holds
	for i := range big {
		big[i] = byte(i*7 + i>>10)
	}
	writeFile(t, root, "big.bin", string(big))
	writeFile(t, root, "small.txt", "through a FIFO pair\n")
	conf := writeFile(t, t.TempDir(), "f.conf", fmt.Sprintf("server.document-root = %q\n", root))

	p, in, out := startOneShotFIFO(t, conf)
	io.WriteString(in, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /small.txt HTTP/1.1\r\nHost: t\r\n\r\n")
	in.Close() // the client is done sending, as netcat's EOF on its socket

	br := bufio.NewReader(bytes.NewReader(readAllOut(t, p, out)))
	for _, want := range []string{string(big), "through a FIFO pair\n"} {
		resp, err := nethttp.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response: %v\nstderr:\n%s", err, p.stderr)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 || string(body) != want {
			t.Fatalf("%s: %d bytes, %v; want 200 with %d bytes", resp.Status, len(body), err, len(want))
		}
	}
	if rest, _ := io.ReadAll(br); len(rest) > 0 {
		t.Fatalf("%d bytes after the responses: %q", len(rest), rest)
	}
	exitedZero(t, p)
}

// TestOneShotNcatAddresses checks the addresses a request on a FIFO pair
// has: ncat's NCAT_* variables when set, else lighttpd's 127.0.0.1:80 and
// 127.0.0.1:48080. The remote one is $HTTP["remoteip"]; the local one
// picks $SERVER["socket"] (a wildcard socket on the same port here).
func TestOneShotNcatAddresses(t *testing.T) {
	root80, root8080 := t.TempDir(), t.TempDir()
	writeFile(t, root80, "which.txt", "socket 80")
	writeFile(t, root8080, "which.txt", "socket 8080")
	conf := writeFile(t, t.TempDir(), "n.conf", fmt.Sprintf(`server.document-root = %q
$SERVER["socket"] == "0.0.0.0:8080" { server.document-root = %q }
$HTTP["remoteip"] == "10.1.2.3" { server.tag = "from-ncat" }
$HTTP["remoteip"] == "127.0.0.1" { server.tag = "made-up" }
`, root80, root8080))

	tests := []struct {
		name         string
		env          []string
		server, body string
	}{
		{"ncat", []string{"NCAT_LOCAL_ADDR=10.9.8.7", "NCAT_LOCAL_PORT=8080", "NCAT_REMOTE_ADDR=10.1.2.3", "NCAT_REMOTE_PORT=40000"}, "from-ncat", "socket 8080"},
		{"made up", nil, "made-up", "socket 80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, in, out := startOneShotFIFO(t, conf, tt.env...)
			io.WriteString(in, "GET /which.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
			resp, err := nethttp.ReadResponse(bufio.NewReader(bytes.NewReader(readAllOut(t, p, out))), nil)
			if err != nil {
				t.Fatalf("response: %v\nstderr:\n%s", err, p.stderr)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || resp.Header.Get("Server") != tt.server || string(body) != tt.body {
				t.Fatalf("%s, Server %q, body %q; want Server %q, body %q", resp.Status, resp.Header.Get("Server"), body, tt.server, tt.body)
			}
			exitedZero(t, p)
		})
	}

	t.Run("not an address", func(t *testing.T) {
		p, _, _ := startOneShotFIFO(t, conf, "NCAT_REMOTE_ADDR=localhost", "NCAT_REMOTE_PORT=")
		if !p.exited(5*time.Second) || p.cmd.ProcessState.ExitCode() != 1 ||
			!strings.Contains(p.stderr.String(), `NCAT_REMOTE_ADDR="localhost" is not an IP address`) {
			t.Fatalf("exit %v\nstderr:\n%s", p.cmd.ProcessState, p.stderr)
		}
	})
}

// TestOneShotGracefulTimeout checks that one-shot mode is a graceful
// shutdown armed from the start: keep-alive goes on until
// server.graceful-shutdown-timeout expires (well before the keep-alive
// idle timeout here), then the connection is ended and featherd exits 0.
func TestOneShotGracefulTimeout(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "index.html", "kept alive")
	conf := writeFile(t, t.TempDir(), "g.conf", fmt.Sprintf(`server.document-root = %q
server.max-keep-alive-idle = 30
server.feature-flags = ( "server.graceful-shutdown-timeout" => 1 )
`, root))
	start := time.Now()
	p, c := oneShotProcess(t, conf)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))

	br := bufio.NewReader(c)
	for i := range 2 {
		io.WriteString(c, "GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n")
		resp, err := nethttp.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v\nstderr:\n%s", i+1, err, p.stderr)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "kept alive" || resp.Close {
			t.Fatalf("request %d: %s, body %q, close %v; want 200 and keep-alive", i+1, resp.Status, body, resp.Close)
		}
	}
	if n, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("read %q, %v; want EOF once the graceful-shutdown timeout expired\nstderr:\n%s", n, err, p.stderr)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("the connection ended after %v, before server.graceful-shutdown-timeout", d)
	}
	exitedZero(t, p)
}

// TestOneShotSIGINTStopsAtOnce: one-shot mode is a graceful shutdown
// from the start, so SIGINT ends the connection at once, as a second
// SIGINT does elsewhere, instead of waiting for a drain.
func TestOneShotSIGINTStopsAtOnce(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "index.html", "interrupted")
	conf := writeFile(t, t.TempDir(), "i.conf", fmt.Sprintf(`server.document-root = %q
server.max-keep-alive-idle = 30
`, root))
	p, c := oneShotProcess(t, conf)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n")
	resp, err := nethttp.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, p.stderr)
	}
	io.Copy(io.Discard, resp.Body)
	p.cmd.Process.Signal(syscall.SIGINT)
	if n, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("read %q, %v; want EOF after SIGINT\nstderr:\n%s", n, err, p.stderr)
	}
	exitedZero(t, p)
}

// TestOneShotRefusesConfigOnStdin: with -1, stdin is the connection, so
// -f - is refused at once, without reading stdin.
func TestOneShotRefusesConfigOnStdin(t *testing.T) {
	stdin, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close() // held open: a featherd reading its configuration from stdin would hang
	var stdout syncBuffer
	p := featherdProcessWith(t, func(cmd *exec.Cmd) { cmd.Stdin, cmd.Stdout = stdin, &stdout }, "-1", "-f", "-")
	stdin.Close()
	if !p.exited(5 * time.Second) {
		t.Fatal("featherd -1 -f - did not exit")
	}
	if code := p.cmd.ProcessState.ExitCode(); code == 0 || stdout.String() != "" ||
		!strings.Contains(p.stderr.String(), "-1 cannot be combined with -f -") {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout.String(), p.stderr)
	}
}

package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testServer accepts on loopback and runs handle for each connection. Its
// cleanup closes the listener and every connection and waits for the
// handlers, so a test leaks nothing.
type testServer struct {
	url   string
	conns atomic.Int64
}

func serve(t *testing.T, handle func(c net.Conn, r *bufio.Reader)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{url: "http://" + ln.Addr().String() + "/x"}
	var (
		mu   sync.Mutex
		open = map[net.Conn]bool{}
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			mu.Lock()
			open[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					c.Close()
					mu.Lock()
					delete(open, c)
					mu.Unlock()
				}()
				handle(c, bufio.NewReader(c))
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return s
}

// readRequest reads one request head; false at EOF or error.
func readRequest(r *bufio.Reader) bool {
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return false
		}
		if l == "\r\n" {
			return true
		}
	}
}

// answer replies to each request with resp (raw bytes) until the client
// goes away.
func answer(resp string) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, r *bufio.Reader) {
		for readRequest(r) {
			if _, err := c.Write([]byte(resp)); err != nil {
				return
			}
		}
	}
}

const okResp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

func run(t *testing.T, cfg Config) *Result {
	t.Helper()
	if cfg.Duration == 0 {
		cfg.Duration = 150 * time.Millisecond
	}
	if cfg.Conns == 0 {
		cfg.Conns = 4
	}
	res, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	res.WriteSummary(&sb)
	t.Log("\n" + sb.String())
	return res
}

func TestLoadCountsErrorsByKind(t *testing.T) {
	tests := []struct {
		name    string
		handle  func(net.Conn, *bufio.Reader)
		cfg     Config
		kind    ErrKind // -1: no error of any kind
		status  int     // a status the run must have seen, 0 for none
		noReqOK bool    // no complete response is expected
	}{
		{name: "content-length", handle: answer(okResp), kind: -1, status: 200},
		{name: "chunked", handle: answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: y\r\n\r\n"), kind: -1, status: 200},
		{name: "redirect and no-content", handle: func(c net.Conn, r *bufio.Reader) {
			for i := 0; readRequest(r); i++ {
				resp := "HTTP/1.1 301 Moved\r\nContent-Length: 0\r\n\r\n"
				if i%2 == 1 {
					resp = "HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n"
				}
				if _, err := c.Write([]byte(resp)); err != nil {
					return
				}
			}
		}, kind: -1, status: 204},
		{name: "HEAD has no body", handle: answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"), cfg: Config{Method: "HEAD"}, kind: -1, status: 200},
		{name: "interim 100", handle: answer("HTTP/1.1 100 Continue\r\n\r\n" + okResp), kind: -1, status: 200},
		{name: "close-delimited body", handle: func(c net.Conn, r *bufio.Reader) {
			if readRequest(r) {
				c.Write([]byte("HTTP/1.0 200 OK\r\n\r\nbody until close"))
			}
		}, kind: -1, status: 200},
		{name: "500", handle: answer("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"), kind: ErrStatus, status: 500},
		{name: "short body", handle: func(c net.Conn, r *bufio.Reader) {
			if readRequest(r) {
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"))
			}
		}, kind: ErrBody, noReqOK: true},
		{name: "content-length too short", handle: answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhello"), kind: ErrBody, status: 200},
		{name: "bad chunk", handle: answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"), kind: ErrBody, noReqOK: true},
		{name: "bad status line", handle: answer("HTTX/1.1 200 OK\r\n\r\n"), kind: ErrBody, noReqOK: true},
		{name: "reset", handle: func(c net.Conn, r *bufio.Reader) {
			if readRequest(r) {
				c.(*net.TCPConn).SetLinger(0)
			}
		}, kind: ErrReset, noReqOK: true},
		{name: "closed without answer", handle: func(c net.Conn, r *bufio.Reader) { readRequest(r) }, kind: ErrRead, noReqOK: true},
		{name: "slower than timeout", handle: func(c net.Conn, r *bufio.Reader) {
			if readRequest(r) {
				time.Sleep(time.Second) // far past the timeout, however loaded the machine
				c.Write([]byte(okResp))
			}
		}, cfg: Config{Timeout: 50 * time.Millisecond, Duration: 400 * time.Millisecond}, kind: ErrTimeout, noReqOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, tt.handle)
			tt.cfg.URL = s.url
			res := run(t, tt.cfg)
			for k, n := range res.Errors {
				if ErrKind(k) == tt.kind && n == 0 {
					t.Errorf("no %s error counted", tt.kind)
				}
				if ErrKind(k) != tt.kind && n != 0 {
					t.Errorf("%d %s errors, want none", n, ErrKind(k))
				}
			}
			if tt.status != 0 && res.Status[tt.status] == 0 {
				t.Errorf("no %d response counted: %v", tt.status, res.Status)
			}
			if tt.noReqOK != (res.Requests == 0) {
				t.Errorf("%d requests complete, want any: %v", res.Requests, !tt.noReqOK)
			}
		})
	}
}

func TestLoadConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	ln.Close()
	res := run(t, Config{URL: url, Duration: 100 * time.Millisecond})
	if res.Errors[ErrConnect] == 0 || res.ErrorsTotal() != res.Errors[ErrConnect] || res.Requests != 0 {
		t.Errorf("errors %v, requests %d; want connect errors only", res.Errors, res.Requests)
	}
}

// The server answers nothing until it holds four requests, so only a
// client that writes them ahead gets any response.
func TestLoadPipelines(t *testing.T) {
	s := serve(t, func(c net.Conn, r *bufio.Reader) {
		for {
			for range 4 {
				if !readRequest(r) {
					return
				}
			}
			if _, err := c.Write([]byte(strings.Repeat(okResp, 4))); err != nil {
				return
			}
		}
	})
	res := run(t, Config{URL: s.url, Pipeline: 4, Timeout: 2 * time.Second})
	if res.Requests == 0 || res.ErrorsTotal() != 0 {
		t.Errorf("%d requests, errors %v; want responses and no errors", res.Requests, res.Errors)
	}
	res = run(t, Config{URL: s.url, Pipeline: 1, Timeout: 50 * time.Millisecond, Duration: 400 * time.Millisecond})
	if res.Requests != 0 || res.Errors[ErrTimeout] == 0 {
		t.Errorf("without pipelining: %d requests, errors %v; want only timeouts", res.Requests, res.Errors)
	}
}

func TestLoadCloseOpensConnectionPerRequest(t *testing.T) {
	var sawClose atomic.Bool
	s := serve(t, func(c net.Conn, r *bufio.Reader) {
		l, _ := r.ReadString('\n')
		for l != "\r\n" && l != "" {
			if strings.EqualFold(l, "Connection: close\r\n") {
				sawClose.Store(true)
			}
			l, _ = r.ReadString('\n')
		}
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"))
	})
	res := run(t, Config{URL: s.url, Close: true, Conns: 2, Threads: 2})
	if res.Requests == 0 || res.ErrorsTotal() != 0 || !sawClose.Load() {
		t.Fatalf("%d requests, errors %v, Connection: close sent %v", res.Requests, res.Errors, sawClose.Load())
	}
	if c := s.conns.Load(); c < res.Requests {
		t.Errorf("%d connections for %d requests; want one each", c, res.Requests)
	}
}

func TestLoadSendsMethodAndHeaders(t *testing.T) {
	got := make(chan string, 1)
	s := serve(t, func(c net.Conn, r *bufio.Reader) {
		var head strings.Builder
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(l)
			if l == "\r\n" {
				break
			}
		}
		select {
		case got <- head.String():
		default:
		}
		answer(okResp)(c, r)
	})
	run(t, Config{URL: s.url + "?q=1", Conns: 1, Method: "POST", Headers: []string{"X-A: 1", "X-B: 2"}, Duration: 300 * time.Millisecond})
	host := strings.TrimPrefix(strings.TrimSuffix(s.url, "/x"), "http://")
	want := "POST /x?q=1 HTTP/1.1\r\nHost: " + host + "\r\nX-A: 1\r\nX-B: 2\r\n\r\n"
	if h := <-got; h != want {
		t.Errorf("request head %q, want %q", h, want)
	}
}

// A server that answers after a known delay puts every percentile just
// above that delay.
func TestLoadLatencyPercentiles(t *testing.T) {
	const delay = 20 * time.Millisecond
	s := serve(t, func(c net.Conn, r *bufio.Reader) {
		for readRequest(r) {
			time.Sleep(delay)
			if _, err := c.Write([]byte(okResp)); err != nil {
				return
			}
		}
	})
	res := run(t, Config{URL: s.url, Conns: 2, Duration: 500 * time.Millisecond})
	if res.Requests < 10 {
		t.Fatalf("%d requests", res.Requests)
	}
	// The upper bound only catches gross errors (a unit off by 1000): the
	// machine is shared and the suite runs packages side by side.
	lo, hi := delay.Microseconds(), (25 * delay).Microseconds()
	for _, p := range []float64{50, 90} {
		if v := res.Latency.ValueAtQuantile(p); v < lo || v > hi {
			t.Errorf("p%v = %dus, want within [%d, %d]", p, v, lo, hi)
		}
	}
	if m := res.Latency.Min(); m < lo {
		t.Errorf("min %dus below the server's delay %dus", m, lo)
	}
}

func TestLoadJSONReport(t *testing.T) {
	s := serve(t, answer(okResp))
	res := run(t, Config{URL: s.url, Conns: 2})
	name := filepath.Join(t.TempDir(), "r.json")
	if err := res.WriteJSON(name); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Requests int64            `json:"requests"`
		RPS      float64          `json:"rps"`
		Bytes    int64            `json:"bytes"`
		Errors   map[string]int64 `json:"errors"`
		Status   map[string]int64 `json:"status"`
		Latency  map[string]int64 `json:"latency_us"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	if got.Requests != res.Requests || got.Requests == 0 || got.RPS <= 0 || got.Bytes != res.Bytes || got.Status["200"] != res.Requests {
		t.Errorf("report %s does not match the run (%d requests, %d bytes)", b, res.Requests, res.Bytes)
	}
	for _, k := range []string{"total", "connect", "read", "write", "timeout", "reset", "status", "body"} {
		if n, ok := got.Errors[k]; !ok || n != 0 {
			t.Errorf("errors[%q] = %d, %v; want 0", k, n, ok)
		}
	}
	for _, k := range []string{"p50", "p90", "p99", "p999", "p9999", "max"} {
		if got.Latency[k] <= 0 {
			t.Errorf("latency_us[%q] = %d", k, got.Latency[k])
		}
	}
	if fmt.Sprint(got.Latency["max"]) != fmt.Sprint(res.Latency.Max()) {
		t.Errorf("max %d, run's %d", got.Latency["max"], res.Latency.Max())
	}
}

// Run leaves no socket or epoll descriptor behind, whatever state its
// connections were in when the time ran out.
func TestLoadClosesItsDescriptors(t *testing.T) {
	s := serve(t, func(c net.Conn, r *bufio.Reader) {
		for i := 0; readRequest(r); i++ {
			if i%3 == 2 { // leave some requests unanswered at the end
				continue
			}
			if _, err := c.Write([]byte(okResp)); err != nil {
				return
			}
		}
	})
	countFDs := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip(err)
		}
		return len(ents)
	}
	before := countFDs()
	res := run(t, Config{URL: s.url, Conns: 8, Threads: 2, Pipeline: 3, Timeout: 2 * time.Second, Duration: 200 * time.Millisecond})
	if res.Requests == 0 {
		t.Fatal("no requests")
	}
	// The test server closes its side when it sees EOF, a little later.
	after := countFDs()
	for deadline := time.Now().Add(2 * time.Second); after != before && time.Now().Before(deadline); after = countFDs() {
		time.Sleep(5 * time.Millisecond)
	}
	if after != before {
		t.Errorf("%d descriptors open after the run, %d before", after, before)
	}
}

// A server that closes every connection as soon as it accepts it must
// show up as errors, not as a silent reconnect loop.
func TestLoadCountsServerClosingAtAccept(t *testing.T) {
	s := serve(t, func(net.Conn, *bufio.Reader) {})
	res := run(t, Config{URL: s.url})
	other := res.ErrorsTotal() - res.Errors[ErrRead] - res.Errors[ErrReset]
	if res.Requests != 0 || res.Errors[ErrRead]+res.Errors[ErrReset] == 0 || other != 0 {
		t.Errorf("%d requests, errors %v; want only read or reset errors", res.Requests, res.Errors)
	}
}

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// serveOK answers every request with a 5-byte 200 until the test ends.
func serveOK(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				r := bufio.NewReader(c)
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if l == "\r\n" {
						c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String() + "/"
}

func TestLoadPrintsSummaryAndWritesJSON(t *testing.T) {
	url := serveOK(t)
	name := filepath.Join(t.TempDir(), "out.json")
	var stdout, stderr bytes.Buffer
	code := run([]string{"load", "-c", "4", "-t", "2", "-d", "200ms", "-pipeline", "2", "-H", "X-Test: 1", "-json", name, url}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	for _, want := range []string{"Requests/sec:", "Latency (us): 50%", "Status: 200=", "Errors: 0"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Requests int64            `json:"requests"`
		Errors   map[string]int64 `json:"errors"`
		Status   map[string]int64 `json:"status"`
		Latency  map[string]int64 `json:"latency_us"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Requests == 0 || rep.Status["200"] != rep.Requests || rep.Errors["total"] != 0 || rep.Latency["p99"] <= 0 {
		t.Errorf("report: %s", b)
	}
}

func TestLoadRejectsBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nosuch"},
		{"load"},
		{"load", "-c", "0", "http://127.0.0.1:1/"},
		{"load", "-bogus", "http://127.0.0.1:1/"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"load", "-d", "10ms", "https://127.0.0.1:1/"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "only http://") {
		t.Errorf("https: exit %d, stderr %q", code, stderr.String())
	}
}

package bench

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config is one load run. The zero value is not usable: Run needs URL
// and fills the other zero fields with the defaults of featherd-bench load.
type Config struct {
	URL      string        // http://host[:port]/path; https is not supported
	Conns    int           // connections kept open (default 10)
	Threads  int           // goroutines, each with its own epoll (default 1, at most Conns)
	Duration time.Duration // how long requests are sent (default 10s)
	Pipeline int           // requests written ahead on each connection (default 1)
	Close    bool          // send Connection: close and open a connection per request
	Headers  []string      // extra "Name: value" lines
	Method   string        // default GET
	Timeout  time.Duration // a response later than this counts as a timeout (default 2s)
}

// target is a Config resolved once, before the run, so the workers only
// copy bytes.
type target struct {
	addr    *net.TCPAddr
	request []byte // one request, written Pipeline times ahead
	head    bool   // HEAD responses carry no body whatever their framing says
}

func (c *Config) setDefaults() {
	if c.Conns <= 0 {
		c.Conns = 10
	}
	if c.Threads <= 0 {
		c.Threads = 1
	}
	if c.Threads > c.Conns {
		c.Threads = c.Conns
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Pipeline <= 0 || c.Close {
		c.Pipeline = 1
	}
	if c.Method == "" {
		c.Method = "GET"
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
}

func (c *Config) target() (*target, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("%s: only http:// URLs are supported", c.URL)
	}
	hostport := u.Host
	if u.Port() == "" {
		hostport = net.JoinHostPort(u.Hostname(), "80")
	}
	addr, err := net.ResolveTCPAddr("tcp", hostport)
	if err != nil {
		return nil, err
	}
	path := u.RequestURI()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", c.Method, path, u.Host)
	for _, h := range c.Headers {
		if !strings.Contains(h, ":") || strings.ContainsAny(h, "\r\n") {
			return nil, fmt.Errorf("header %q: want \"Name: value\"", h)
		}
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	if c.Close {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	if strings.ContainsAny(c.Method, " \r\n") {
		return nil, errors.New("method: must be one token")
	}
	return &target{addr: addr, request: []byte(b.String()), head: c.Method == "HEAD"}, nil
}

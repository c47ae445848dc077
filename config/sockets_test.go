package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSocket(t *testing.T) {
	tests := []struct {
		addr    string
		port    int
		ipv6    bool
		token   string
		network string
		err     string
	}{
		{addr: "", port: 80, token: "0.0.0.0:80", network: "tcp4"},
		{addr: "", port: 80, ipv6: true, token: "[::]:80", network: "tcp6"},
		{addr: ":80", port: 8080, token: "0.0.0.0:80", network: "tcp4"},
		{addr: ":80", port: 8080, ipv6: true, token: "[::]:80", network: "tcp6"},
		{addr: "0.0.0.0:80", port: 8080, token: "0.0.0.0:80", network: "tcp4"},
		{addr: "0.0.0.0", port: 8080, token: "0.0.0.0:8080", network: "tcp4"},
		{addr: "127.0.0.1", port: 80, token: "127.0.0.1:80", network: "tcp4"},
		{addr: "127.0.0.1", port: 80, ipv6: true, token: "127.0.0.1:80", network: "tcp4"},
		{addr: "127.0.0.1:8080", port: 80, token: "127.0.0.1:8080", network: "tcp4"},
		{addr: "[::]:80", port: 8080, token: "[::]:80", network: "tcp6"},
		{addr: "[]:80", port: 8080, token: "[::]:80", network: "tcp6"},
		{addr: "[::1]", port: 80, token: "[::1]:80", network: "tcp6"},
		{addr: "[::1]:8443", port: 80, token: "[::1]:8443", network: "tcp6"},
		{addr: "[0:0::1]:8443", port: 80, token: "[::1]:8443", network: "tcp6"},
		{addr: "[2001:DB8::1]:80", port: 80, token: "[2001:db8::1]:80", network: "tcp6"},
		{addr: "[::ffff:127.0.0.1]:80", port: 80, token: "[::ffff:127.0.0.1]:80", network: "tcp6"},
		{addr: "::1", port: 80, token: "[::1]:80", network: "tcp6"},
		{addr: "localhost:8080", port: 80, token: "localhost:8080", network: "tcp"},
		{addr: "LocalHost", port: 8080, token: "localhost:8080", network: "tcp"},
		{addr: "www.example.com:80", port: 8080, token: "www.example.com:80", network: "tcp"},
		{addr: "/run/x.sock", port: 80, token: "/run/x.sock", network: "unix"},
		{addr: "/dev/stdin", port: 80, token: "/dev/stdin", network: "stdin"},
		{addr: ":65535", port: 80, token: "0.0.0.0:65535", network: "tcp4"},
		// network_host_parse_addr: "*" is the IPv4 wildcard.
		{addr: "*:8080", port: 80, token: "0.0.0.0:8080", network: "tcp4"},
		{addr: "*", port: 8080, ipv6: true, token: "0.0.0.0:8080", network: "tcp4"},

		{addr: ":99999", port: 80, err: `invalid socket address ":99999": port not set or out of range`},
		{addr: ":65536", port: 80, err: `invalid socket address ":65536": port not set or out of range`},
		{addr: ":abc", port: 80, err: `invalid socket address ":abc": port not set or out of range`},
		{addr: ":+80", port: 80, err: `invalid socket address ":+80": port not set or out of range`},
		{addr: ":-1", port: 80, err: `invalid socket address ":-1": port not set or out of range`},
		{addr: "[::1]:x", port: 80, err: `invalid socket address "[::1]:x": port not set or out of range`},
		// network_host_parse_addr: "port not set or out of range" for an
		// explicit port of 0, including an empty one after the colon.
		{addr: ":0", port: 80, err: `invalid socket address ":0": port not set or out of range`},
		{addr: "127.0.0.1:", port: 80, err: `invalid socket address "127.0.0.1:": port not set or out of range`},
		{addr: "[::1", port: 80, err: `invalid socket address "[::1": missing ']'`},
		{addr: "[::1]x", port: 80, err: `invalid socket address "[::1]x"`},
		{addr: "exa mple:80", port: 80, err: `invalid host in socket address "exa mple:80"`},
		{addr: "ex/ample", port: 80, err: `invalid host in socket address "ex/ample"`},
		{addr: "[not-an-ip]:80", port: 80, err: `invalid socket address "[not-an-ip]:80": brackets hold an IPv6 address`},
		{addr: "[fe80::1%eth0]:80", port: 80, err: `invalid socket address "[fe80::1%eth0]:80": zones are not supported`},
		{addr: "fe80::1%eth0", port: 80, err: `invalid socket address "fe80::1%eth0": zones are not supported`},
		{addr: strings.Repeat("a", 254), port: 80, err: `invalid host in socket address "` + strings.Repeat("a", 254) + `"`},
	}
	for _, tt := range tests {
		name := tt.addr
		if tt.ipv6 {
			name += " use-ipv6"
		}
		t.Run(name, func(t *testing.T) {
			s, err := parseSocket(tt.addr, tt.port, tt.ipv6)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Errorf("error %v, want %s (socket %+v)", err, tt.err, s)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if s.Token != tt.token || s.Network != tt.network {
				t.Errorf("Token, Network = %q, %q; want %q, %q", s.Token, s.Network, tt.token, tt.network)
			}
			// net.Listen takes the token as it is.
			if s.Address != tt.token {
				t.Errorf("Address = %q, want %q", s.Address, tt.token)
			}
		})
	}
}

// sockParse loads a configuration for socket tests; src follows a global
// document root, so its first line is line 2.
func sockParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := optParse(optDocRoot+src, nil)
	if err != nil {
		t.Fatalf("Parse:\n%s\nerror: %v", src, err)
	}
	return c
}

// sockSummary is what a socket test compares: the address, where its
// options come from and the options that differ in the tests.
type sockSummary struct {
	Token   string
	Block   int
	Line    int
	Backlog int
	Defer   bool
	V6Only  bool
}

func sockSummaries(c *Config) []sockSummary {
	var out []sockSummary
	for _, s := range c.Sockets {
		out = append(out, sockSummary{s.Token, s.Block, s.Pos.Line, s.Options.ListenBacklog, s.Options.DeferAccept, s.Options.SetV6Only})
	}
	return out
}

func TestConfigSockets(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		env     map[string]string
		sockets []sockSummary
		warns   []string
	}{
		{
			name:    "default",
			src:     "",
			sockets: []sockSummary{{"0.0.0.0:80", 0, 0, 1024, false, true}},
		},
		{
			name:    "bind and port",
			src:     "server.bind = \"127.0.0.1\"\nserver.port = 8080\n",
			sockets: []sockSummary{{"127.0.0.1:8080", 0, 2, 1024, false, true}},
		},
		{
			name:    "port in bind wins",
			src:     "server.port = 8080\nserver.bind = \"127.0.0.1:9090\"\n",
			sockets: []sockSummary{{"127.0.0.1:9090", 0, 3, 1024, false, true}},
		},
		{
			name:    "unix bind",
			src:     "server.bind = \"/run/featherd.sock\"\nserver.port = 8080\n",
			sockets: []sockSummary{{"/run/featherd.sock", 0, 2, 1024, false, true}},
		},
		{
			name:    "ipv6 bind",
			src:     "server.use-ipv6 = \"enable\"\nserver.port = 8080\n",
			sockets: []sockSummary{{"[::]:8080", 0, 0, 1024, false, true}},
		},
		{
			name: "socket blocks inherit global socket options",
			src: `server.port = 8080
server.listen-backlog = 64
server.defer-accept = "enable"
$SERVER["socket"] == ":8443" {
    server.listen-backlog = 16
    server.set-v6only = "disable"
}
$SERVER["socket"] == "127.0.0.1" {
}
`,
			sockets: []sockSummary{
				{"0.0.0.0:8080", 0, 0, 64, true, true},
				{"0.0.0.0:8443", 1, 5, 16, true, false},
				{"127.0.0.1:8080", 2, 9, 64, true, true},
			},
		},
		{
			// The global scope is one block, wherever it is written.
			name: "global options written after the block",
			src: `$SERVER["socket"] == ":8443" {
}
global {
    server.listen-backlog = 32
}
`,
			sockets: []sockSummary{
				{"0.0.0.0:80", 0, 0, 32, false, true},
				{"0.0.0.0:8443", 1, 2, 32, false, true},
			},
		},
		{
			name: "duplicate conditions are one socket",
			src: `$SERVER["socket"] == ":8443" {
    server.listen-backlog = 16
}
$SERVER["socket"] == "0.0.0.0:8443" {
    server.listen-backlog = 8
}
`,
			sockets: []sockSummary{
				{"0.0.0.0:80", 0, 0, 1024, false, true},
				{"0.0.0.0:8443", 1, 2, 16, false, true},
			},
		},
		{
			// lighttpd's network_init: the $SERVER["socket"] block's
			// options apply to the global address it names.
			name: "block naming the global socket",
			src: `server.port = 8080
$SERVER["socket"] == ":8080" {
    server.listen-backlog = 16
}
`,
			sockets: []sockSummary{{"0.0.0.0:8080", 1, 3, 16, false, true}},
		},
		{
			name: "!= only compares",
			src: `$SERVER["socket"] != ":9000" {
    server.tag = "not-9000"
}
`,
			sockets: []sockSummary{{"0.0.0.0:80", 0, 0, 1024, false, true}},
		},
		{
			// config_insert_srvconf: a port of 0 is replaced like an
			// unset one.
			name:    "server.port = 0 is unset",
			src:     "server.port = 0\n",
			sockets: []sockSummary{{"0.0.0.0:80", 0, 0, 1024, false, true}},
		},
		{
			name:    "systemd activation without bind",
			src:     "server.systemd-socket-activation = \"enable\"\n",
			sockets: nil,
		},
		{
			name:    "systemd activation without bind, socket block",
			src:     "server.systemd-socket-activation = \"enable\"\n$SERVER[\"socket\"] == \":8080\" {\n}\n",
			sockets: []sockSummary{{"0.0.0.0:8080", 1, 3, 1024, false, true}},
		},
		{
			name:    "systemd activation with bind",
			src:     "server.systemd-socket-activation = \"enable\"\nserver.bind = \"127.0.0.1\"\n",
			sockets: []sockSummary{{"127.0.0.1:80", 0, 3, 1024, false, true}},
		},
		{
			name:    "stdin bind",
			src:     "server.bind = \"/dev/stdin\"\n",
			sockets: []sockSummary{{"/dev/stdin", 0, 2, 1024, false, true}},
		},
		{
			name:    "port from the environment",
			src:     "server.port = env.PORT\n$SERVER[\"socket\"] == \"127.0.0.1\" {\n}\n",
			env:     map[string]string{"PORT": "8081"},
			sockets: []sockSummary{{"0.0.0.0:8081", 0, 0, 1024, false, true}, {"127.0.0.1:8081", 1, 3, 1024, false, true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := optParse(optDocRoot+tt.src, tt.env)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := sockSummaries(c); !reflect.DeepEqual(got, tt.sockets) {
				t.Errorf("Sockets:\n%+v\nwant:\n%+v", got, tt.sockets)
			}
			checkWarnings(t, c, tt.warns)
		})
	}
}

func TestConfigSocketErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"bad block port", "$SERVER[\"socket\"] == \":99999\" {\n}\n",
			`test.conf:2:1: invalid socket address ":99999": port not set or out of range`},
		{"bad block host", "$SERVER[\"socket\"] == \"a b:80\" {\n}\n",
			`test.conf:2:1: invalid host in socket address "a b:80"`},
		{"bad != block", "$SERVER[\"socket\"] != \"[::1\" {\n}\n",
			`test.conf:2:1: invalid socket address "[::1": missing ']'`},
		{"stdin in a block", "$SERVER[\"socket\"] == \"/dev/stdin\" {\n}\n",
			`test.conf:2:1: /dev/stdin can only be used as server.bind`},
		{"bad bind", "server.bind = \"[::1\"\n",
			`test.conf:2:1: server.bind: invalid socket address "[::1": missing ']'`},
		{"ssl.engine in a socket block", "server.port = 8080\n$SERVER[\"socket\"] == \":8443\" {\n    ssl.engine = \"enable\"\n}\n",
			"test.conf:3:1: ssl.engine needs mod_openssl, which featherd does not have yet: " +
				"featherd speaks no TLS, and would not serve socket 0.0.0.0:8443 over https as lighttpd does; " +
				"to serve without it, disable ssl.engine for that socket (or terminate TLS in front of featherd)"},
		// config_insert_srvconf: an unset server.port is 443 when the
		// global scope enables ssl.engine.
		{"global ssl.engine, plain block", "ssl.engine = \"enable\"\n$SERVER[\"socket\"] == \"127.0.0.1\" {\n    ssl.engine = \"disable\"\n}\n",
			"test.conf:2:1: ssl.engine needs mod_openssl, which featherd does not have yet: " +
				"featherd speaks no TLS, and would not serve socket 0.0.0.0:443 over https as lighttpd does; " +
				"to serve without it, disable ssl.engine for that socket (or terminate TLS in front of featherd)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := optParse(optDocRoot+tt.src, nil)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error:\n%v\nwant:\n%s", err, tt.want)
			}
		})
	}
}

// TestSocketConditionNormalised: the reactor reports the listen socket's
// token, so a condition written in any equivalent form must compare equal
// to it.
func TestSocketConditionNormalised(t *testing.T) {
	tests := []struct {
		name, cond, socket string
		want               bool
	}{
		{"short form", `$SERVER["socket"] == ":8080"`, "0.0.0.0:8080", true},
		{"short form, other port", `$SERVER["socket"] == ":8080"`, "0.0.0.0:8081", false},
		{"no port uses server.port", `$SERVER["socket"] == "127.0.0.1"`, "127.0.0.1:8000", true},
		{"ipv6 brackets only", `$SERVER["socket"] == "[]:8080"`, "[::]:8080", true},
		{"ipv6 long form", `$SERVER["socket"] == "[0:0:0:0:0:0:0:1]:8080"`, "[::1]:8080", true},
		{"host name case", `$SERVER["socket"] == "LocalHost:8080"`, "localhost:8080", true},
		{"!= short form", `$SERVER["socket"] != ":8080"`, "0.0.0.0:8080", false},
		{"!= short form, other socket", `$SERVER["socket"] != ":8080"`, "0.0.0.0:80", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sockParse(t, "server.port = 8000\n"+tt.cond+" {\n    server.tag = \"hit\"\n}\n")
			e := c.NewEval()
			e.StartConnection(newEvalSubject("socket", tt.socket))
			if got := e.Options().Tag == "hit"; got != tt.want {
				t.Errorf("on %s: block applied = %v, want %v", tt.socket, got, tt.want)
			}
			if got := e.Match(1); got != tt.want {
				t.Errorf("on %s: Match(1) = %v, want %v", tt.socket, got, tt.want)
			}
		})
	}
}

// TestSocketConditionUseIPv6: server.use-ipv6 inside the block decides
// what its ":port" means, for the listener and for the comparison alike.
func TestSocketConditionUseIPv6(t *testing.T) {
	c := sockParse(t, `$SERVER["socket"] == ":8080" {
    server.use-ipv6 = "enable"
    server.tag = "v6"
}
`)
	if got := sockSummaries(c); len(got) != 2 || got[1].Token != "[::]:8080" {
		t.Fatalf("Sockets = %+v, want [::]:8080 second", got)
	}
	e := c.NewEval()
	e.StartConnection(newEvalSubject("socket", "[::]:8080"))
	if got := e.Options().Tag; got != "v6" {
		t.Errorf("Tag = %q on [::]:8080, want v6", got)
	}
}

package config

import (
	"reflect"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// evalSubject is a fake connection: fields by Field, request headers by
// name. Header names are matched case-insensitively, as the Subject
// contract asks, by scanning rather than canonicalising so that a lookup
// allocates nothing.
type evalSubject struct {
	fields  map[Field]string
	headers map[string]string
}

func (s *evalSubject) ConditionValue(f Field, header string) string {
	if f != FieldHeader {
		return s.fields[f]
	}
	for k, v := range s.headers {
		if strings.EqualFold(k, header) {
			return v
		}
	}
	return ""
}

var evalFieldNames = map[string]Field{
	"socket":         FieldSocket,
	"remoteip":       FieldRemoteIP,
	"scheme":         FieldScheme,
	"host":           FieldHost,
	"url":            FieldURL,
	"querystring":    FieldQuery,
	"request-method": FieldMethod,
}

// newEvalSubject returns a plain GET / for example.com from 192.0.2.10 on
// 0.0.0.0:80, changed by kv: pairs of a field name (as in $HTTP[...], or
// "socket") or else a request header name, and its value.
func newEvalSubject(kv ...string) *evalSubject {
	s := &evalSubject{
		fields: map[Field]string{
			FieldSocket:   "0.0.0.0:80",
			FieldRemoteIP: "192.0.2.10",
			FieldScheme:   "http",
			FieldHost:     "example.com",
			FieldURL:      "/",
			FieldMethod:   "GET",
		},
		headers: map[string]string{},
	}
	s.set(kv...)
	return s
}

func (s *evalSubject) set(kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		if f, ok := evalFieldNames[kv[i]]; ok {
			s.fields[f] = kv[i+1]
		} else {
			s.headers[kv[i]] = kv[i+1]
		}
	}
}

// evalParse loads src after a global document root, so every test config
// is valid without repeating it; block indexes in src start at 1.
func evalParse(t testing.TB, src string) *Config {
	t.Helper()
	c, err := Parse("eval.conf", "server.document-root = \"/srv/www\"\n"+src, "", LoadOptions{
		Sandbox:    true,
		Dir:        "/",
		DefaultTag: "featherd-test",
		LookupEnv:  func(string) (string, bool) { return "", false },
	})
	if err != nil {
		t.Fatalf("Parse:\n%s\nerror: %v", src, err)
	}
	return c
}

// evalRequest runs both stages for one request on a fresh evaluator.
func evalRequest(c *Config, s Subject) *Eval {
	e := c.NewEval()
	e.StartConnection(s)
	e.StartRequest()
	return e
}

func TestEvalFieldsAndOperators(t *testing.T) {
	tests := []struct {
		name string
		cond string
		kv   []string
		want bool
	}{
		// $SERVER["socket"]: the pattern is normalised like a listen address.
		{"socket == short form", `$SERVER["socket"] == ":80"`, nil, true},
		{"socket == other port", `$SERVER["socket"] == ":8080"`, nil, false},
		{"socket != other port", `$SERVER["socket"] != ":8080"`, nil, true},
		{"socket != same", `$SERVER["socket"] != "0.0.0.0:80"`, nil, false},
		{"socket == loopback", `$SERVER["socket"] == "127.0.0.1:8080"`, []string{"socket", "127.0.0.1:8080"}, true},
		{"socket == v6", `$SERVER["socket"] == "[::1]:8080"`, []string{"socket", "[::1]:8080"}, true},
		{"socket == unix", `$SERVER["socket"] == "/run/featherd.sock"`, []string{"socket", "/run/featherd.sock"}, true},

		// $HTTP["remoteip"]: addresses and CIDR blocks, mapped clients unmapped.
		{"remoteip == addr", `$HTTP["remoteip"] == "192.0.2.10"`, nil, true},
		{"remoteip == other addr", `$HTTP["remoteip"] == "192.0.2.11"`, nil, false},
		{"remoteip == v4 cidr", `$HTTP["remoteip"] == "192.0.2.0/24"`, nil, true},
		{"remoteip == v4 cidr outside", `$HTTP["remoteip"] == "192.0.2.0/24"`, []string{"remoteip", "198.51.100.1"}, false},
		{"remoteip != v4 cidr outside", `$HTTP["remoteip"] != "192.0.2.0/24"`, []string{"remoteip", "198.51.100.1"}, true},
		{"remoteip != v4 cidr inside", `$HTTP["remoteip"] != "192.0.2.0/24"`, nil, false},
		{"remote-ip alias", `$HTTP["remote-ip"] == "192.0.2.0/25"`, nil, true},
		{"remoteip v4 cidr, mapped client", `$HTTP["remoteip"] == "10.0.0.0/8"`, []string{"remoteip", "::ffff:10.1.2.3"}, true},
		{"remoteip v4 addr, mapped client", `$HTTP["remoteip"] == "10.1.2.3"`, []string{"remoteip", "::ffff:10.1.2.3"}, true},
		{"remoteip v4 cidr, mapped client outside", `$HTTP["remoteip"] == "10.0.0.0/8"`, []string{"remoteip", "::ffff:11.1.2.3"}, false},
		{"remoteip mapped cidr, v4 client", `$HTTP["remoteip"] == "::ffff:10.0.0.0/104"`, []string{"remoteip", "10.200.0.1"}, true},
		{"remoteip mapped cidr, v4 client outside", `$HTTP["remoteip"] == "::ffff:10.0.0.0/104"`, []string{"remoteip", "11.0.0.1"}, false},
		{"remoteip v6 cidr", `$HTTP["remoteip"] == "2001:db8::/32"`, []string{"remoteip", "2001:db8:1::5"}, true},
		{"remoteip v6 cidr outside", `$HTTP["remoteip"] == "2001:db8::/32"`, []string{"remoteip", "2001:db9::1"}, false},
		{"remoteip v6 addr", `$HTTP["remoteip"] == "::1"`, []string{"remoteip", "::1"}, true},
		{"remoteip v6 cidr, mapped client", `$HTTP["remoteip"] == "2001:db8::/32"`, []string{"remoteip", "::ffff:192.0.2.1"}, false},
		{"remoteip v4 cidr, v6 client", `$HTTP["remoteip"] == "192.0.2.0/24"`, []string{"remoteip", "2001:db8::1"}, false},
		{"remoteip cidr, unix client", `$HTTP["remoteip"] == "192.0.2.0/24"`, []string{"remoteip", ""}, false},
		{"remoteip != cidr, unix client", `$HTTP["remoteip"] != "192.0.2.0/24"`, []string{"remoteip", ""}, true},
		{"remoteip regex", `$HTTP["remoteip"] =~ "^192\.0\.2\."`, nil, true},

		{"scheme == https", `$HTTP["scheme"] == "https"`, []string{"scheme", "https"}, true},
		{"scheme == https on http", `$HTTP["scheme"] == "https"`, nil, false},
		{"scheme != https", `$HTTP["scheme"] != "https"`, nil, true},

		// $HTTP["host"]: == and != ignore a :port on either side.
		{"host ==", `$HTTP["host"] == "example.com"`, nil, true},
		{"host == request has port", `$HTTP["host"] == "example.com"`, []string{"host", "example.com:8080"}, true},
		{"host == config has port", `$HTTP["host"] == "example.com:8080"`, nil, true},
		{"host == both ports same", `$HTTP["host"] == "example.com:8080"`, []string{"host", "example.com:8080"}, true},
		{"host == both ports differ", `$HTTP["host"] == "example.com:8080"`, []string{"host", "example.com:8081"}, false},
		{"host == config port longer", `$HTTP["host"] == "example.com:8080"`, []string{"host", "example.com:80"}, false},
		{"host == port too long", `$HTTP["host"] == "example.com"`, []string{"host", "example.com:1234567"}, false},
		{"host == longer name", `$HTTP["host"] == "example.com"`, []string{"host", "example.community"}, false},
		{"host == subdomain", `$HTTP["host"] == "example.com"`, []string{"host", "www.example.com"}, false},
		{"host == config upper case", `$HTTP["host"] == "Example.COM"`, nil, true},
		{"host == no Host header", `$HTTP["host"] == "example.com"`, []string{"host", ""}, false},
		{"host != with port", `$HTTP["host"] != "example.com"`, []string{"host", "example.com:80"}, false},
		{"host != other", `$HTTP["host"] != "example.org"`, nil, true},
		{"host =~", `$HTTP["host"] =~ "^(www\.)?example\.com$"`, []string{"host", "www.example.com"}, true},
		{"host !~", `$HTTP["host"] !~ "^(www\.)?example\.com$"`, []string{"host", "www.example.com"}, false},
		{"host =$", `$HTTP["host"] =$ ".example.com"`, []string{"host", "www.example.com"}, true},
		{"host =^", `$HTTP["host"] =^ "www."`, []string{"host", "www.example.com"}, true},

		{"url ==", `$HTTP["url"] == "/index.html"`, []string{"url", "/index.html"}, true},
		{"url == other", `$HTTP["url"] == "/index.html"`, []string{"url", "/index.htm"}, false},
		{"url !=", `$HTTP["url"] != "/index.html"`, []string{"url", "/other"}, true},
		{"url =^", `$HTTP["url"] =^ "/static/"`, []string{"url", "/static/app.js"}, true},
		{"url =^ shorter value", `$HTTP["url"] =^ "/static/"`, []string{"url", "/st"}, false},
		{"url =$", `$HTTP["url"] =$ ".js"`, []string{"url", "/static/app.js"}, true},
		{"url =$ shorter value", `$HTTP["url"] =$ ".json"`, []string{"url", "/j"}, false},
		{"url =~", `$HTTP["url"] =~ "^/user/[0-9]+$"`, []string{"url", "/user/42"}, true},
		{"url =~ no match", `$HTTP["url"] =~ "^/user/[0-9]+$"`, []string{"url", "/user/x"}, false},
		{"url !~", `$HTTP["url"] !~ "^/admin"`, []string{"url", "/public"}, true},
		{"url !~ match", `$HTTP["url"] !~ "^/admin"`, []string{"url", "/admin/x"}, false},
		{"url is case-sensitive", `$HTTP["url"] == "/A"`, []string{"url", "/a"}, false},

		{"querystring ==", `$HTTP["querystring"] == "a=1"`, []string{"querystring", "a=1"}, true},
		{"querystring == empty", `$HTTP["querystring"] == ""`, nil, true},
		{"query-string alias", `$HTTP["query-string"] =~ "(^|&)debug=1(&|$)"`, []string{"querystring", "x=2&debug=1"}, true},

		{"request-method ==", `$HTTP["request-method"] == "POST"`, []string{"request-method", "POST"}, true},
		{"request-method == on GET", `$HTTP["request-method"] == "POST"`, nil, false},

		{"useragent", `$HTTP["useragent"] =~ "curl"`, []string{"User-Agent", "curl/8.5.0"}, true},
		{"useragent absent", `$HTTP["useragent"] =~ "curl"`, nil, false},
		{"user-agent alias", `$HTTP["user-agent"] =^ "Mozilla/"`, []string{"user-agent", "Mozilla/5.0"}, true},
		{"referer", `$HTTP["referer"] == "https://example.org/"`, []string{"Referer", "https://example.org/"}, true},
		{"cookie", `$HTTP["cookie"] =~ "(^|; )session="`, []string{"Cookie", "a=b; session=1"}, true},
		{"language", `$HTTP["language"] =^ "de"`, []string{"Accept-Language", "de-DE,de;q=0.9"}, true},
		{"language other", `$HTTP["language"] =^ "de"`, []string{"Accept-Language", "en-GB"}, false},

		{"request header ==", `$REQUEST_HEADER["X-Foo"] == "bar"`, []string{"x-foo", "bar"}, true},
		{"request header == absent", `$REQUEST_HEADER["X-Foo"] == "bar"`, nil, false},
		{"request header != absent", `$REQUEST_HEADER["X-Foo"] != "bar"`, nil, true},
		{"request header == empty, absent", `$REQUEST_HEADER["X-Foo"] == ""`, nil, true},
		{"request header =$", `$REQUEST_HEADER["X-Foo"] =$ "ar"`, []string{"X-Foo", "bar"}, true},
		{"request header !~", `$REQUEST_HEADER["X-Foo"] !~ "^b"`, []string{"X-Foo", "bar"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := evalParse(t, tt.cond+" {\n    server.tag = \"hit\"\n}\n")
			e := evalRequest(c, newEvalSubject(tt.kv...))
			if got := e.Match(1); got != tt.want {
				t.Errorf("Match(1) = %v, want %v", got, tt.want)
			}
			if got := e.Options().Tag == "hit"; got != tt.want {
				t.Errorf("block applied = %v (Tag %q), want %v", got, e.Options().Tag, tt.want)
			}
		})
	}
}

// TestEvalRegexSimplification checks both halves of lighttpd's
// configparser_simplify_regex: which patterns become plain comparisons,
// and that the comparison decides every input as the regex would.
func TestEvalRegexSimplification(t *testing.T) {
	inputs := []string{"", "/", "/lit", "/lit/", "/litx", "x/lit", "/a.php", "/a.phps", "/aXphp",
		"/static/", "/static/x", "/a.b", "/aXb", "lit", "/x|y"}
	tests := []struct {
		pattern string
		op      Op
		str     string
	}{
		{`^/lit$`, OpEq, "/lit"},
		{`^/lit`, OpPrefix, "/lit"},
		{`lit$`, OpSuffix, "lit"},
		{`\.php$`, OpSuffix, ".php"},
		{`^/static/`, OpPrefix, "/static/"},
		{`^$`, OpEq, ""},
		{`$`, OpSuffix, ""},
		{`^`, OpPrefix, ""},
		{`^/a.b$`, OpMatch, `^/a.b$`},         // '.' is a metacharacter
		{`^/a\.b$`, OpMatch, `^/a\.b$`},       // only a leading "\." is special-cased
		{`\.ph.$`, OpMatch, `\.ph.$`},         // metacharacter after "\."
		{`^/x|y$`, OpMatch, `^/x|y$`},         // alternation
		{`^/lit/?$`, OpMatch, `^/lit/?$`},     // quantifier
		{`^/(lit)$`, OpMatch, `^/(lit)$`},     // group
		{`/lit`, OpMatch, `/lit`},             // unanchored
		{`^[/]lit`, OpMatch, `^[/]lit`},       // class
		{`^/lit{2}`, OpMatch, `^/lit{2}`},     // counted repetition
		{`^/l+it$`, OpMatch, `^/l+it$`},       // plus
		{`^/l*it$`, OpMatch, `^/l*it$`},       // star
		{`\.php\.$`, OpMatch, `\.php\.$`},     // a second escape
		{`^/lit\$`, OpMatch, `^/lit\$`},       // an escaped '$' is not an anchor
		{`^\.php$`, OpMatch, `^\.php$`},       // "\." only counts at the start
		{`^/a^b`, OpMatch, `^/a^b`},           // a second '^'
		{`a$b$`, OpMatch, `a$b$`},             // a second '$'
		{`^/static/$`, OpEq, "/static/"},      // '/' is not special
		{`^/x-y_z~$`, OpEq, "/x-y_z~"},        // nor are these
		{`^/a b$`, OpEq, "/a b"},              // nor space
		{`\.tar\.gz$`, OpMatch, `\.tar\.gz$`}, // lighttpd gives up on any other '\'
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			c := evalParse(t, `$HTTP["url"] =~ "`+tt.pattern+`" { server.tag = "hit" }`+"\n")
			cond := c.Blocks[1].Cond
			if cond.op != tt.op || cond.str != tt.str {
				t.Errorf("simplified to %v %q, want %v %q", cond.op, cond.str, tt.op, tt.str)
			}
			// The condition as written stays a regex: printing and
			// captures need it.
			if cond.Op != OpMatch || cond.Pattern != tt.pattern || cond.re == nil {
				t.Errorf("written condition changed: Op %v Pattern %q re %v", cond.Op, cond.Pattern, cond.re)
			}
			re := regexp.MustCompile(tt.pattern)
			s := newEvalSubject()
			e := c.NewEval()
			e.StartConnection(s)
			for _, in := range inputs {
				s.set("url", in)
				e.StartRequest()
				if got, want := e.Match(1), re.MatchString(in); got != want {
					t.Errorf("url %q: Match = %v, regex says %v", in, got, want)
				}
			}
		})
	}
}

// TestEvalRegexNotSimplified covers the conditions lighttpd never turns
// into comparisons: !~ and $SERVER["socket"].
func TestEvalRegexNotSimplified(t *testing.T) {
	c := evalParse(t, `$HTTP["url"] !~ "^/lit$" { server.tag = "not" }`+"\n")
	if cond := c.Blocks[1].Cond; cond.op != OpNoMatch {
		t.Errorf("!~ simplified to %v %q", cond.op, cond.str)
	}
	for _, tt := range []struct {
		url  string
		want bool
	}{{"/lit", false}, {"/lit/", true}, {"", true}} {
		t.Run(tt.url, func(t *testing.T) {
			e := evalRequest(c, newEvalSubject("url", tt.url))
			if got := e.Match(1); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvalRemoteIPErrors(t *testing.T) {
	tests := []struct{ cond, want string }{
		{`$HTTP["remoteip"] == "192.0.2.300"`, `eval.conf:2:1: invalid IP addr: 192.0.2.300`},
		{`$HTTP["remoteip"] == "example.com"`, `eval.conf:2:1: invalid IP addr: example.com`},
		{`$HTTP["remoteip"] != "10.0.0.0/33"`, `eval.conf:2:1: invalid IP addr: 10.0.0.0/33 (bad prefix length)`},
		{`$HTTP["remoteip"] == "2001:db8::/129"`, `eval.conf:2:1: invalid IP addr: 2001:db8::/129 (bad prefix length)`},
		{`$HTTP["remoteip"] == "10.0.0.0/x"`, `eval.conf:2:1: invalid IP addr: 10.0.0.0/x (bad prefix length)`},
		{`$HTTP["remoteip"] == "::ffff:10.0.0.0/95"`, `eval.conf:2:1: invalid IP addr: ::ffff:10.0.0.0/95 (prefix shorter than the IPv4-mapped range)`},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			_, err := Parse("eval.conf", "server.document-root = \"/srv/www\"\n"+tt.cond+" {\n}\n", "", LoadOptions{Sandbox: true, Dir: "/"})
			if err == nil || err.Error() != tt.want {
				t.Errorf("error:\n%v\nwant:\n%s", err, tt.want)
			}
		})
	}
}

func TestEvalNestedBlocks(t *testing.T) {
	c := evalParse(t, `
$HTTP["host"] == "a.example" {
    server.tag = "outer"
    $HTTP["url"] =^ "/api/" {
        server.tag = "api"
        $HTTP["request-method"] == "POST" {
            server.tag = "api-post"
        }
    } else {
        server.tag = "a-other"
    }
}
`)
	tests := []struct {
		name  string
		kv    []string
		tag   string
		match []bool // blocks 1..4: host, url, method, else
	}{
		{"all match", []string{"host", "a.example", "url", "/api/x", "request-method", "POST"}, "api-post", []bool{true, true, true, false}},
		{"inner two", []string{"host", "a.example", "url", "/api/x"}, "api", []bool{true, true, false, false}},
		{"outer only, else applies", []string{"host", "a.example", "url", "/web"}, "a-other", []bool{true, false, false, true}},
		// The children would match on their own; the parent decides.
		{"parent false", []string{"host", "b.example", "url", "/api/x", "request-method", "POST"}, "featherd-test", []bool{false, false, false, false}},
		{"parent false, else skipped", []string{"host", "b.example", "url", "/web"}, "featherd-test", []bool{false, false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := evalRequest(c, newEvalSubject(tt.kv...))
			if got := e.Options().Tag; got != tt.tag {
				t.Errorf("Tag = %q, want %q", got, tt.tag)
			}
			for i, want := range tt.match {
				if got := e.Match(i + 1); got != want {
					t.Errorf("Match(%d) = %v, want %v", i+1, got, want)
				}
			}
			if !e.Match(0) {
				t.Error("the global scope must always match")
			}
		})
	}
}

func TestEvalElseChains(t *testing.T) {
	c := evalParse(t, `
$HTTP["host"] == "a.example" {
    server.tag = "a"
}
else $HTTP["host"] == "b.example" {
    server.tag = "b"
}
else $HTTP["url"] =^ "/shared/" {
    server.tag = "shared"
}
else {
    server.tag = "other"
}
$HTTP["scheme"] == "https" {
    server.name = "secure"
} else {
    server.name = "plain"
}
`)
	tests := []struct {
		name       string
		kv         []string
		tag, sname string
		match      []bool
	}{
		{"first", []string{"host", "a.example", "url", "/shared/x"}, "a", "plain", []bool{true, false, false, false}},
		{"second", []string{"host", "b.example", "url", "/shared/x"}, "b", "plain", []bool{false, true, false, false}},
		{"third on another field", []string{"host", "c.example", "url", "/shared/x"}, "shared", "plain", []bool{false, false, true, false}},
		{"final else", []string{"host", "c.example", "url", "/x", "scheme", "https"}, "other", "secure", []bool{false, false, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := evalRequest(c, newEvalSubject(tt.kv...))
			o := e.Options()
			if o.Tag != tt.tag || o.ServerName != tt.sname {
				t.Errorf("Tag, ServerName = %q, %q; want %q, %q", o.Tag, o.ServerName, tt.tag, tt.sname)
			}
			for i, want := range tt.match {
				if got := e.Match(i + 1); got != want {
					t.Errorf("Match(%d) = %v, want %v", i+1, got, want)
				}
			}
		})
	}
}

func TestEvalStages(t *testing.T) {
	c := evalParse(t, `
$SERVER["socket"] == ":80" {
    server.document-root = "/srv/sock"
}
$HTTP["remoteip"] == "192.0.2.0/24" {
    server.tag = "lan"
} else {
    server.tag = "wan"
}
$HTTP["host"] == "example.com" {
    server.name = "by-host"
} else {
    server.name = "not-host"
}
$SERVER["socket"] == ":80" {
    $HTTP["url"] =^ "/" {
        server.errorfile-prefix = "/srv/err-"
    }
}
`)
	// Blocks: 1 socket, 2 remoteip, 3 else, 4 host, 5 else, 6 url (in 1).
	type want struct {
		docroot, tag, name, prefix string
		match                      []bool
	}
	tests := []struct {
		name       string
		kv         []string
		connection want
		request    want
	}{
		{
			name:       "lan client",
			connection: want{"/srv/sock", "lan", "", "", []bool{true, true, false, false, false, false}},
			request:    want{"/srv/sock", "lan", "by-host", "/srv/err-", []bool{true, true, false, true, false, true}},
		},
		{
			name:       "wan client, other host, other socket",
			kv:         []string{"remoteip", "198.51.100.7", "host", "example.org", "socket", "0.0.0.0:8080"},
			connection: want{"/srv/www", "wan", "", "", []bool{false, false, true, false, false, false}},
			request:    want{"/srv/www", "wan", "not-host", "", []bool{false, false, true, false, true, false}},
		},
	}
	check := func(t *testing.T, stage string, e *Eval, w want) {
		t.Helper()
		o := e.Options()
		if o.DocumentRoot != w.docroot || o.Tag != w.tag || o.ServerName != w.name || o.ErrorfilePrefix != w.prefix {
			t.Errorf("%s: DocumentRoot, Tag, ServerName, ErrorfilePrefix = %q, %q, %q, %q; want %q, %q, %q, %q",
				stage, o.DocumentRoot, o.Tag, o.ServerName, o.ErrorfilePrefix, w.docroot, w.tag, w.name, w.prefix)
		}
		for i, m := range w.match {
			if got := e.Match(i + 1); got != m {
				t.Errorf("%s: Match(%d) = %v, want %v", stage, i+1, got, m)
			}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := c.NewEval()
			e.StartConnection(newEvalSubject(tt.kv...))
			check(t, "after StartConnection", e, tt.connection)
			e.StartRequest()
			check(t, "after StartRequest", e, tt.request)
		})
	}
}

// TestEvalNextRequest makes sure nothing decided for one request leaks
// into the next on the same connection, including when the second request
// asks for its options at a different point.
func TestEvalNextRequest(t *testing.T) {
	c := evalParse(t, `
$HTTP["host"] == "a.example" {
    server.tag = "a"
}
$HTTP["url"] =^ "/dl/" {
    server.max-keep-alive-requests = 7
}
$HTTP["remoteip"] == "192.0.2.0/24" {
    server.name = "lan"
}
`)
	s := newEvalSubject("host", "a.example", "url", "/dl/file")
	e := c.NewEval()
	e.StartConnection(s)
	e.StartRequest()
	if o := e.Options(); o.Tag != "a" || o.MaxKeepAliveRequests != 7 || o.ServerName != "lan" {
		t.Fatalf("first request: Tag %q, MaxKeepAliveRequests %d, ServerName %q", o.Tag, o.MaxKeepAliveRequests, o.ServerName)
	}
	s.set("host", "b.example", "url", "/index.html")
	e.StartRequest()
	if e.Match(1) || e.Match(2) || !e.Match(3) {
		t.Errorf("second request: Match = %v %v %v, want false false true", e.Match(1), e.Match(2), e.Match(3))
	}
	if o := e.Options(); o.Tag != "featherd-test" || o.MaxKeepAliveRequests != 1000 || o.ServerName != "lan" {
		t.Errorf("second request: Tag %q, MaxKeepAliveRequests %d, ServerName %q; want the defaults and the connection's block",
			o.Tag, o.MaxKeepAliveRequests, o.ServerName)
	}
	// A third request that matches again.
	s.set("host", "a.example:8080")
	e.StartRequest()
	if o := e.Options(); o.Tag != "a" || o.MaxKeepAliveRequests != 1000 {
		t.Errorf("third request: Tag %q, MaxKeepAliveRequests %d", o.Tag, o.MaxKeepAliveRequests)
	}
	// A new connection on the same evaluator starts from nothing.
	e.StartConnection(newEvalSubject("remoteip", "203.0.113.1"))
	if o := e.Options(); o.Tag != "featherd-test" || o.ServerName != "" {
		t.Errorf("new connection: Tag %q, ServerName %q", o.Tag, o.ServerName)
	}
}

func TestEvalMergeOrder(t *testing.T) {
	c := evalParse(t, `
server.tag = "global"
$HTTP["host"] == "example.com" {
    server.document-root = "/srv/example"
    server.tag = "host"
}
$HTTP["url"] =^ "/static/" {
    server.document-root = "/srv/static"
}
$HTTP["scheme"] == "https" {
    server.tag = "scheme"
    $HTTP["url"] =^ "/static/" {
        server.document-root = "/srv/static-tls"
    }
}
# Written again: the same block, so it keeps its first place in the order.
$HTTP["host"] == "example.com" {
    server.name = "example"
}
`)
	tests := []struct {
		name              string
		kv                []string
		docroot, tag, srv string
	}{
		{"nothing", []string{"host", "example.org"}, "/srv/www", "global", ""},
		{"host", nil, "/srv/example", "host", "example"},
		{"host then url", []string{"url", "/static/a.css"}, "/srv/static", "host", "example"},
		{"url only", []string{"host", "example.org", "url", "/static/a.css"}, "/srv/static", "global", ""},
		{"host, url, scheme", []string{"url", "/static/a.css", "scheme", "https"}, "/srv/static-tls", "scheme", "example"},
		{"host, scheme", []string{"scheme", "https"}, "/srv/example", "scheme", "example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := evalRequest(c, newEvalSubject(tt.kv...)).Options()
			if o.DocumentRoot != tt.docroot || o.Tag != tt.tag || o.ServerName != tt.srv {
				t.Errorf("DocumentRoot, Tag, ServerName = %q, %q, %q; want %q, %q, %q",
					o.DocumentRoot, o.Tag, o.ServerName, tt.docroot, tt.tag, tt.srv)
			}
		})
	}
}

// TestEvalReopenedBlockOrder: a condition written again later adds to its
// first block, which lighttpd merges at its first position, so a block
// written in between still wins.
func TestEvalReopenedBlockOrder(t *testing.T) {
	c := evalParse(t, `
$HTTP["host"] == "example.com" {
    server.tag = "first"
}
$HTTP["url"] =^ "/" {
    server.tag = "between"
}
$HTTP["host"] == "example.com" {
    server.tag := "reopened"
}
`)
	if len(c.Blocks) != 3 {
		t.Fatalf("%d blocks, want 3 (global, host, url)", len(c.Blocks))
	}
	if got := evalRequest(c, newEvalSubject()).Options().Tag; got != "between" {
		t.Errorf("Tag = %q, want %q", got, "between")
	}
}

func TestEvalOptionsBase(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		wantBase bool // Options() is Base() itself
		hasCond  bool
	}{
		{"no conditionals", `server.tag = "x"` + "\n", true, false},
		{"conditionals without options", `$HTTP["host"] == "a" { var.x = 1 }` + "\n", true, true},
		{"conditionals with options", `$HTTP["host"] == "a" { server.tag = "a" }` + "\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := evalParse(t, tt.src)
			if got := c.HasConditionals(); got != tt.hasCond {
				t.Errorf("HasConditionals = %v, want %v", got, tt.hasCond)
			}
			e := c.NewEval()
			if e.Config() != c {
				t.Error("Config() is not the configuration the evaluator was made from")
			}
			e.StartConnection(newEvalSubject())
			if got := e.Options() == c.Base(); got != tt.wantBase {
				t.Errorf("after StartConnection: Options() == Base() is %v, want %v", got, tt.wantBase)
			}
			e.StartRequest()
			o := e.Options()
			if got := o == c.Base(); got != tt.wantBase {
				t.Errorf("after StartRequest: Options() == Base() is %v, want %v", got, tt.wantBase)
			}
			// Unmatched blocks leave exactly the base options.
			if !reflect.DeepEqual(*o, *c.Base()) {
				t.Errorf("Options() = %+v, want Base() %+v", *o, *c.Base())
			}
		})
	}
}

func TestEvalServerRateScope(t *testing.T) {
	c := evalParse(t, `
server.kbytes-per-second = 100
connection.kbytes-per-second = 20
$HTTP["host"] == "a.example" {
    server.kbytes-per-second = 50
}
$HTTP["url"] =^ "/dl/" {
    server.tag = "dl"
    $HTTP["scheme"] == "https" {
        server.kbytes-per-second = 10
    }
}
$HTTP["request-method"] == "POST" {
    connection.kbytes-per-second = 5
}
`)
	// Blocks: 1 host, 2 url, 3 scheme (in 2), 4 method.
	tests := []struct {
		name       string
		kv         []string
		rate, rsc  int
		connection int
	}{
		{"global", nil, 100, 0, 20},
		{"host block", []string{"host", "a.example"}, 50, 1, 20},
		// Matching a block that does not set the rate keeps the scope of
		// the block that did.
		{"unrelated block", []string{"url", "/dl/x"}, 100, 0, 20},
		{"host and unrelated block", []string{"host", "a.example", "url", "/dl/x"}, 50, 1, 20},
		{"nested block", []string{"host", "a.example", "url", "/dl/x", "scheme", "https"}, 10, 3, 20},
		{"connection rate has no scope", []string{"request-method", "POST"}, 100, 0, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := evalRequest(c, newEvalSubject(tt.kv...)).Options()
			if o.ServerKBytesPerSecond != tt.rate || o.ServerRateScope != tt.rsc || o.ConnectionKBytesPerSecond != tt.connection {
				t.Errorf("ServerKBytesPerSecond %d, ServerRateScope %d, ConnectionKBytesPerSecond %d; want %d, %d, %d",
					o.ServerKBytesPerSecond, o.ServerRateScope, o.ConnectionKBytesPerSecond, tt.rate, tt.rsc, tt.connection)
			}
		})
	}
}

func TestEvalCaptures(t *testing.T) {
	c := evalParse(t, `
$HTTP["host"] =~ "^(www\.)?([^.]+)\.example\.com$" {
    server.document-root = "/srv/vhosts/%2"
}
$HTTP["url"] == "/plain" {
    server.tag = "plain"
}
$HTTP["url"] =~ "^/lit$" {
    server.tag = "lit"
}
$HTTP["url"] !~ "^/admin/(.*)" {
    server.tag = "notadmin"
}
$HTTP["host"] == "nowhere.example" {
    $HTTP["url"] =~ "^/(.*)" {
        server.tag = "nested"
    }
}
$HTTP["useragent"] =~ "^curl/([0-9]+)\.([0-9]+)" {
    server.tag = "curl"
}
`)
	// Blocks: 1 host regex, 2 url ==, 3 simplified regex, 4 !~, 5 host,
	// 6 nested regex, 7 header regex.
	tests := []struct {
		name  string
		kv    []string
		index int
		want  []string
	}{
		{"regex match", []string{"host", "www.shop.example.com"}, 1, []string{"www.shop.example.com", "www.", "shop"}},
		{"optional group absent", []string{"host", "shop.example.com"}, 1, []string{"shop.example.com", "", "shop"}},
		{"regex no match", []string{"host", "example.org"}, 1, nil},
		{"not a regex", []string{"url", "/plain"}, 2, nil},
		{"simplified regex keeps %0", []string{"url", "/lit"}, 3, []string{"/lit"}},
		{"simplified regex no match", []string{"url", "/lit2"}, 3, nil},
		{"negated regex", []string{"url", "/x"}, 4, nil},
		{"parent false", []string{"url", "/anything"}, 6, nil},
		{"request header", []string{"User-Agent", "curl/8.5.0"}, 7, []string{"curl/8.5", "8", "5"}},
		{"global scope", nil, 0, nil},
		{"negative index", nil, -1, nil},
		{"index out of range", nil, 99, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := evalRequest(c, newEvalSubject(tt.kv...))
			if got := e.Captures(tt.index); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Captures(%d) = %q, want %q", tt.index, got, tt.want)
			}
		})
	}
}

// evalTypicalConf is a small virtual-hosting setup: what a request is
// likely to go through on a busy server.
const evalTypicalConf = `
server.tag = "featherd"
$HTTP["remoteip"] == "10.0.0.0/8" {
    server.max-keep-alive-requests = 10000
}
$HTTP["host"] == "static.example.com" {
    server.document-root = "/srv/static"
    $HTTP["url"] =^ "/assets/" {
        server.max-keep-alive-idle = 30
    }
} else $HTTP["host"] =~ "^(www\.)?example\.(com|org)$" {
    server.document-root = "/srv/example"
    $HTTP["url"] =~ "\.php$" {
        server.stream-request-body = 1
    }
} else {
    server.document-root = "/srv/default"
}
$HTTP["useragent"] =~ "(?i)bot|crawler|spider" {
    connection.kbytes-per-second = 64
}
$REQUEST_HEADER["X-Debug"] == "1" {
    debug.log-request-handling = "enable"
}
`

func evalTypicalSubject() *evalSubject {
	return newEvalSubject("host", "www.example.org", "url", "/index.php", "User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
}

// evalRaceEnabled reports whether the test binary was built with -race,
// under which sync.Pool drops entries at random: regexp then allocates
// its matchers again, and allocation counts say nothing.
func evalRaceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// TestEvalZeroAlloc guards the promise that per-request evaluation
// allocates nothing once an Eval is warm: it runs for every request.
func TestEvalZeroAlloc(t *testing.T) {
	if evalRaceEnabled() {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	tests := []struct {
		name string
		src  string
	}{
		{"no conditionals", `server.tag = "featherd"` + "\n"},
		{"typical", evalTypicalConf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := evalParse(t, tt.src)
			s := evalTypicalSubject()
			e := c.NewEval()
			e.StartConnection(s)
			e.StartRequest()
			o := e.Options()
			if tt.name == "typical" && (o.DocumentRoot != "/srv/example" || o.StreamRequestBody != 1) {
				t.Fatalf("the request does not go through the regex blocks: DocumentRoot %q, StreamRequestBody %d", o.DocumentRoot, o.StreamRequestBody)
			}
			allocs := testing.AllocsPerRun(200, func() {
				e.StartRequest()
				_ = e.Options()
			})
			if allocs != 0 {
				t.Errorf("StartRequest+Options: %v allocations per request, want 0", allocs)
			}
			allocs = testing.AllocsPerRun(200, func() {
				e.StartConnection(s)
				_ = e.Options()
				e.StartRequest()
				_ = e.Options()
				_ = e.Match(len(c.Blocks) - 1)
			})
			if allocs != 0 {
				t.Errorf("a whole connection: %v allocations, want 0", allocs)
			}
		})
	}
}

func benchmarkEval(b *testing.B, src string, s *evalSubject) {
	c := evalParse(b, src)
	e := c.NewEval()
	e.StartConnection(s)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.StartRequest()
		_ = e.Options()
	}
}

func BenchmarkEvalNoConditionals(b *testing.B) {
	benchmarkEval(b, `server.tag = "featherd"`+"\n", evalTypicalSubject())
}

func BenchmarkEvalTypical(b *testing.B) {
	benchmarkEval(b, evalTypicalConf, evalTypicalSubject())
}

// BenchmarkEvalManyVhosts is the worst case of a long else-if chain of
// host names where the request matches the last one.
func BenchmarkEvalManyVhosts(b *testing.B) {
	var sb strings.Builder
	for i := range 100 {
		if i > 0 {
			sb.WriteString("else ")
		}
		sb.WriteString(`$HTTP["host"] == "host` + string(rune('a'+i/26)) + string(rune('a'+i%26)) + `.example.com" {` + "\n")
		sb.WriteString(`    server.document-root = "/srv/vhost` + string(rune('a'+i/26)) + string(rune('a'+i%26)) + `"` + "\n}\n")
	}
	benchmarkEval(b, sb.String(), newEvalSubject("host", "hostdv.example.com"))
}

// TestEvalResetField is a module changing the client's address
// mid-request, as mod_extforward does: the conditions on the address are
// decided again, with the blocks nested in them and the branches after
// them, while the other conditions keep what they decided.
func TestEvalResetField(t *testing.T) {
	c := evalParse(t, `
$HTTP["remoteip"] == "10.0.0.0/8" {
    server.tag = "proxy"
    $HTTP["url"] =^ "/admin/" {
        server.name = "proxy-admin"
    }
} else $HTTP["host"] == "example.com" {
    server.tag = "client-example"
}
$HTTP["url"] =^ "/admin/" {
    server.errorfile-prefix = "/srv/err-"
}
`)
	// Blocks: 1 remoteip, 2 url (in 1), 3 else host, 4 url.
	s := newEvalSubject("remoteip", "10.0.0.1", "url", "/admin/x")
	e := evalRequest(c, s)
	if o := e.Options(); o.Tag != "proxy" || o.ServerName != "proxy-admin" || o.ErrorfilePrefix != "/srv/err-" {
		t.Fatalf("from the proxy: Tag %q, ServerName %q, ErrorfilePrefix %q", o.Tag, o.ServerName, o.ErrorfilePrefix)
	}

	s.set("remoteip", "192.0.2.7", "url", "/other")
	e.ResetField(FieldRemoteIP)
	o := e.Options()
	if o.Tag != "client-example" || o.ServerName != "" {
		t.Errorf("after the address changed: Tag %q, ServerName %q; want the else branch's and none", o.Tag, o.ServerName)
	}
	// The url condition outside the remoteip block was decided for this
	// request already and is not about the address: it stands, as in
	// lighttpd, though the subject's url changed behind its back.
	if o.ErrorfilePrefix != "/srv/err-" || !e.Match(4) {
		t.Errorf("the url block was evaluated again: ErrorfilePrefix %q, Match(4) %v", o.ErrorfilePrefix, e.Match(4))
	}
	for i, want := range []bool{false, false, true, true} {
		if got := e.Match(i + 1); got != want {
			t.Errorf("Match(%d) = %v, want %v", i+1, got, want)
		}
	}

	if !evalRaceEnabled() {
		allocs := testing.AllocsPerRun(100, func() {
			e.ResetField(FieldRemoteIP)
			_ = e.Options()
		})
		if allocs != 0 {
			t.Errorf("ResetField+Options: %v allocations, want 0", allocs)
		}
	}
}

package keyvalue

import (
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
	// mod_staticfile, which every configuration loads, must be there
	// for the configurations here to load without warnings.
	_ "github.com/featherd/featherd/http/staticfile"
)

// The tests load the rules as a module does: a test module owns the key
// "test-kv.rules", compiled with Compile in whatever block it is set in.
type testOptions struct{ list *List }

var testModule = config.RegisterModule("mod_featherd_test_keyvalue", testOptions{}, map[string]config.Compile[testOptions]{
	"test-kv.rules": func(v config.Value, b *config.Block) (func(*testOptions), error) {
		l, err := Compile(v, b)
		if l == nil {
			return nil, err
		}
		return func(o *testOptions) { o.list = l }, err
	},
})

func load(t testing.TB, conf string) (*config.Config, error) {
	t.Helper()
	return config.Parse("test.conf", "server.document-root = \"/srv\"\nserver.modules = ( \"mod_featherd_test_keyvalue\" )\n"+conf,
		"", config.LoadOptions{Sandbox: true, Dir: "/", DefaultTag: "t"})
}

// subject is a request as conditions see it.
type subject struct{ host, path string }

func (s subject) ConditionValue(f config.Field, _ string) string {
	switch f {
	case config.FieldHost:
		return s.host
	case config.FieldURL:
		return s.path
	}
	return ""
}

// request holds what one substitution is expanded for.
type request struct {
	target    string
	host      string
	port      uint16
	scheme    string
	normalize bool
}

// run loads conf and returns what its rules make of the request: the
// result, or "(no match)", or "(blank)" for a rule with an empty
// substitution.
func run(t testing.TB, conf string, rq request) string {
	t.Helper()
	c, err := load(t, conf)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	path, query, hasQuery := strings.Cut(rq.target, "?")
	e := c.NewEval()
	e.StartConnection(subject{host: rq.host, path: path})
	e.StartRequest()
	var o testOptions
	testModule.Of(c).Merge(&o, e)
	if o.list == nil {
		return "(no rules)"
	}
	rs := o.list.For(rq.normalize)
	i := rs.Match(rq.target)
	switch {
	case i < 0:
		return "(no match)"
	case rs.Blank(i):
		return "(blank)"
	}
	if rq.scheme == "" {
		rq.scheme = "http"
	}
	u := URL{Scheme: rq.scheme, Authority: rq.host, Port: rq.port, Target: rq.target, Query: query, HasQuery: hasQuery}
	return string(rs.Expand([]byte("untouched:"), i, &u, e)[len("untouched:"):])
}

func TestExpand(t *testing.T) {
	cases := []struct {
		name, rule, target, want string
	}{
		{"literal", `"^/a$" => "/b"`, "/a", "/b"},
		{"no match", `"^/a$" => "/b"`, "/ab", "(no match)"},
		{"first match wins", `"^/a" => "/first", "^/" => "/second"`, "/a", "/first"},
		{"later rule", `"^/a" => "/first", "^/" => "/second"`, "/b", "/second"},
		{"empty regex matches all", `"" => "/all"`, "/x?y", "/all"},
		{"blank substitution stops", `"^/keep" => "", "" => "/other"`, "/keep/x", "(blank)"},
		{"$n as matched", `"^/(\w+)/(.*)$" => "/x?a=$1&b=$2&all=$0"`, "/one/t%20wo", "/x?a=one&b=t%20wo&all=/one/t%20wo"},
		{"$n of a group that did not take part", `"^/(a)?(b)$" => "/[$1][$2]"`, "/b", "/[][b]"},
		{"$ and % escapes", `"^/(.*)$" => "/$$1%%1$x%y"`, "/z", "/$1%1$x%y"},
		{"a sigil after another is literal", `"^/(.*)$" => "/%$1"`, "/z", "/%$1"},
		{"trailing sigils", `"^/(.*)$" => "/$1$"`, "/z", "/z$"},
		{"two digits after $ are $1 and a digit", `"^/(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)$" => "/$10"`, "/abcdefghij", "/a0"},
		{"${N} two digits", `"^/(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)$" => "/${10}"`, "/abcdefghij", "/j"},
		{"${N} is escpsnde", `"^/(.*)$" => "/x/${1}"`, "/a%20b/c:d%7e%2F", "/x/a%20b/c%3Ad~%2F"},
		{"${$N}", `"^/(.*)$" => "/x/${$1}"`, "/a:b", "/x/a%3Ab"},
		{"esc", `"^/(.*)$" => "/x?q=${esc:1}"`, "/a%20b/c", "/x?q=a%2520b%2Fc"},
		{"escape", `"^/(.*)$" => "/x?q=${escape:$1}"`, "/a/b", "/x?q=a%2Fb"},
		{"escnde", `"^/(.*)$" => "/x?q=${escnde:1}"`, "/a%20b/c%41", "/x?q=a%20b%2FcA"},
		{"escpsnde", `"^/(.*)$" => "/x?q=${escpsnde:1}"`, "/a b/c", "/x?q=a%20b/c"},
		{"noesc", `"^/(.*)$" => "/x?q=${noesc:1}"`, "/a%20b/c", "/x?q=a%20b/c"},
		{"noescape", `"^/(.*)$" => "/x?q=${noescape:1}"`, "/a:b", "/x?q=a:b"},
		{"tolower keeps escapes' hex", `"^/(.*)$" => "/${tolower:1}"`, "/AbC%C3%A9", "/abc%C3%A9"},
		{"toupper keeps escapes' hex", `"^/(.*)$" => "/${toupper:1}"`, "/aBc%c3%a9x", "/ABC%c3%a9X"},
		{"escape then case", `"^/(.*)$" => "/${esc:toupper:1}"`, "/a/b", "/A%2FB"},
		{"encb64u", `"^/(.*)$" => "/${encb64u:1}"`, "/hello?", "/aGVsbG8_"},
		{"decb64u", `"^/b/(.*)$" => "/${decb64u:1}"`, "/b/aGVsbG8_", "/hello?"},
		{"decb64u with padding", `"^/b/(.*)$" => "/${decb64u:1}"`, "/b/aGk=", "/hi"},
		{"decb64u stops at a byte not base64url", `"^/b/(.*)$" => "/${decb64u:1}"`, "/b/aGk.xyz", "/hi"},
		{"decb64u of a lone sextet is nothing", `"^/b/(.*)$" => "/[${decb64u:1}]"`, "/b/aGkxa", "/[]"},
		{"url.path", `"" => "/p${url.path}"`, "/a%20b?x=1", "/p/a%20b"},
		{"url.query", `"" => "/q?${url.query}"`, "/a?x=1&y", "/q?x=1&y"},
		{"url.path escaped", `"" => "/p?u=${esc:url.path}"`, "/a/b?x", "/p?u=%2Fa%2Fb"},
		{"url.path lower-cased", `"" => "${tolower:url.path}"`, "/A/B?X", "/a/b"},
		{"qsa with a query", `"^/a" => "/b${qsa}"`, "/a?x=1", "/b?x=1"},
		{"qsa after a query", `"^/a" => "/b?y=2${qsa}"`, "/a?x=1", "/b?y=2&x=1"},
		{"qsa without a query", `"^/a" => "/b${qsa}"`, "/a", "/b"},
		{"qsa with an empty query", `"^/a" => "/b${qsa}"`, "/a?", "/b?"},
		{"qsa with an empty query after one", `"^/a" => "/b?y${qsa}"`, "/a?", "/b?y"},
		{"qsa escaped", `"^/a" => "/b${esc:qsa}"`, "/a?x=1", "/b?x%3D1"},
		{"%{url.path}", `"" => "%{url.path}/"`, "/a?q", "/a/"},
		{"unknown $ and % pairs stay", `"" => "/%a$b"`, "/", "/%a$b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, "test-kv.rules = ( "+tc.rule+" )\n", request{target: tc.target, host: "example.org", normalize: true})
			if got != tc.want {
				t.Errorf("%s on %q = %q, want %q", tc.rule, tc.target, got, tc.want)
			}
		})
	}
}

func TestExpandURLParts(t *testing.T) {
	const conf = `test-kv.rules = ( "" => "${url.scheme}://${url.authority}|${url.authority.noport}|${url.port}|${toupper:url.authority}" )` + "\n"
	cases := []struct {
		name string
		rq   request
		want string
	}{
		{"host", request{host: "example.org", port: 80}, "http://example.org|example.org|80|EXAMPLE.ORG"},
		{"host and port", request{host: "example.org:8080", port: 8080, scheme: "https"}, "https://example.org:8080|example.org|8080|EXAMPLE.ORG:8080"},
		{"IPv6", request{host: "[::1]", port: 81}, "http://[::1]|[::1]|81|[::1]"},
		{"IPv6 and port", request{host: "[::1]:81", port: 81}, "http://[::1]:81|[::1]|81|[::1]:81"},
		{"no host, unix socket", request{}, "http://||0|"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.rq.target, tc.rq.normalize = "/", true
			if got := run(t, conf, tc.rq); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExpandConditionCaptures(t *testing.T) {
	const conf = `
$HTTP["host"] =~ "^(www)\.(.*)$" {
  test-kv.rules = ( "^/(.*)" => "http://%2/$1?sub=%1&all=%0&esc=%{esc:0}&host=%{url.authority}" )
}
$HTTP["host"] == "plain.org" {
  test-kv.rules = ( "^/(.*)" => "/[%1]" )
}
test-kv.rules = ( "^/(.*)" => "/global/$1" )
`
	cases := []struct{ host, want string }{
		{"www.example.org", "http://example.org/x?sub=www&all=www.example.org&esc=www.example.org&host=www.example.org"},
		{"other.org", "/global/x"},
	}
	for _, tc := range cases {
		if got := run(t, conf, request{target: "/x", host: tc.host, normalize: true}); got != tc.want {
			t.Errorf("host %s: got %q, want %q", tc.host, got, tc.want)
		}
	}
	// A block whose condition is not a regex has no captures: a warning
	// at load, nothing at run time.
	c, err := load(t, conf)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].String(), "test.conf:8:21: warning: test-kv.rules:") ||
		!strings.Contains(c.Warnings[0].String(), "%1 is replaced by nothing") {
		t.Errorf("warnings = %v", c.Warnings)
	}
	if got := run(t, conf, request{target: "/x", host: "plain.org", normalize: true}); got != "/[]" {
		t.Errorf("plain.org: got %q", got)
	}
}

// TestNormalizedRules checks that rules are normalised as the targets
// are with url-normalize on, and kept as written with it off.
func TestNormalizedRules(t *testing.T) {
	const conf = "test-kv.rules = ( \"^/caf\xc3\xa9/%c3%a9$\" => \"/to/%%e2%%82%%ac/\xe2\x82\xac\" )\n"
	if got := run(t, conf, request{target: "/caf%C3%A9/%C3%A9", normalize: true}); got != "/to/%E2%82%AC/%E2%82%AC" {
		t.Errorf("normalised: got %q", got)
	}
	if got := run(t, conf, request{target: "/caf\xc3\xa9/%c3%a9", normalize: false}); got != "/to/%e2%82%ac/\xe2\x82\xac" {
		t.Errorf("as written: got %q", got)
	}
	if got := run(t, conf, request{target: "/caf\xc3\xa9/%c3%a9", normalize: true}); got != "(no match)" {
		t.Errorf("a raw target against normalised rules: got %q", got)
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct{ name, conf, want string }{
		{"bad regex", "test-kv.rules = (\n  \"^/ok\" => \"/x\",\n  \"^/(a\" => \"/y\" )",
			`test.conf:5:3: test-kv.rules: invalid regex "^/(a": error parsing regexp: missing closing ): ` + "`^/(a`"},
		{"PCRE-only regex", `test-kv.rules = ( "^/(?!admin)" => "/x" )`, "(featherd uses RE2 regular expressions"},
		{"too many captures", `test-kv.rules = ( "` + strings.Repeat("(a)", 20) + `" => "/x" )`, "too many captures (20)"},
		{"unknown item", `test-kv.rules = ( "" => "/${url.fragment}" )`, `test.conf:3:19: test-kv.rules: unknown substitution ${url.fragment}: "url.fragment" is none of`},
		{"unknown modifier", `test-kv.rules = ( "" => "/${escfoo:1}" )`, `unknown substitution ${escfoo:1}: "escfoo:" is none of the modifiers`},
		{"unterminated", `test-kv.rules = ( "" => "/${1" )`, `${ without its closing '}' in "/${1" (write $$ for a literal $)`},
		{"digits and more", `test-kv.rules = ( "" => "/${1abc}" )`, `unknown substitution ${1abc}`},
		{"empty braces", `test-kv.rules = ( "" => "/%{}" )`, `unknown substitution %{}`},
		{"the other sigil", `test-kv.rules = ( "" => "/${esc:%1}" )`,
			`${esc:%1}: a capture in ${…} is one of the rule's regex captures (lighttpd would take $1); write %{esc:1} for the condition's regex captures`},
		{"not a hash", `test-kv.rules = ( "/a", "/b" )`, `test-kv.rules: expected a list of key => string values`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.conf+"\n")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant it to contain %s", err, tc.want)
			}
		})
	}
}

func TestCompileWarnings(t *testing.T) {
	cases := []struct{ name, conf, want string }{
		{"$n beyond the groups", `test-kv.rules = ( "^/(a)(b)" => "/$3" )`, `$3 is replaced by nothing: the rule's regex has 2 groups`},
		{"${n} beyond the groups", `test-kv.rules = ( "^/(a)" => "/${12}" )`, `$12 is replaced by nothing`},
		{"%n in the global scope", `test-kv.rules = ( "^/a" => "/b%20c" )`, `%2 is replaced by nothing: the block this is set in has no =~ condition`},
		{"%n beyond the condition's groups", "$HTTP[\"host\"] =~ \"^(a)\" { test-kv.rules = ( \"^/a\" => \"/%5\" ) }", `%5 is replaced by nothing: the condition's regex has 1 groups`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := load(t, tc.conf+"\n")
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].String(), tc.want) {
				t.Fatalf("warnings = %v\nwant one containing %s", c.Warnings, tc.want)
			}
		})
	}
}

func TestMatchAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	c, err := load(t, `test-kv.rules = ( "^/old/(.*)" => "/new/$1", "^/a/b/c$" => "/d", "\.php$" => "/x" )`+"\n")
	if err != nil {
		t.Fatal(err)
	}
	rs := testModule.Of(c).Base().list.For(true)
	if n := testing.AllocsPerRun(100, func() {
		if rs.Match("/some/static/file.css?v=3") >= 0 {
			t.Fatal("matched")
		}
	}); n != 0 {
		t.Errorf("Match allocates %v times", n)
	}
}

func BenchmarkMatchMiss(b *testing.B) {
	c, err := load(b, `test-kv.rules = ( "^/old/(.*)" => "/new/$1", "^/a/b/c$" => "/d", "\.php$" => "/x" )`+"\n")
	if err != nil {
		b.Fatal(err)
	}
	rs := testModule.Of(c).Base().list.For(true)
	b.ReportAllocs()
	for b.Loop() {
		rs.Match("/some/static/file.css?v=3")
	}
}

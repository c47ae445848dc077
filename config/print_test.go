package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// printConfig prints cfg, failing the test on error.
func printConfig(t *testing.T, cfg *Config) string {
	t.Helper()
	var b strings.Builder
	if err := cfg.Print(&b); err != nil {
		t.Fatalf("print: %v", err)
	}
	return b.String()
}

func TestPrint(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{
			"only the document root",
			``,
			`server.document-root = "/srv/www"
`,
		},
		{
			"comments and blank lines are dropped, values evaluated",
			`# a comment
x = 1   # trailing comment

server.tag = "t/" + x
y = x + 1
z = "a" + "b"
`,
			`var.x = 1
server.tag = "t/1"
var.y = 2
var.z = "ab"
server.document-root = "/srv/www"
`,
		},
		{
			"arrays",
			`empty = ()
list = ( "a", "b", )
hash = (
  "k" => "v",
  1 => 2,
  "n" => ( "x" => (), "y" => ( 1, 2 ) ),
)
mixed = ( "a", "k" => "v" ) + ( "b" )
`,
			`var.empty = ( )
var.list = ( "a", "b" )
var.hash = ( "k" => "v", "1" => 2, "n" => ( "x" => ( ), "y" => ( 1, 2 ) ) )
var.mixed = ( "a", "k" => "v", "b" )
server.document-root = "/srv/www"
`,
		},
		{
			"strings with quotes and backslashes",
			`q = "say \"hi\""
win = "C:\dir\file"
re = "^/a\.b$"
bq = "a\\"b"
ml = "line1
line2"
`,
			`var.q = "say \"hi\""
var.win = "C:\dir\file"
var.re = "^/a\.b$"
var.bq = "a\\"b"
var.ml = "line1
line2"
server.document-root = "/srv/www"
`,
		},
		{
			"assignment operators leave the final value",
			`a = ( "x" )
b = 1
a += ( "y" )
b := 2
c += 3
`,
			`var.b = 2
var.a = ( "x", "y" )
var.c = 3
server.document-root = "/srv/www"
`,
		},
		{
			"env and var.CWD are resolved, predefined variables not printed",
			`host = env.HOST
root = var.CWD + "/htdocs"
`,
			`var.host = "example.org"
var.root = "/cwd/htdocs"
server.document-root = "/srv/www"
`,
		},
		{
			"assigned var.CWD is printed with :=",
			`var.CWD := "/etc/featherd"
conf = var.CWD + "/conf.d"
`,
			`var.CWD := "/etc/featherd"
var.conf = "/etc/featherd/conf.d"
server.document-root = "/srv/www"
`,
		},
		{
			"global block goes to the top level",
			`global {
  x = 1
}
$HTTP["host"] == "a" {
  global { y = 2 }
}
`,
			`var.x = 1
var.y = 2
server.document-root = "/srv/www"
$HTTP["host"] == "a" {
}
`,
		},
		{
			"conditionals nest with four spaces",
			`$HTTP["host"] == "example.org" {
	server.document-root = "/srv/example"
	$HTTP["url"] =~ "^/downloads/" {
		connection.kbytes-per-second = 2048
		$REQUEST_HEADER["X-Big"] == "1" { }
	}
}
$SERVER["socket"] == ":8080" { server.tag = "alt" }
`,
			`server.document-root = "/srv/www"
$HTTP["host"] == "example.org" {
    server.document-root = "/srv/example"
    $HTTP["url"] =~ "^/downloads/" {
        connection.kbytes-per-second = 2048
        $REQUEST_HEADER["X-Big"] == "1" {
        }
    }
}
$SERVER["socket"] == ":8080" {
    server.tag = "alt"
}
`,
		},
		{
			"chains are printed with else",
			`$HTTP["host"] == "a" { x = 1 } else if $HTTP["host"] =~ "^b" { x = 2 } elif $HTTP["url"] =$ ".c" {
  x = 3
} elsif $HTTP["url"] !~ "d" { } elseif $HTTP["url"] != "/e" { } else { x = 4 }
`,
			`server.document-root = "/srv/www"
$HTTP["host"] == "a" {
    var.x = 1
}
else $HTTP["host"] =~ "^b" {
    var.x = 2
}
else $HTTP["url"] =$ ".c" {
    var.x = 3
}
else $HTTP["url"] !~ "d" {
}
else $HTTP["url"] != "/e" {
}
else {
    var.x = 4
}
`,
		},
		{
			"a condition written twice is one block",
			`$HTTP["host"] == "a" { x = 1 }
$HTTP["host"] == "b" { x = 2 }
if $HTTP["host"] == "a" { y = 1 }
`,
			`server.document-root = "/srv/www"
$HTTP["host"] == "a" {
    var.x = 1
    var.y = 1
}
$HTTP["host"] == "b" {
    var.x = 2
}
`,
		},
		{
			"conditions keep what was written",
			`$HTTP["host"] == "Example.ORG" { }
$HTTP["url"] =~ "^/exact$" { }
$HTTP["remoteip"] == "10.0.0.0/8" { }
$HTTP["host"] == "a\"b" + env.HOST { }
`,
			`server.document-root = "/srv/www"
$HTTP["host"] == "Example.ORG" {
}
$HTTP["url"] =~ "^/exact$" {
}
$HTTP["remoteip"] == "10.0.0.0/8" {
}
$HTTP["host"] == "a\"bexample.org" {
}
`,
		},
		{
			"chain inside an else branch",
			`$HTTP["host"] == "a" { } else {
  $HTTP["url"] =^ "/x" { y = 1 } else { y = 2 }
}
`,
			`server.document-root = "/srv/www"
$HTTP["host"] == "a" {
}
else {
    $HTTP["url"] =^ "/x" {
        var.y = 1
    }
    else {
        var.y = 2
    }
}
`,
		},
		{
			"+= inside a block holds the merged value",
			`list = ( "a" )
$HTTP["host"] == "h" { list += ( "b" ) }
`,
			`var.list = ( "a" )
server.document-root = "/srv/www"
$HTTP["host"] == "h" {
    var.list = ( "a", "b" )
}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := synParse(t, tt.src)
			if got := printConfig(t, cfg); got != tt.want {
				t.Errorf("print of\n%s\n--- got:\n%s--- want:\n%s", tt.src, got, tt.want)
			}
		})
	}
}

// Includes are inlined where they stand, so the printed configuration
// reads nothing else.
func TestPrintInlinesIncludes(t *testing.T) {
	dir := incTree(t, map[string]string{
		"main.conf": `x = "main"
include "conf.d/*.conf"
$HTTP["host"] == "a" {
  include_shell "echo 'y = 1'"
}` + synDocroot,
		"conf.d/a.conf": `a = "a"`,
		"conf.d/b.conf": `$HTTP["url"] == "/b" { b = x }`,
	})
	got := printConfig(t, incLoad(t, dir))
	want := `var.x = "main"
var.a = "a"
server.document-root = "/srv/www"
$HTTP["url"] == "/b" {
    var.b = "main"
}
$HTTP["host"] == "a" {
    var.y = 1
}
`
	if got != want {
		t.Errorf("got:\n%s--- want:\n%s", got, want)
	}
}

// roundTripSources are configurations whose printed form must read back
// to the same printed form.
var roundTripSources = []struct{ name, src string }{
	{"empty", ``},
	{"scalars", `x = 1
y = "a" + x
server.tag = "featherd"`},
	{"quote and backslash before a quote", `q = "say \"hi\""
bq = "a\\"b"
end = "x\\""
win = "C:\dir\x"
re = "\.(jpg|png)$"`},
	{"backslash from env followed by a quote", `w = env.WIN + "\"quoted"`},
	{"multi-line string", "m = \"a\n  b\n\"\nn = 1"},
	{"CRLF source", "x = 1\r\n$HTTP[\"host\"] == \"a\" {\r\n  y = 2\r\n}\r\n"},
	{"arrays", `a = ( "x", "k" => ( 1, ( ) ), 2 => "v", "" => "empty key" )
a += ( "z" )`},
	{"var.CWD :=", `var.CWD := "/etc/featherd"
x = var.CWD + "/x"`},
	{"var.CWD used but not assigned", `root = var.CWD + "/htdocs"`},
	{"var.CWD := after other settings", `x = 1
var.CWD := "/etc/featherd"`},
	{"var.CWD +=", `var.CWD += "/sub"`},
	{"var.CWD += after other settings", `x = 1
var.CWD += "/sub"`},
	{"var.PID +=", `x = 1
var.PID += 1`},
	{"var.CWD in a block", `$HTTP["host"] == "a" { var.CWD = "/a" }`},
	{"conditions", `$HTTP["host"] == "a" {
  x = 1
  $HTTP["url"] =~ "^/x$" { y = 2 } else { y = 3 }
} else $HTTP["host"] =~ "(^|\.)b\.org$" {
  x = 2
} else {
  x = 3
}
$SERVER["socket"] == ":8080" { }
$HTTP["remoteip"] != "10.0.0.0/8" { }
$REQUEST_HEADER["X-A"] =^ "q\"r" { }`},
	{"blocks reopened", `$HTTP["host"] == "a" { x = 1 } else $HTTP["host"] == "b" { y = 1 }
$HTTP["host"] == "b" { z = 1 }
$HTTP["host"] == "a" { w = 1 }`},
	{"global block", `global { x = 1 }
$HTTP["host"] == "a" { global { y = 2 } }`},
	{"keys", `X = 1
-y = 2
.z = 3
ENV.a = 4
if = 5`},
}

func TestPrintRoundTrip(t *testing.T) {
	for _, tt := range roundTripSources {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("a.conf", tt.src+synDocroot, "/dir/a", LoadOptions{Dir: "/dir/a", LookupEnv: synEnv})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			first := printConfig(t, cfg)
			// Read the output back as if from another directory, where
			// var.CWD differs: the printed form must not depend on it.
			for _, dir := range []string{"/dir/a", "/other/b"} {
				again, err := Parse("b.conf", first, dir, LoadOptions{Dir: dir, LookupEnv: synEnv})
				if err != nil {
					t.Fatalf("reparse in %s: %v\n%s", dir, err, first)
				}
				if second := printConfig(t, again); second != first {
					t.Errorf("reparsed in %s, printed differently\n--- first:\n%s--- second:\n%s", dir, first, second)
				}
			}
		})
	}
}

// The example configuration shipped with featherd round-trips too.
func TestPrintRoundTripExample(t *testing.T) {
	path := filepath.Join("..", "examples", "featherd.conf")
	if _, err := os.Stat(path); err != nil {
		t.Skip("no example configuration")
	}
	cfg, err := LoadFile(path, LoadOptions{LookupEnv: synEnv})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	first := printConfig(t, cfg)
	again, err := Parse("printed.conf", first, t.TempDir(), LoadOptions{Dir: "/elsewhere", LookupEnv: synEnv})
	if err != nil {
		t.Fatalf("reparse: %v\n%s", err, first)
	}
	if second := printConfig(t, again); second != first {
		t.Errorf("printed differently\n--- first:\n%s--- second:\n%s", first, second)
	}
}

// Blocks merge in the order their conditions first appear (lighttpd's
// context_ndx); the printed configuration must keep that order, or an
// option set by two matching blocks changes value after printing.
func TestPrintKeepsMergeOrder(t *testing.T) {
	tests := []struct{ name, src string }{
		{"else branch written after another block", `$HTTP["url"] =~ "^/x" { }
$HTTP["url"] =~ "a" { server.max-read-idle = 1 }
$HTTP["url"] =~ "^/x" { } else $HTTP["url"] =~ "b" { server.max-read-idle = 2 }`},
		{"block reopened with a new child", `$HTTP["host"] == "a" { }
$HTTP["url"] =^ "/x" { server.max-read-idle = 1 }
$HTTP["host"] == "a" {
  $HTTP["scheme"] == "http" { server.max-read-idle = 2 }
}`},
	}
	order := func(cfg *Config) string {
		var s []string
		for _, b := range cfg.Blocks[1:] {
			path := b.Cond.String()
			for p := b.Parent; p.Cond != nil; p = p.Parent {
				path = p.Cond.String() + " / " + path
			}
			s = append(s, path)
		}
		return strings.Join(s, "\n")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := synParse(t, tt.src)
			printed := printConfig(t, cfg)
			again, err := Parse("p.conf", printed, "", synOpts())
			if err != nil {
				t.Fatalf("reparse: %v\n%s", err, printed)
			}
			if got, want := order(again), order(cfg); got != want {
				t.Errorf("block order changed by printing\n--- printed:\n%s--- order after: \n%s\n--- order before:\n%s", printed, got, want)
			}
		})
	}
}

// lighttpd.conf has no escape for a backslash, so a string ending in one
// (only env.* can make it) cannot be written back; Print says so instead
// of writing a file that reads differently.
func TestPrintStringEndingInBackslash(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"value", "x = 1\n  w = env.WIN", `t.conf:2:3: cannot print "C:\": lighttpd.conf strings cannot end with a backslash`},
		{"array element", `w = ( "a", ( env.WIN ) )`, `t.conf:1:1: cannot print "C:\": lighttpd.conf strings cannot end with a backslash`},
		{"array key", `w = ( env.WIN => 1 )`, `t.conf:1:1: cannot print "C:\": lighttpd.conf strings cannot end with a backslash`},
		{"in a block", "$HTTP[\"host\"] == \"a\" {\n  w = \"x\" + env.WIN\n}", `t.conf:2:3: cannot print "xC:\": lighttpd.conf strings cannot end with a backslash`},
		{"condition", "\n$HTTP[\"url\"] == env.WIN { }", `t.conf:2:1: cannot print "C:\": lighttpd.conf strings cannot end with a backslash`},
		{"else branch of such a condition", "$HTTP[\"host\"] == \"a\" { } else $HTTP[\"url\"] =^ env.WIN { }", `t.conf:1:31: cannot print "C:\": lighttpd.conf strings cannot end with a backslash`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := synParse(t, tt.src)
			var b strings.Builder
			err := cfg.Print(&b)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error is %T, want *Error", err)
			}
		})
	}
}

// A backslash followed by more text, even by a quote, prints fine.
func TestPrintBackslashNotAtEnd(t *testing.T) {
	cfg := synParse(t, `w = env.WIN + "\"x"`)
	got := printConfig(t, cfg)
	if want := "var.w = \"C:\\\\\"x\"\n"; !strings.HasPrefix(got, want) {
		t.Fatalf("got %q, want prefix %q", got, want)
	}
	again, err := Parse("p.conf", got, "", synOpts())
	if err != nil {
		t.Fatal(err)
	}
	if v := synGet(t, again.Blocks[0], "var.w").Str; v != `C:\"x` {
		t.Errorf("read back %q, want %q", v, `C:\"x`)
	}
}

// Value.String is lighttpd.conf source for one value.
func TestValueString(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{StringValue(""), `""`},
		{StringValue(`a"b\c`), `"a\"b\c"`},
		{IntValue(0), `0`},
		{IntValue(2147483647), `2147483647`},
		{ArrayValue(), `( )`},
		{ArrayValue(Element{Value: StringValue("a")}, Element{Key: "k", Keyed: true, Value: IntValue(1)}), `( "a", "k" => 1 )`},
		{ArrayValue(Element{Key: "o", Keyed: true, Value: ArrayValue(Element{Value: ArrayValue()})}), `( "o" => ( ( ) ) )`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.v.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

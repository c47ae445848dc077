package config

import (
	"errors"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	// a typical small site
	`server.document-root = "/srv/www/htdocs"
server.port = 8080
server.bind = "127.0.0.1"
server.tag = "featherd"
index-file.names = ( "index.html", "index.htm" )
mimetype.assign = ( ".html" => "text/html", ".css" => "text/css", "" => "application/octet-stream" )
static-file.exclude-extensions = ( ".php", "~" )
`,
	// variables, env, merging
	`var.basedir = var.CWD + "/www"
server.document-root = basedir + "/default"
server.tag = "featherd/" + 1 + "." + 4
server.max-keep-alive-requests = 100 + 900
server.upload-dirs = ( "/var/tmp" )
server.upload-dirs += ( "/tmp" )
x = env.HOST
`,
	// virtual hosts with an else chain
	`server.document-root = "/srv/www/default"
$HTTP["host"] == "static.example.org" {
  server.document-root = "/srv/www/static"
  index-file.names = ()
}
else $HTTP["host"] =~ "^(www\.)?example\.org$" {
  server.max-read-idle = 90
}
else {
  server.document-root = "/srv/www/fallback"
}
`,
	// nested conditions and every operator
	`server.document-root = "/srv"
$HTTP["url"] =^ "/downloads/" {
  connection.kbytes-per-second = 2048
  $HTTP["querystring"] =~ "fast" { connection.kbytes-per-second = 0 }
  $REQUEST_HEADER["User-Agent"] !~ "bot" { server.range-requests = "enable" }
}
$HTTP["url"] =$ ".mp4" { server.max-write-idle = 600 }
$HTTP["remoteip"] != "10.0.0.0/8" { server.follow-symlink = "disable" }
$HTTP["scheme"] == "https" { } elif $HTTP["request-method"] == "POST" { } else { }
`,
	// braces on their own lines
	"server.document-root = \"/srv\"\n$HTTP[\"host\"] == \"a\"\n{\n  x = 1\n}\nelse $HTTP[\"host\"] == \"b\" # b\n\n{\n  $HTTP[\"url\"] =^ \"/p\"\n  {\n  }\n}\nelse\n{\n  global\n  {\n    y = 1\n  }\n}\n",
	// sockets
	`server.document-root = "/srv"
server.port = 80
$SERVER["socket"] == ":8080" { server.document-root = "/srv/alt" }
$SERVER["socket"] == "[::1]:8081" { server.use-ipv6 = "enable" }
$SERVER["socket"] != "127.0.0.1:8082" { }
`,
	// feature flags and parse options
	`server.document-root = "/srv"
server.feature-flags = ( "server.graceful-restart-bg" => "enable", "server.graceful-shutdown-timeout" => 30 )
server.feature-flags += ( "server.h2proto" => "disable" )
server.http-parseopts = ( "header-strict" => "enable", "url-path-2f-decode" => "disable" )
`,
	// global blocks, if, comma and U+00A0 quirks
	"server.document-root = \"/srv\",\nglobal {\n  server.tag = \"g\"\n}\nif $HTTP[\"host\"] == \"a\" {\n\u00a0 x = 1\n} else if $HTTP[\"host\"] == \"b\" { x = 2 }\n",
	// strings with quotes and backslashes, multi-line strings, CRLF
	"server.document-root = \"/srv\"\r\nq = \"say \\\"hi\\\"\"\r\nw = \"C:\\dir\\file\"\r\nm = \"a\nb\"\r\nr = \"a\\\\\"b\"\r\n",
	// includes (refused in the sandbox, still worth mutating)
	`server.document-root = "/srv"
include "conf.d/*.conf"
include "{mods,vhosts}/*.conf"
$HTTP["host"] == "a" { include_shell "cat /etc/featherd/a.conf" }
`,
	// merge errors and duplicates
	`server.document-root = "/srv"
a = ( "k" => 1 ) + ( "k" => 1 )
b = 2147483647
c = "x" + 1 + 2
d = 1 + "x"
x = 1
x := 2
x += 3
`,
	// deep nesting
	`server.document-root = "/srv"
$HTTP["host"] == "a" {
  $HTTP["url"] =^ "/1" {
    $HTTP["querystring"] == "q" {
      $REQUEST_HEADER["X"] == "y" { var.deep = ( ( ( "k" => ( 1, 2 ) ) ) ) }
    }
  }
}
`,
	// var.CWD and var.PID assignments
	`var.CWD := var.CWD + "/sub"
var.PID := 1
server.document-root = var.CWD
$HTTP["host"] == "a" { var.CWD = "/a" }
`,
	// a string ending in a backslash, via env
	`server.document-root = "/srv"
w = env.WIN
`,
	// else branches are named after the negated condition; reopened chains
	`server.document-root = "/srv"
$HTTP["url"] != "/a" { }
$HTTP["url"] =~ "^/b$" { } else { }
$HTTP["host"] == "A" { } else $HTTP["host"] == "b" { }
$HTTP["host"] == "a" { y = 1 } else $HTTP["host"] == "b" { z = 1 }
`,
}

// fuzzTree parses src into the block tree only, without typing options,
// so that sources lacking server.document-root still exercise Print.
func fuzzTree(name, src string, opts LoadOptions) (*Config, error) {
	t := newTree(&opts, "")
	if err := t.parse(name, src); err != nil {
		return nil, err
	}
	return &Config{Source: name, Blocks: t.blocks}, nil
}

// isBackslashError reports whether err is Print refusing a string that
// ends in a backslash, the one thing lighttpd.conf cannot express.
func isBackslashError(err error) bool {
	var e *Error
	return errors.As(err, &e) && strings.HasSuffix(e.Msg, "lighttpd.conf strings cannot end with a backslash")
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		// Dir and LookupEnv keep a crasher reproducible on any machine.
		opts := LoadOptions{Sandbox: true, Dir: "/fuzz", LookupEnv: synEnv}
		full, fullErr := Parse("fuzz.conf", src, "", opts)
		if fullErr == nil && full == nil {
			t.Fatal("Parse returned neither a config nor an error")
		}
		cfg, err := fuzzTree("fuzz.conf", src, opts)
		if err != nil {
			if fullErr == nil {
				t.Fatalf("the tree failed (%v) but Parse succeeded", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			return
		}
		var first strings.Builder
		if err := cfg.Print(&first); err != nil {
			if !isBackslashError(err) {
				t.Fatalf("print: %v", err)
			}
			return
		}
		again, err := fuzzTree("printed.conf", first.String(), opts)
		if err != nil {
			t.Fatalf("printed output does not parse: %v\n--- source:\n%q\n--- printed:\n%s", err, src, first.String())
		}
		var second strings.Builder
		if err := again.Print(&second); err != nil {
			t.Fatalf("printing the reparsed output: %v", err)
		}
		if first.String() != second.String() {
			t.Fatalf("round trip differs\n--- source:\n%q\n--- first:\n%s--- second:\n%s", src, first.String(), second.String())
		}
		if fullErr == nil {
			// What loaded once must load again from its printed form.
			if _, err := Parse("printed.conf", first.String(), "", opts); err != nil {
				t.Fatalf("printed output does not load: %v\n--- source:\n%q\n--- printed:\n%s", err, src, first.String())
			}
			var viaParse strings.Builder
			if err := full.Print(&viaParse); err != nil || viaParse.String() != first.String() {
				t.Fatalf("Print of the loaded config differs from Print of its tree (%v)", err)
			}
		}
	})
}

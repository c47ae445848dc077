package config

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// synDocroot is appended to sources that must load: loading fails without
// server.document-root, and appending keeps the test's line numbers.
const synDocroot = "\nserver.document-root = \"/srv/www\"\n"

// synEnv is the environment every parser test sees, so results never
// depend on the machine running them.
func synEnv(name string) (string, bool) {
	v, ok := map[string]string{
		"HOST":  "example.org",
		"PORT":  "8080",
		"EMPTY": "",
		"WIN":   `C:\`,
	}[name]
	return v, ok
}

func synOpts() LoadOptions {
	return LoadOptions{Dir: "/cwd", LookupEnv: synEnv}
}

// synParse parses src (plus a document root) and fails the test on error.
func synParse(t *testing.T, src string) *Config {
	t.Helper()
	cfg, err := Parse("t.conf", src+synDocroot, "", synOpts())
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return cfg
}

// synParseErr parses src, which must fail, and returns the message.
func synParseErr(t *testing.T, src string) string {
	t.Helper()
	cfg, err := Parse("t.conf", src, "", synOpts())
	if err == nil {
		t.Fatalf("parse %q: no error", src)
	}
	if cfg != nil {
		t.Errorf("parse %q: got a config together with error %v", src, err)
	}
	return err.Error()
}

// synGet returns the value of key in block b, failing the test if unset.
func synGet(t *testing.T, b *Block, key string) Value {
	t.Helper()
	s, ok := b.Lookup(key)
	if !ok {
		t.Fatalf("block %d has no %s; settings: %v", b.Index, key, synKeys(b))
	}
	return s.Value
}

func synKeys(b *Block) []string {
	var keys []string
	for _, s := range b.Settings {
		keys = append(keys, s.Key)
	}
	return keys
}

// synBlock finds the block whose condition prints as cond ("else" for a
// bare else; the first one found).
func synBlock(t *testing.T, cfg *Config, cond string) *Block {
	t.Helper()
	for _, b := range cfg.Blocks[1:] {
		if b.Cond.String() == cond {
			return b
		}
	}
	t.Fatalf("no block %s; blocks: %s", cond, synConds(cfg))
	return nil
}

func synConds(cfg *Config) string {
	var s []string
	for _, b := range cfg.Blocks[1:] {
		s = append(s, strconv.Itoa(b.Index)+":"+b.Cond.String())
	}
	return strings.Join(s, "; ")
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		name string
		src  string
		key  string // in the global block
		want string // the value as lighttpd.conf source
	}{
		{"string", `x = "a"`, "var.x", `"a"`},
		{"integer", `x = 42`, "var.x", `42`},
		{"leading zeros", `x = 0042`, "var.x", `42`},
		{"largest integer", `x = 2147483647`, "var.x", `2147483647`},
		{"key with a dot is kept", `server.tag = "t"`, "server.tag", `"t"`},
		{"key without a dot becomes var.", `myvar = 1`, "var.myvar", `1`},
		{"var. written out", `var.x = 1`, "var.x", `1`},
		{"string + string", `x = "a" + "b" + "c"`, "var.x", `"abc"`},
		{"int + int", `x = 1 + 2 + 3`, "var.x", `6`},
		{"int + int up to the limit", `x = 2147483646 + 1`, "var.x", `2147483647`},
		{"string + int", `x = "port" + 80`, "var.x", `"port80"`},
		{"int + string", `x = 80 + "80"`, "var.x", `"8080"`},
		{"left to right", `x = 1 + 2 + "a" + 3 + 4`, "var.x", `"3a34"`},
		{"array + array", `x = ("a") + ("b", "c")`, "var.x", `( "a", "b", "c" )`},
		{"hash + hash", `x = ("a" => 1) + ("b" => 2)`, "var.x", `( "a" => 1, "b" => 2 )`},
		{"same key and value is dropped", `x = ("a" => 1, "b" => "s") + ("a" => 1, "b" => "s", "c" => 3)`, "var.x", `( "a" => 1, "b" => "s", "c" => 3 )`},
		{"same key in another case, same value", `x = ("a" => "v") + ("A" => "v")`, "var.x", `( "a" => "v" )`},
		{"list elements may repeat", `x = ("a", "b") + ("a")`, "var.x", `( "a", "b", "a" )`},
		{"empty + array", `x = () + ("a")`, "var.x", `( "a" )`},
		{"empty array", `x = ()`, "var.x", `( )`},
		{"empty array with blanks", "x = (\n  )", "var.x", `( )`},
		{"trailing comma", `x = ( "a", )`, "var.x", `( "a" )`},
		{"trailing comma in a hash", `x = ( "k" => "v", )`, "var.x", `( "k" => "v" )`},
		{"trailing comma before a newline", "x = (\n  \"a\",\n  \"b\",\n)", "var.x", `( "a", "b" )`},
		{"nested arrays", `x = ( ( "a", "b" ), ( "c" => () ) )`, "var.x", `( ( "a", "b" ), ( "c" => ( ) ) )`},
		{"nested hashes", `x = ( "k" => ( "k2" => ( 1, 2 ) ) )`, "var.x", `( "k" => ( "k2" => ( 1, 2 ) ) )`},
		{"mixed list and hash", `x = ( "a", "k" => "v" )`, "var.x", `( "a", "k" => "v" )`},
		{"integer key", `x = ( 1 => "a" )`, "var.x", `( "1" => "a" )`},
		{"expression as key", `x = ( "a" + "b" + 1 => 1 )`, "var.x", `( "ab1" => 1 )`},
		{"variable as key", "k = \"key\"\nx = ( k => 1 )", "var.x", `( "key" => 1 )`},
		{"expressions as elements", `x = ( "a" + "b", 1 + 2 )`, "var.x", `( "ab", 3 )`},
		{"comments and blank lines in an array", "x = (\n  \"a\", # first\n\n  # a comment line\n  \"b\"\n)", "var.x", `( "a", "b" )`},
		{"string with escaped quotes", `x = "say \"hi\""`, "var.x", `"say \"hi\""`},
		{"multi-line string", "x = \"a\nb\"", "var.x", "\"a\nb\""},
		{"variable reference", "x = \"a\"\ny = x + \"b\"", "var.y", `"ab"`},
		{"variable reference with var.", "x = \"a\"\ny = var.x", "var.y", `"a"`},
		{"variable names compare ignoring case", "X = \"a\"\ny = x", "var.y", `"a"`},
		{"array variable", "x = (\"a\")\ny = x + (\"b\")", "var.y", `( "a", "b" )`},
		{"reference copies the value", "x = (\"a\")\ny = x\nx += (\"b\")", "var.y", `( "a" )`},
		{"var.CWD is predefined", `x = var.CWD + "/htdocs"`, "var.x", `"/cwd/htdocs"`},
		{"CWD without var.", `x = CWD`, "var.x", `"/cwd"`},
		{"var.CWD replaced", "var.CWD := \"/other\"\nx = var.CWD", "var.x", `"/other"`},
		{"var.CWD appended", "var.CWD += \"/sub\"\nx = var.CWD", "var.x", `"/cwd/sub"`},
		{"var.PID is predefined", `x = var.PID`, "var.x", strconv.Itoa(os.Getpid())},
		{"env", `x = env.HOST`, "var.x", `"example.org"`},
		{"env in an expression", `x = "www." + env.HOST + ":" + env.PORT`, "var.x", `"www.example.org:8080"`},
		{"empty env", `x = env.EMPTY`, "var.x", `""`},
		{"env in an array", `x = ( env.HOST => env.PORT )`, "var.x", `( "example.org" => "8080" )`},
		{"comma between statements is ignored", `x = 1, y = 2`, "var.y", `2`},
		{"if is a plain name", "if = 1", "var.if", `1`},
		{"two statements on one line", `x = 1 y = x + 1`, "var.y", `2`},
		{"U+00A0 between tokens", "x\u00a0=\u00a0\"a\"", "var.x", `"a"`},
		{"CRLF", "x = 1\r\ny = x + 1\r\n", "var.y", `2`},
		{"no newline at the end", `x = "a"`, "var.x", `"a"`},
		{"assignment without spaces", `x="a"+"b"`, "var.x", `"ab"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("t.conf", tt.src+synDocroot, "", synOpts())
			if err != nil {
				t.Fatalf("parse %q: %v", tt.src, err)
			}
			if got := synGet(t, cfg.Blocks[0], tt.key).String(); got != tt.want {
				t.Errorf("parse %q: %s = %s, want %s", tt.src, tt.key, got, tt.want)
			}
		})
	}
}

// The value printer is what the table above compares; check once that
// it tells the kinds apart and keeps keys as written.
func TestParseValueKinds(t *testing.T) {
	cfg := synParse(t, `x = ( "1", 1, "K" => ( ), 2 => "v" )`)
	want := ArrayValue(
		Element{Value: StringValue("1")},
		Element{Value: IntValue(1)},
		Element{Key: "K", Keyed: true, Value: Value{Kind: KindArray, List: []Element{}}},
		Element{Key: "2", Keyed: true, Value: StringValue("v")},
	)
	got := synGet(t, cfg.Blocks[0], "var.x")
	if !got.Equal(want) || got.List[2].Key != "K" {
		t.Errorf("got %#v, want %#v", got, want)
	}
	if got.List[2].Value.Kind != KindArray || len(got.List[2].Value.List) != 0 {
		t.Errorf("empty nested array: got %#v", got.List[2].Value)
	}
}

func TestParseAssignmentOperators(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // "key=value" of the global block's var.* settings, in order
	}{
		{"= appends", "a = 1\nb = 2", `var.a=1 var.b=2`},
		{":= replaces in place", "a = 1\nb = 2\na := 3", `var.a=3 var.b=2`},
		{":= of a new key", "a := 1", `var.a=1`},
		{":= twice", "a := 1\na := \"x\"", `var.a="x"`},
		{":= may change the type", "a = 1\na := (\"x\")", `var.a=( "x" )`},
		{"+= of a new key is =", "a += 1", `var.a=1`},
		{"+= of a new array key is =", "a += (\"x\")", `var.a=( "x" )`},
		{"+= merges and moves to the end", "a = \"x\"\nb = 2\na += \"y\"", `var.b=2 var.a="xy"`},
		{"+= integers", "a = 1\na += 2\na += 3", `var.a=6`},
		{"+= string and integer", "a = \"x\"\na += 1", `var.a="x1"`},
		{"+= integer and string", "a = 1\na += \"x\"", `var.a="1x"`},
		{"+= arrays", "a = (\"x\")\na += (\"y\")\na += (\"k\" => \"v\")", `var.a=( "x", "y", "k" => "v" )`},
		{"+= same key and value", "a = (\"k\" => \"v\")\na += (\"K\" => \"v\")", `var.a=( "k" => "v" )`},
		{"+= expression", "a = \"x\"\na += \"y\" + \"z\" + 1", `var.a="xyz1"`},
		{"+= finds the key ignoring case", "a = 1\nA += 1", `var.A=2`},
		{"var. prefix and bare name are one key", "a = 1\nvar.a += 1", `var.a=2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := synParse(t, tt.src)
			var got []string
			for _, s := range cfg.Blocks[0].Settings {
				if strings.HasPrefix(strings.ToLower(s.Key), "var.") && s.Pos.Line > 0 {
					got = append(got, s.Key+"="+s.Value.String())
				}
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("parse %q\n got: %s\nwant: %s", tt.src, g, tt.want)
			}
		})
	}
}

// += inside a block starts from the nearest enclosing value and leaves
// the enclosing block alone.
func TestParseAppendCopiesFromEnclosingBlock(t *testing.T) {
	cfg := synParse(t, `x = ( "a" )
s = "g"
$HTTP["host"] == "h" {
  x += ( "b" )
  s += "1"
  $HTTP["url"] =^ "/p" {
    x += ( "c" )
    s += "2"
    y = s
  }
  $HTTP["url"] =^ "/q" {
    s += "3"
  }
}
x := ( "z" )
s := "late"`)
	host := synBlock(t, cfg, `$HTTP["host"] == "h"`)
	url := synBlock(t, cfg, `$HTTP["url"] =^ "/p"`)
	q := synBlock(t, cfg, `$HTTP["url"] =^ "/q"`)
	checks := []struct {
		b    *Block
		key  string
		want string
	}{
		{cfg.Blocks[0], "var.x", `( "z" )`},
		{cfg.Blocks[0], "var.s", `"late"`},
		{host, "var.x", `( "a", "b" )`},
		{host, "var.s", `"g1"`},
		{url, "var.x", `( "a", "b", "c" )`},
		{url, "var.s", `"g12"`},
		{url, "var.y", `"g12"`},
		{q, "var.s", `"g13"`},
	}
	for _, c := range checks {
		if got := synGet(t, c.b, c.key).String(); got != c.want {
			t.Errorf("block %d %s = %s, want %s", c.b.Index, c.key, got, c.want)
		}
	}
	if _, ok := host.Lookup("var.y"); ok {
		t.Errorf("var.y leaked into the parent block")
	}
}

func TestParseVariableScopes(t *testing.T) {
	cfg := synParse(t, `x = 1
$HTTP["host"] == "a" {
  x = 2
  y = x
  $HTTP["url"] == "/" {
    z = x + y
  }
}
$HTTP["host"] == "b" {
  y = x
}`)
	a := synBlock(t, cfg, `$HTTP["host"] == "a"`)
	u := synBlock(t, cfg, `$HTTP["url"] == "/"`)
	b := synBlock(t, cfg, `$HTTP["host"] == "b"`)
	for _, c := range []struct {
		b    *Block
		key  string
		want string
	}{
		{cfg.Blocks[0], "var.x", "1"},
		{a, "var.x", "2"},
		{a, "var.y", "2"},
		{u, "var.z", "4"},
		{b, "var.y", "1"},
	} {
		if got := synGet(t, c.b, c.key).String(); got != c.want {
			t.Errorf("block %d %s = %s, want %s", c.b.Index, c.key, got, c.want)
		}
	}
}

func TestParseSettingPositions(t *testing.T) {
	cfg := synParse(t, "a = 1\n  b = 2\n$HTTP[\"host\"] == \"h\" {\n\tc = 3\n}\na := 4\nb += 1")
	h := synBlock(t, cfg, `$HTTP["host"] == "h"`)
	for _, c := range []struct {
		b    *Block
		key  string
		want string
	}{
		{cfg.Blocks[0], "var.a", "t.conf:6:1"}, // the last assignment wins
		{cfg.Blocks[0], "var.b", "t.conf:7:1"},
		{h, "var.c", "t.conf:4:2"},
	} {
		s, _ := c.b.Lookup(c.key)
		if s.Pos.String() != c.want {
			t.Errorf("%s at %s, want %s", c.key, s.Pos, c.want)
		}
	}
	if h.Pos.String() != "t.conf:3:1" {
		t.Errorf("block at %s, want t.conf:3:1", h.Pos)
	}
	for _, key := range []string{"var.CWD", "var.PID"} {
		s, ok := cfg.Blocks[0].Lookup(key)
		if !ok || s.Pos.Line != 0 {
			t.Errorf("predefined %s: %v, %v; want present without a position", key, s, ok)
		}
	}
}

func TestParseVarCWDDefaultsToWorkingDirectory(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse("t.conf", "x = var.CWD"+synDocroot, "", LoadOptions{LookupEnv: synEnv})
	if err != nil {
		t.Fatal(err)
	}
	if got := synGet(t, cfg.Blocks[0], "var.x"); got.Str != wd {
		t.Errorf("var.CWD = %q, want %q", got.Str, wd)
	}
}

func TestParseEnvUsesLookupHook(t *testing.T) {
	var asked []string
	opts := LoadOptions{LookupEnv: func(name string) (string, bool) {
		asked = append(asked, name)
		return "v-" + name, true
	}}
	cfg, err := Parse("t.conf", "x = env.A + env.b_c"+synDocroot, "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := synGet(t, cfg.Blocks[0], "var.x").Str; got != "v-Av-b_c" {
		t.Errorf("x = %q", got)
	}
	if strings.Join(asked, ",") != "A,b_c" {
		t.Errorf("looked up %v, want [A b_c]", asked)
	}
}

func TestParseSameConditionNamesSameBlock(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		blocks int // including the global one
	}{
		{"written twice", "$HTTP[\"host\"] == \"a\" { x = 1 }\n$HTTP[\"host\"] == \"a\" { y = 1 }", 2},
		{"if keyword makes no difference", "$HTTP[\"host\"] == \"a\" { x = 1 }\nif $HTTP[\"host\"] == \"a\" { y = 1 }", 2},
		{"anchored regex is ==", "$HTTP[\"url\"] == \"/a\" { x = 1 }\n$HTTP[\"url\"] =~ \"^/a$\" { y = 1 }", 2},
		{"host compares lower-cased", "$HTTP[\"host\"] == \"A.org\" { x = 1 }\n$HTTP[\"host\"] == \"a.org\" { y = 1 }", 2},
		{"different operator", "$HTTP[\"host\"] == \"a\" { x = 1 }\n$HTTP[\"host\"] != \"a\" { y = 1 }", 3},
		{"different value", "$HTTP[\"host\"] == \"a\" { x = 1 }\n$HTTP[\"host\"] == \"b\" { y = 1 }", 3},
		{"different parent", "$HTTP[\"host\"] == \"a\" { x = 1 }\n$HTTP[\"url\"] == \"/\" {\n  $HTTP[\"host\"] == \"a\" { y = 1 }\n}", 4},
		{"url is case-sensitive", "$HTTP[\"url\"] == \"/A\" { x = 1 }\n$HTTP[\"url\"] == \"/a\" { y = 1 }", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := synParse(t, tt.src)
			if len(cfg.Blocks) != tt.blocks {
				t.Fatalf("%d blocks (%s), want %d", len(cfg.Blocks), synConds(cfg), tt.blocks)
			}
			if tt.blocks == 2 {
				b := cfg.Blocks[1]
				if got := strings.Join(synKeys(b), " "); got != "var.x var.y" {
					t.Errorf("settings %s, want var.x var.y", got)
				}
				if len(cfg.Blocks[0].Children) != 1 {
					t.Errorf("global has %d children, want 1", len(cfg.Blocks[0].Children))
				}
			}
		})
	}
}

func TestParseNesting(t *testing.T) {
	cfg := synParse(t, `$HTTP["host"] == "a" {
  x = 1
  $HTTP["url"] =^ "/p" {
    x = 2
    $HTTP["scheme"] == "https" { y = x }
  }
  $HTTP["url"] =^ "/q" { }
}
$SERVER["socket"] == ":8080" { }`)
	want := []struct {
		cond   string
		parent int
		pos    string
	}{
		{`$HTTP["host"] == "a"`, 0, "t.conf:1:1"},
		{`$HTTP["url"] =^ "/p"`, 1, "t.conf:3:3"},
		{`$HTTP["scheme"] == "https"`, 2, "t.conf:5:5"},
		{`$HTTP["url"] =^ "/q"`, 1, "t.conf:7:3"},
		{`$SERVER["socket"] == ":8080"`, 0, "t.conf:9:1"},
	}
	if len(cfg.Blocks) != len(want)+1 {
		t.Fatalf("blocks: %s", synConds(cfg))
	}
	for i, w := range want {
		b := cfg.Blocks[i+1]
		if b.Index != i+1 || b.Cond.String() != w.cond || b.Parent.Index != w.parent || b.Pos.String() != w.pos {
			t.Errorf("block %d: index %d, %s, parent %d, at %s; want %s, parent %d, at %s",
				i+1, b.Index, b.Cond, b.Parent.Index, b.Pos, w.cond, w.parent, w.pos)
		}
		if b.Prev != nil || b.Next != nil {
			t.Errorf("block %d is chained", i+1)
		}
	}
	if cfg.Blocks[0].Parent != nil || cfg.Blocks[0].Cond != nil {
		t.Errorf("global block has a parent or condition")
	}
	children := func(b *Block) (s []int) {
		for _, c := range b.Children {
			s = append(s, c.Index)
		}
		return s
	}
	for i, w := range [][]int{{1, 5}, {2, 4}, {3}, nil, nil, nil} {
		if got := children(cfg.Blocks[i]); fmtInts(got) != fmtInts(w) {
			t.Errorf("children of block %d: %v, want %v", i, got, w)
		}
	}
	if got := synGet(t, cfg.Blocks[3], "var.y").String(); got != "2" {
		t.Errorf("y = %s, want 2", got)
	}
}

func fmtInts(v []int) string {
	var s []string
	for _, n := range v {
		s = append(s, strconv.Itoa(n))
	}
	return "[" + strings.Join(s, " ") + "]"
}

func TestParseElseChains(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		chain string // the branches of the chain starting at block 1
	}{
		{"else", `$HTTP["host"] == "a" { x = 1 } else { x = 2 }`, `$HTTP["host"] == "a" | else`},
		{"else $cond", `$HTTP["host"] == "a" { } else $HTTP["host"] == "b" { }`, `$HTTP["host"] == "a" | $HTTP["host"] == "b"`},
		{"else if", `$HTTP["host"] == "a" { } else if $HTTP["host"] == "b" { }`, `$HTTP["host"] == "a" | $HTTP["host"] == "b"`},
		{"elif", `$HTTP["host"] == "a" { } elif $HTTP["host"] == "b" { }`, `$HTTP["host"] == "a" | $HTTP["host"] == "b"`},
		{"elsif", `$HTTP["host"] == "a" { } elsif $HTTP["host"] == "b" { }`, `$HTTP["host"] == "a" | $HTTP["host"] == "b"`},
		{"elseif", `$HTTP["host"] == "a" { } elseif $HTTP["host"] == "b" { }`, `$HTTP["host"] == "a" | $HTTP["host"] == "b"`},
		{"elif with if", `$HTTP["host"] == "a" { } elif if $HTTP["host"] == "b" { }`, `$HTTP["host"] == "a" | $HTTP["host"] == "b"`},
		{"long chain", `$HTTP["host"] == "a" { } else $HTTP["url"] =~ "b" { } elif $REQUEST_HEADER["X"] == "c" { } else { }`,
			`$HTTP["host"] == "a" | $HTTP["url"] =~ "b" | $REQUEST_HEADER["X"] == "c" | else`},
		{"else on the next line", "$HTTP[\"host\"] == \"a\" {\n}\nelse $HTTP[\"host\"] == \"b\" {\n}\nelse {\n}", `$HTTP["host"] == "a" | $HTTP["host"] == "b" | else`},
		{"blank lines and comments before else", "$HTTP[\"host\"] == \"a\" {\n} # c\n\n# c\n\nelse {\n}", `$HTTP["host"] == "a" | else`},
		{"no space", `$HTTP["host"]=="a"{}else{}`, `$HTTP["host"] == "a" | else`},
		{"same chain written twice", "$HTTP[\"host\"] == \"a\" { x = 1 } else $HTTP[\"host\"] == \"b\" { y = 1 }\n$HTTP[\"host\"] == \"a\" { z = 1 } else $HTTP[\"host\"] == \"b\" { w = 1 }",
			`$HTTP["host"] == "a" | $HTTP["host"] == "b"`},
		{"nested chain", "$HTTP[\"url\"] =^ \"/\" {\n  $HTTP[\"host\"] == \"a\" { } else { }\n}", `$HTTP["url"] =^ "/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := synParse(t, tt.src)
			var got []string
			for b := cfg.Blocks[1]; b != nil; b = b.Next {
				if b.Next != nil && b.Next.Prev != b {
					t.Errorf("%s: Next.Prev does not point back", b.Cond)
				}
				if b.Parent != cfg.Blocks[1].Parent {
					t.Errorf("%s: branches have different parents", b.Cond)
				}
				got = append(got, b.Cond.String())
			}
			if g := strings.Join(got, " | "); g != tt.chain {
				t.Errorf("chain %s, want %s", g, tt.chain)
			}
			if cfg.Blocks[1].Prev != nil {
				t.Errorf("head of chain has a Prev")
			}
			if n := strings.Count(tt.chain, "|") + 1; len(cfg.Blocks[1].Parent.Children) != n {
				t.Errorf("parent has %d children, want every branch (%d)", len(cfg.Blocks[1].Parent.Children), n)
			}
		})
	}
}

func TestParseElseBlock(t *testing.T) {
	cfg := synParse(t, `$HTTP["host"] =~ "^a" { x = 1 } else { x = 2 }`)
	if len(cfg.Blocks) != 3 {
		t.Fatalf("blocks: %s", synConds(cfg))
	}
	head, els := cfg.Blocks[1], cfg.Blocks[2]
	if !els.isElse() || els.Cond.Op != OpElse || els.Cond.Object != "HTTP" || els.Cond.Tag != "host" || els.Cond.Field != FieldHost {
		t.Errorf("else block condition %#v", els.Cond)
	}
	if head.Next != els || els.Prev != head || els.Parent != cfg.Blocks[0] {
		t.Errorf("else block is not linked after its condition")
	}
	if els.Pos.String() != "t.conf:1:33" {
		t.Errorf("else block at %s, want t.conf:1:33 (the else keyword)", els.Pos)
	}
	if got := synGet(t, els, "var.x").String(); got != "2" {
		t.Errorf("x = %s in the else block", got)
	}
}

func TestParseNestedNesting(t *testing.T) {
	cfg := synParse(t, `$HTTP["host"] == "a" {
  $HTTP["url"] == "/" {
    $HTTP["scheme"] == "http" { x = 1 }
    else { x = 2 }
  }
}`)
	s := synBlock(t, cfg, `$HTTP["scheme"] == "http"`)
	e := synBlock(t, cfg, `else`)
	if s.Parent.Cond.String() != `$HTTP["url"] == "/"` || e.Parent != s.Parent || s.Next != e {
		t.Errorf("else branch of a nested chain is misplaced: %s", synConds(cfg))
	}
}

func TestParseGlobalBlock(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"top level", "global {\n  x = 1\n}"},
		{"one line", "global { x = 1 }"},
		{"inside a conditional", "$HTTP[\"host\"] == \"a\" {\n  global { x = 1 }\n}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := synParse(t, tt.src)
			if got := synGet(t, cfg.Blocks[0], "var.x").String(); got != "1" {
				t.Errorf("x = %s", got)
			}
			for _, b := range cfg.Blocks[1:] {
				if _, ok := b.Lookup("var.x"); ok {
					t.Errorf("x set in block %s", b.Cond)
				}
			}
		})
	}
}

// TestParseBraceOnNextLine: a block's '{' may start a later line, as
// lighttpd accepts; the result is the block written on one line.
func TestParseBraceOnNextLine(t *testing.T) {
	tests := []struct {
		name string
		src  string
		same string // the same configuration with each '{' on its statement's line
	}{
		{"condition",
			"$HTTP[\"host\"] == \"example.org\"\n{\n  server.tag = \"a\"\n}",
			"$HTTP[\"host\"] == \"example.org\" {\n  server.tag = \"a\"\n}"},
		{"after a comment on the condition's line",
			"$HTTP[\"host\"] == \"a\" # the a site\n{ x = 1 }",
			"$HTTP[\"host\"] == \"a\" { x = 1 }"},
		{"after blank lines and comment lines",
			"$HTTP[\"host\"] == \"a\"\n\n# why\n  # and why not\n\n{ x = 1 }",
			"$HTTP[\"host\"] == \"a\" { x = 1 }"},
		{"CRLF line ends",
			"$HTTP[\"host\"] == \"a\"\r\n{\r\n  x = 1\r\n}\r\nelse\r\n{\r\n  x = 2\r\n}\r\n",
			"$HTTP[\"host\"] == \"a\" { x = 1 } else { x = 2 }"},
		{"else",
			"$HTTP[\"host\"] == \"a\"\n{\n  x = 1\n}\nelse\n{\n  x = 2\n}",
			"$HTTP[\"host\"] == \"a\" { x = 1 } else { x = 2 }"},
		{"else $cond",
			"$HTTP[\"host\"] == \"a\"\n{\n  x = 1\n}\nelse $HTTP[\"host\"] == \"b\"\n{\n  x = 2\n}\nelse\n\n{\n  x = 3\n}",
			"$HTTP[\"host\"] == \"a\" { x = 1 } else $HTTP[\"host\"] == \"b\" { x = 2 } else { x = 3 }"},
		{"elseif and else if",
			"$HTTP[\"url\"] =^ \"/a\"\n{ }\nelseif $HTTP[\"url\"] =^ \"/b\"\n{ x = 1 }\nelse if $HTTP[\"url\"] =^ \"/c\"\n{ x = 2 }",
			"$HTTP[\"url\"] =^ \"/a\" { } else $HTTP[\"url\"] =^ \"/b\" { x = 1 } else $HTTP[\"url\"] =^ \"/c\" { x = 2 }"},
		{"nested conditions",
			"$HTTP[\"host\"] == \"a\"\n{\n  $HTTP[\"url\"] =^ \"/p\"\n  {\n    x = 1\n  }\n  else\n  {\n    x = 2\n  }\n}",
			"$HTTP[\"host\"] == \"a\" { $HTTP[\"url\"] =^ \"/p\" { x = 1 } else { x = 2 } }"},
		{"global",
			"global\n{\n  x = 1\n}",
			"global { x = 1 }"},
		{"global inside a condition",
			"$HTTP[\"host\"] == \"a\"\n{\n  global\n\n  {\n    x = 1\n  }\n}",
			"$HTTP[\"host\"] == \"a\" { global { x = 1 } }"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := printConfig(t, synParse(t, tt.src))
			if want := printConfig(t, synParse(t, tt.same)); got != want {
				t.Errorf("printed\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestParseErrors lists every error the parser, the lexer and the tree
// report for a single source, each with the position a user needs.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		// statements
		{"} without {", "x = 1\n}", `t.conf:2:1: unexpected '}' without a matching '{'`},
		{"else without a condition", "x = 1\nelse { }", `t.conf:2:1: 'else' without a condition block before it`},
		{"elif without a condition", `elif $HTTP["host"] == "a" { }`, `t.conf:1:1: 'elif' without a condition block before it`},
		{"else after an assignment", "x = 1\n  else { }", `t.conf:2:3: 'else' without a condition block before it`},
		{"statement starting with a string", `"x" = 1`, `t.conf:1:1: unexpected string "x" at the start of a statement`},
		{"statement starting with an integer", `1 = 1`, `t.conf:1:1: unexpected integer 1 at the start of a statement`},
		{"statement starting with (", `( "a" )`, `t.conf:1:1: unexpected '(' at the start of a statement`},
		{"statement starting with {", `{ }`, `t.conf:1:1: unexpected '{' at the start of a statement`},
		{"statement starting with =", `= 1`, `t.conf:1:1: unexpected '=' at the start of a statement`},
		{"statement starting with +=", `  += 1`, `t.conf:1:3: unexpected '+=' at the start of a statement`},
		{"statement starting with [", `[`, `t.conf:1:1: unexpected '[' at the start of a statement`},
		{"name without operator at EOF", `x`, `t.conf:1:2: expected '=', ':=' or '+=' after x, found end of file`},
		{"name without operator at EOL", "x\ny = 1", `t.conf:1:2: expected '=', ':=' or '+=' after x, found end of line`},
		{"name then +", `x + 1`, `t.conf:1:3: expected '=', ':=' or '+=' after x, found '+'`},
		{"name then {", `x {`, `t.conf:1:3: expected '=', ':=' or '+=' after x, found '{'`},

		// values
		{"missing value at EOL", "x =\ny = 1", `t.conf:1:4: expected a value (a string, an integer, an array or a variable), found end of line`},
		{"missing value at EOF", `x = `, `t.conf:1:5: expected a value (a string, an integer, an array or a variable), found end of file`},
		{"{ as a value", `x = {`, `t.conf:1:5: expected a value (a string, an integer, an array or a variable), found '{'`},
		{"keyword as a value", `x = include`, `t.conf:1:5: expected a value (a string, an integer, an array or a variable), found 'include'`},
		{"missing value after +", `x = "a" +`, `t.conf:1:10: expected a value (a string, an integer, an array or a variable), found end of file`},
		{"=> without a key", `x = ( => 1 )`, `t.conf:1:7: expected a value (a string, an integer, an array or a variable), found '=>'`},
		{"comma without an element", `x = ( , )`, `t.conf:1:7: expected a value (a string, an integer, an array or a variable), found ','`},
		{"integer too large", `x = 2147483648`, `t.conf:1:5: error parsing number: '2147483648' (the largest is 2147483647)`},
		{"integer far too large", "x = 1\ny = 1 + 99999999999999999999999", `t.conf:2:9: error parsing number: '99999999999999999999999' (the largest is 2147483647)`},
		{"undefined variable", "x = 1\ny = z", `t.conf:2:5: undefined config variable: var.z`},
		{"undefined dotted variable", `x = server.port`, `t.conf:1:5: undefined config variable: server.port`},
		{"variable of a sibling block", "$HTTP[\"host\"] == \"a\" { v = 1 }\n$HTTP[\"host\"] == \"b\" { w = v }", `t.conf:2:28: undefined config variable: var.v`},
		{"variable of an inner block", "$HTTP[\"host\"] == \"a\" { v = 1 }\nw = v", `t.conf:2:5: undefined config variable: var.v`},
		{"variable not yet set", "w = v\nv = 1", `t.conf:1:5: undefined config variable: var.v`},
		{"undefined env", `x = "a" + env.NOPE`, `t.conf:1:11: undefined environment variable: NOPE`},
		{"undefined env in a condition", `$HTTP["host"] == env.NOPE { }`, `t.conf:1:18: undefined environment variable: NOPE`},
		{"undefined env in a block", "$HTTP[\"host\"] == \"a\" {\n  x = env.NOPE\n}", `t.conf:2:7: undefined environment variable: NOPE`},

		// assignments
		{"duplicate key", "x = 1\nx = 2", `t.conf:2:1: duplicate config variable var.x in this block (first set at t.conf:1:1; use := to replace it or += to append)`},
		{"duplicate key in another case", "x = 1\n  X = 2", `t.conf:2:3: duplicate config variable var.X in this block (first set at t.conf:1:1; use := to replace it or += to append)`},
		{"duplicate dotted key", "server.tag = \"a\"\nserver.tag = \"b\"", `t.conf:2:1: duplicate config variable server.tag in this block (first set at t.conf:1:1; use := to replace it or += to append)`},
		{"duplicate after +=", "x = 1\nx += 1\nx = 3", `t.conf:3:1: duplicate config variable var.x in this block (first set at t.conf:2:1; use := to replace it or += to append)`},
		{"duplicate key in a block", "$HTTP[\"host\"] == \"a\" {\n  x = 1\n  x = 2\n}", `t.conf:3:3: duplicate config variable var.x in this block (first set at t.conf:2:3; use := to replace it or += to append)`},
		{"duplicate key in a block written twice", "$HTTP[\"host\"] == \"a\" { x = 1 }\n$HTTP[\"host\"] == \"a\" { x = 2 }", `t.conf:2:24: duplicate config variable var.x in this block (first set at t.conf:1:24; use := to replace it or += to append)`},
		{"duplicate key through global { }", "x = 1\nglobal {\n  x = 2\n}", `t.conf:3:3: duplicate config variable var.x in this block (first set at t.conf:1:1; use := to replace it or += to append)`},
		{"set env", `env.HOST = "a"`, `t.conf:1:1: cannot set env.HOST: env.* variables are read-only`},
		{"replace env", "x = 1\n  env.HOST := \"a\"", `t.conf:2:3: cannot set env.HOST: env.* variables are read-only`},
		{"append env", `env.HOST += "a"`, `t.conf:1:1: cannot set env.HOST: env.* variables are read-only`},
		{"set undefined env", `env.NOPE = "a"`, `t.conf:1:1: cannot set env.NOPE: env.* variables are read-only`},
		{"set env in a block", "$HTTP[\"host\"] == \"a\" {\n  env.X = 1\n}", `t.conf:2:3: cannot set env.X: env.* variables are read-only`},

		// merging
		{"int + array", `x = 1 + ("a")`, `t.conf:1:7: cannot add integer and array: data type mismatch, cannot merge`},
		{"string + array", `x = "a" + ("a")`, `t.conf:1:9: cannot add string and array: data type mismatch, cannot merge`},
		{"array + string", `x = ("a") + "b"`, `t.conf:1:11: cannot add array and string: data type mismatch, cannot merge`},
		{"array + int", "x = (\"a\")\ny = x + 1", `t.conf:2:7: cannot add array and integer: data type mismatch, cannot merge`},
		{"int overflow", `x = 2147483647 + 1`, `t.conf:1:16: cannot add integer and integer: integer overflow`},
		{"int overflow in steps", `x = 2000000000 + 100000000 + 100000000`, `t.conf:1:28: cannot add integer and integer: integer overflow`},
		{"duplicate key on merge", `x = ("a" => 1) + ("a" => 2)`, `t.conf:1:16: cannot add array and array: duplicate array-key 'a'`},
		{"duplicate key on merge, other case", `x = ("a" => 1) + ("A" => 2)`, `t.conf:1:16: cannot add array and array: duplicate array-key 'A'`},
		{"duplicate key on merge, same value other type", `x = ("a" => 1) + ("a" => "1")`, `t.conf:1:16: cannot add array and array: duplicate array-key 'a'`},
		{"duplicate key on merge, equal arrays", `x = ("a" => ("v")) + ("a" => ("v"))`, `t.conf:1:20: cannot add array and array: duplicate array-key 'a'`},
		{"append type mismatch", "x = 1\nx += (\"a\")", `t.conf:2:3: cannot append to var.x: data type mismatch, cannot merge`},
		{"append array to string", "x = \"a\"\n  x += (\"a\")", `t.conf:2:5: cannot append to var.x: data type mismatch, cannot merge`},
		{"append overflow", "x = 2147483647\nx += 1", `t.conf:2:3: cannot append to var.x: integer overflow`},
		{"append duplicate key", "x = (\"a\" => 1)\nx += (\"a\" => 2)", `t.conf:2:3: cannot append to var.x: duplicate array-key 'a'`},
		{"append duplicate key from the enclosing block", "x = (\"a\" => 1)\n$HTTP[\"host\"] == \"h\" {\n  x += (\"a\" => 2)\n}", `t.conf:3:5: cannot append to var.x: duplicate array-key 'a'`},
		{"append mismatch from the enclosing block", "x = 1\n$HTTP[\"host\"] == \"h\" {\n  x += (\"a\")\n}", `t.conf:3:5: cannot append to var.x: data type mismatch, cannot merge`},

		// arrays
		{"duplicate array key", `x = ("a" => 1, "a" => 2)`, `t.conf:1:16: duplicate array-key "a": please remove the duplicate entry`},
		{"duplicate array key, same value", `x = ("a" => 1, "a" => 1)`, `t.conf:1:16: duplicate array-key "a": please remove the duplicate entry`},
		{"duplicate array key, other case", "x = (\n  \"ab\" => 1,\n  \"AB\" => 2\n)", `t.conf:3:3: duplicate array-key "AB": please remove the duplicate entry`},
		{"duplicate integer array key", `x = (1 => "a", "1" => "b")`, `t.conf:1:16: duplicate array-key "1": please remove the duplicate entry`},
		{"duplicate array key in a nested array", `x = ("o" => ("a" => 1, "a" => 2))`, `t.conf:1:24: duplicate array-key "a": please remove the duplicate entry`},
		{"array not closed", "x = (", `t.conf:1:5: array is not closed: missing ')'`},
		{"array not closed after an element", "x = (\n  \"a\"\n", `t.conf:1:5: array is not closed: missing ')'`},
		{"array not closed after a comma", "x = ( \"a\",", `t.conf:1:5: array is not closed: missing ')'`},
		{"inner array not closed", "x = ( \"a\", (", `t.conf:1:12: array is not closed: missing ')'`},
		{"missing comma", `x = ( 1 2 )`, `t.conf:1:9: expected ',' or ')' in array, found integer 2`},
		{"missing comma before a name", "v = 1\nx = ( \"a\" v )", `t.conf:2:11: expected ',' or ')' in array, found name v`},
		{"two arrows", `x = ( "a" => 1 => 2 )`, `t.conf:1:16: expected ',' or ')' in array, found '=>'`},
		{"array as key", `x = ( ("a") => 1 )`, `t.conf:1:7: operand must be a string, found an array`},
		{"array variable as key", "k = ()\nx = ( k => 1 )", `t.conf:2:7: operand must be a string, found an array`},
		{"=> outside parentheses", `x = "a" => "b"`, `t.conf:1:9: => is only allowed inside ( ), between a key and its value`},

		// conditions
		{"$ without a name", `$["host"] == "a" { }`, `t.conf:1:2: expected condition name after '$', found '['`},
		{"$ then a string", `$"host" == "a" { }`, `t.conf:1:2: expected condition name after '$', found string "host"`},
		{"$HTTP without [", `$HTTP "host" == "a" { }`, `t.conf:1:7: expected '[' after $HTTP, found string "host"`},
		{"$HTTP[ not closed", `$HTTP["host" == "a" { }`, `t.conf:1:14: expected ']' to close the condition name, found '=='`},
		{"missing operator", `$HTTP["host"] "a" { }`, `t.conf:1:15: expected ==, !=, =~, !~, =^ or =$ in the condition, found string "a"`},
		{"missing operator and value", `$HTTP["host"] { }`, `t.conf:1:15: expected ==, !=, =~, !~, =^ or =$ in the condition, found '{'`},
		{"missing value", `$HTTP["host"] == { }`, `t.conf:1:18: expected a value (a string, an integer, an array or a variable), found '{'`},
		{"missing {", `$HTTP["host"] == "a" x = 1`, `t.conf:1:22: expected '{' to open the block, found name x`},
		{"condition without { before a statement", "$HTTP[\"host\"] == \"a\"\n\nx = 1", `t.conf:3:1: expected '{' to open the block, found name x`},
		// lighttpd skips a line break inside a condition only by
		// discarding tokens it cannot use; featherd lets one continue a
		// statement before '{' and after 'else' only.
		{"line break before the operator", "$HTTP[\"host\"]\n== \"a\" { }", `t.conf:1:14: expected ==, !=, =~, !~, =^ or =$ in the condition, found end of line`},
		{"condition at EOF", `$HTTP["host"] == "a"`, `t.conf:1:21: expected '{' to open the block, found end of file`},
		{"integer right side", `$HTTP["host"] == 1 { }`, `t.conf:1:18: the right side of a condition must be a string, found integer`},
		{"array right side", `$HTTP["host"] == ("a") { }`, `t.conf:1:18: the right side of a condition must be a string, found array`},
		{"array tag", `$HTTP[("host")] == "a" { }`, `t.conf:1:7: operand must be a string, found an array`},
		{"block not closed", "$HTTP[\"host\"] == \"a\" {\n  x = 1\n", `t.conf:1:22: block is not closed: missing '}'`},
		{"outer block not closed", "$HTTP[\"host\"] == \"a\" {\n  $HTTP[\"url\"] == \"/\" {\n  }\n", `t.conf:1:22: block is not closed: missing '}'`},
		{"inner block not closed", "$HTTP[\"host\"] == \"a\" {\n  $HTTP[\"url\"] == \"/\" {\n}\n", `t.conf:1:22: block is not closed: missing '}'`},
		{"unknown $HTTP field", "x = 1\n  $HTTP[\"hots\"] == \"a\" { }", `t.conf:2:3: unknown condition $HTTP["hots"]`},
		{"fields are case-sensitive", `$HTTP["Host"] == "a" { }`, `t.conf:1:1: unknown condition $HTTP["Host"]`},
		{"unknown $SERVER field", `$SERVER["host"] == "a" { }`, `t.conf:1:1: unknown condition $SERVER["host"] (only "socket" exists)`},
		{"bad header name", `$REQUEST_HEADER["a b"] == "x" { }`, `t.conf:1:1: invalid header name in $REQUEST_HEADER["a b"]`},
		{"empty header name", `$REQUEST_HEADER[""] == "x" { }`, `t.conf:1:1: invalid header name in $REQUEST_HEADER[""]`},
		{"unknown object", `$ENV["x"] == "a" { }`, `t.conf:1:1: unknown condition $ENV (expected $HTTP, $SERVER or $REQUEST_HEADER)`},
		{"bad regex", `$HTTP["url"] =~ "(" { }`, "t.conf:1:1: invalid regex \"(\": error parsing regexp: missing closing ): `(`"},
		{"PCRE-only regex", `$HTTP["url"] !~ "(?=a)" { }`, "t.conf:1:1: invalid regex \"(?=a)\": error parsing regexp: invalid or unsupported Perl syntax: `(?=` (featherd uses RE2 regular expressions: look-around, back-references, possessive and atomic groups are not available)"},
		{"too many captures", `$HTTP["url"] =~ "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)" { }`, `t.conf:1:1: too many captures (10) in regex "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", use (?:...) instead of (...)`},
		{"bad remote address", `$HTTP["remoteip"] == "1.2.3" { }`, `t.conf:1:1: invalid IP addr: 1.2.3`},
		{"bad remote prefix", `$HTTP["remote-ip"] != "10.0.0.0/33" { }`, `t.conf:1:1: invalid IP addr: 10.0.0.0/33 (bad prefix length)`},
		{"short mapped prefix", `$HTTP["remoteip"] == "::ffff:10.0.0.0/8" { }`, `t.conf:1:1: invalid IP addr: ::ffff:10.0.0.0/8 (prefix shorter than the IPv4-mapped range)`},
		{"socket with a regex", `$SERVER["socket"] =~ ":80" { }`, `t.conf:1:1: $SERVER["socket"] takes only == or !=`},
		{"socket with a prefix", `$SERVER["socket"] =^ ":80" { }`, `t.conf:1:1: $SERVER["socket"] takes only == or !=`},
		{"error inside a block", "$HTTP[\"host\"] == \"a\" {\n  x = 1\n  x y\n}", `t.conf:3:5: missing assignment operator ('=') or missing string concat operator ('+') before y`},

		// else chains
		{"else after else", `$HTTP["host"] == "a" { } else { } else { }`, `t.conf:1:35: unreachable condition following else catch-all`},
		{"else $cond after else", "$HTTP[\"host\"] == \"a\" { } else { }\nelse $HTTP[\"host\"] == \"b\" { }", `t.conf:2:1: unreachable condition following else catch-all`},
		{"elif after else", "$HTTP[\"host\"] == \"a\" {\n} else {\n} elif $HTTP[\"host\"] == \"b\" {\n}", `t.conf:3:3: unreachable condition following else catch-all`},
		{"else then a name", `$HTTP["host"] == "a" { } else x = 1`, `t.conf:1:31: expected a condition or '{' after else, found name x`},
		{"else at EOF", `$HTTP["host"] == "a" { } else`, `t.conf:1:30: expected a condition or '{' after else, found end of file`},
		{"else then a string", `$HTTP["host"] == "a" { } else "b"`, `t.conf:1:31: expected a condition or '{' after else, found string "b"`},
		{"else then a name on the next line", "$HTTP[\"host\"] == \"a\" { } else\nx = 1", `t.conf:2:1: expected a condition or '{' after else, found name x`},
		{"condition on the line after else", "$HTTP[\"host\"] == \"a\" { }\nelse\n$HTTP[\"host\"] == \"b\" { }",
			`t.conf:3:1: the condition must be on the same line as its 'else' (lighttpd reads an 'else' at the end of a line as a bare else and ignores the condition)`},
		{"condition after a comment line after elseif", "$HTTP[\"host\"] == \"a\" {\n}\nelseif # b\n\n  $HTTP[\"host\"] == \"b\"\n{\n}",
			`t.conf:5:3: the condition must be on the same line as its 'elseif' (lighttpd reads an 'elseif' at the end of a line as a bare else and ignores the condition)`},
		{"else if at the end of a line", "$HTTP[\"host\"] == \"a\" { } else if\n$HTTP[\"host\"] == \"b\" { }", `t.conf:1:31: expected a condition or '{' after else, found name if`},
		{"else branch written before the chain", "$HTTP[\"host\"] == \"b\" { }\n$HTTP[\"host\"] == \"a\" { } else $HTTP[\"host\"] == \"b\" { }", `t.conf:2:26: unreachable else condition: $HTTP["host"] == "b" was already written before this chain`},
		{"condition chained to itself", `$HTTP["host"] == "a" { } else $HTTP["host"] == "a" { }`, `t.conf:1:26: unreachable else condition: $HTTP["host"] == "a" was already written before this chain`},
		{"second else branch", "$HTTP[\"host\"] == \"a\" { } else $HTTP[\"host\"] == \"b\" { }\n$HTTP[\"host\"] == \"a\" { } else $HTTP[\"host\"] == \"c\" { }", `t.conf:2:26: $HTTP["host"] == "a" already has an else branch (at t.conf:1:31)`},
		{"second bare else", "$HTTP[\"host\"] == \"a\" { } else { }\n$HTTP[\"host\"] == \"a\" { } else { }", `t.conf:2:26: $HTTP["host"] == "a" already has an else branch (at t.conf:1:26)`},
		{"bare else after an else $cond", "$HTTP[\"host\"] == \"a\" { } else $HTTP[\"host\"] == \"b\" { }\n$HTTP[\"host\"] == \"a\" { } else { }", `t.conf:2:26: $HTTP["host"] == "a" already has an else branch (at t.conf:1:31)`},
		{"branch already in another chain", "$HTTP[\"host\"] == \"a\" { }\n$HTTP[\"host\"] == \"b\" { } else $HTTP[\"host\"] == \"c\" { }\n$HTTP[\"host\"] == \"a\" { } else $HTTP[\"host\"] == \"c\" { }", `t.conf:3:26: $HTTP["host"] == "c" is already the else branch of $HTTP["host"] == "b"`},
		{"else duplicates a written condition", "$HTTP[\"host\"] != \"a\" { }\n$HTTP[\"host\"] == \"a\" { } else { }", `t.conf:2:26: unreachable else condition`},
		{"else of a regex duplicates !~", "$HTTP[\"url\"] !~ \"x\" { }\n$HTTP[\"url\"] =~ \"x\" { } else { }", `t.conf:2:25: unreachable else condition`},
		{"else of a simplified regex duplicates !=", "$HTTP[\"url\"] != \"/a\" { }\n$HTTP[\"url\"] =~ \"^/a$\" { } else { }", `t.conf:2:28: unreachable else condition`},

		// global { }
		{"conditional inside global", "global {\n  $HTTP[\"host\"] == \"a\" { }\n}", `t.conf:2:3: conditionals cannot be used inside a global { } block`},
		{"conditional inside global inside a conditional", "$HTTP[\"host\"] == \"a\" {\n  global { $HTTP[\"url\"] == \"/\" { } }\n}", `t.conf:2:12: conditionals cannot be used inside a global { } block`},
		{"global inside global", "global {\n  global { }\n}", `t.conf:2:3: global { } cannot be nested in global { }`},
		{"global not closed", "global {\n  x = 1", `t.conf:1:8: block is not closed: missing '}'`},
		{"global without {", `global x = 1`, `t.conf:1:8: expected '{' to open the block, found name x`},
		{"global without { before a statement", "global\nx = 1", `t.conf:2:1: expected '{' to open the block, found name x`},

		// lexer errors surface unchanged
		{"lexer error after a statement", "x = 1\ny = \"a\" \"b\"", `t.conf:2:9: strings may be combined with '+' or separated with ',' or '=>' in lists`},
		{"lexer error in an expression", `x = 1 + @`, `t.conf:1:9: invalid character '@'`},
		{"lexer error inside an array", `x = ( 1, ! )`, `t.conf:1:10: unexpected exclamation-mark: !`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := synParseErr(t, tt.src); got != tt.want {
				t.Errorf("parse %q\n got: %s\nwant: %s", tt.src, got, tt.want)
			}
		})
	}
}

// A predefined variable has no position; the duplicate message must not
// print an empty one ("first set at ;").
func TestParseDuplicatePredefinedVariable(t *testing.T) {
	for _, src := range []string{`var.CWD = "/x"`, `var.PID = 1`, `CWD = "/x"`} {
		t.Run(src, func(t *testing.T) {
			got := synParseErr(t, src)
			if !strings.HasPrefix(got, "t.conf:1:1: duplicate config variable var.") {
				t.Errorf("got %s", got)
			}
			if strings.Contains(got, "first set at ;") || strings.Contains(got, "at :") {
				t.Errorf("message shows an empty position: %s", got)
			}
		})
	}
}

// lighttpd's grammar (aelements ::= aelements COMMA) accepts a comma
// after any element, so a doubled comma is no error there.
func TestParseRepeatedCommaInArray(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{`x = ( "a",, "b" )`, `( "a", "b" )`},
		{`x = ( "a", "b",, )`, `( "a", "b" )`},
	} {
		t.Run(tt.src, func(t *testing.T) {
			cfg, err := Parse("t.conf", tt.src+synDocroot, "", synOpts())
			if err != nil {
				t.Fatalf("parse %q: %v (lighttpd accepts it)", tt.src, err)
			}
			if got := synGet(t, cfg.Blocks[0], "var.x").String(); got != tt.want {
				t.Errorf("x = %s, want %s", got, tt.want)
			}
		})
	}
}

// An invalid byte is reported as the character the user sees in the
// editor, not as one byte of its UTF-8 encoding.
func TestParseNonASCIIInvalidCharacter(t *testing.T) {
	if got, want := synParseErr(t, "x = 1 é"), `t.conf:1:7: invalid character 'é'`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

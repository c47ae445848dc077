package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// incTree writes files (path relative to dir => content) into a fresh
// temporary directory and returns it.
func incTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func incOpts() LoadOptions {
	return LoadOptions{Dir: "/cwd", LookupEnv: synEnv, ShellTimeout: 10 * time.Second}
}

// incLoad loads dir/main.conf, which must succeed.
func incLoad(t *testing.T, dir string) *Config {
	t.Helper()
	cfg, err := LoadFile(filepath.Join(dir, "main.conf"), incOpts())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return cfg
}

// incLoadErr loads dir/main.conf, which must fail, and returns the
// message with dir replaced by "DIR" so expectations can be literal.
func incLoadErr(t *testing.T, dir string, opts LoadOptions) string {
	t.Helper()
	cfg, err := LoadFile(filepath.Join(dir, "main.conf"), opts)
	if err == nil {
		t.Fatalf("load: no error")
	}
	if cfg != nil {
		t.Errorf("got a config together with error %v", err)
	}
	return strings.ReplaceAll(err.Error(), dir, "DIR")
}

func TestIncludeFiles(t *testing.T) {
	abs := incTree(t, map[string]string{"abs.conf": `x = "absolute"`})
	tests := []struct {
		name  string
		files map[string]string
		want  string // var.x in the global block
	}{
		{
			"relative to the main file's directory",
			map[string]string{
				"main.conf": "include \"sub.conf\"" + synDocroot,
				"sub.conf":  `x = "sub"`,
			},
			`"sub"`,
		},
		{
			"nested include is relative to the main file, not the including file",
			map[string]string{
				"main.conf":   "include \"conf/a.conf\"" + synDocroot,
				"conf/a.conf": `include "b.conf"`,
				"b.conf":      `x = "main directory"`,
				"conf/b.conf": `x = "including file's directory"`,
			},
			`"main directory"`,
		},
		{
			"absolute path",
			map[string]string{"main.conf": "include \"" + filepath.Join(abs, "abs.conf") + "\"" + synDocroot},
			`"absolute"`,
		},
		{
			"path from an expression",
			map[string]string{
				"main.conf":   "d = \"conf\"\ninclude d + \"/a.conf\"" + synDocroot,
				"conf/a.conf": `x = "expr"`,
			},
			`"expr"`,
		},
		{
			"glob in file name order",
			map[string]string{
				"main.conf":        "x = \"\"\ninclude \"conf.d/*.conf\"" + synDocroot,
				"conf.d/20-b.conf": `x += "b"`,
				"conf.d/10-a.conf": `x += "a"`,
				"conf.d/30-c.conf": `x += "c"`,
				"conf.d/readme":    `x += "README"`,
			},
			`"abc"`,
		},
		{
			"glob with ? and []",
			map[string]string{
				"main.conf": "x = \"\"\ninclude \"?.conf\"\ninclude \"[xy]1.conf\"" + synDocroot,
				"a.conf":    `x += "a"`,
				"ab.conf":   `x += "AB"`,
				"x1.conf":   `x += "x"`,
				"z1.conf":   `x += "Z"`,
			},
			`"ax"`,
		},
		{
			"brace glob in the order written",
			map[string]string{
				"main.conf": "x = \"\"\ninclude \"{b,a}.conf\"" + synDocroot,
				"a.conf":    `x += "a"`,
				"b.conf":    `x += "b"`,
				"c.conf":    `x += "c"`,
			},
			`"ba"`,
		},
		{
			"brace glob with wildcards",
			map[string]string{
				"main.conf":     "x = \"\"\ninclude \"{vhosts,mods}/*.conf\"" + synDocroot,
				"mods/m.conf":   `x += "m"`,
				"vhosts/2.conf": `x += "2"`,
				"vhosts/1.conf": `x += "1"`,
			},
			`"12m"`,
		},
		{
			"glob matching nothing is fine",
			map[string]string{"main.conf": "x = \"none\"\ninclude \"conf.d/*.conf\"\ninclude \"missing-{a,b}.conf\"\ninclude \"nope?.conf\"" + synDocroot},
			`"none"`,
		},
		{
			"same file twice",
			map[string]string{
				"main.conf": "x = \"\"\ninclude \"a.conf\"\ninclude \"a.conf\"" + synDocroot,
				"a.conf":    `x += "a"`,
			},
			`"aa"`,
		},
		{
			"included file without a final newline",
			map[string]string{
				"main.conf": "include \"a.conf\"\ny = 1" + synDocroot,
				"a.conf":    `x = "a" + "b"`,
			},
			`"ab"`,
		},
		{
			"include and a statement on one line",
			map[string]string{
				"main.conf": "include \"a.conf\" x += \"2\"" + synDocroot,
				"a.conf":    `x = "1"`,
			},
			`"12"`,
		},
		{
			"variables set before the include are visible",
			map[string]string{
				"main.conf": "base = \"v\"\ninclude \"a.conf\"" + synDocroot,
				"a.conf":    `x = base + "1"`,
			},
			`"v1"`,
		},
		{
			"global block in an included file",
			map[string]string{
				"main.conf": "$HTTP[\"host\"] == \"h\" {\n  include \"a.conf\"\n}" + synDocroot,
				"a.conf":    `global { x = "g" }`,
			},
			`"g"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := incTree(t, tt.files)
			cfg := incLoad(t, dir)
			if got := synGet(t, cfg.Blocks[0], "var.x").String(); got != tt.want {
				t.Errorf("x = %s, want %s", got, tt.want)
			}
		})
	}
}

// glob(3), which lighttpd uses, does not match a leading dot with a
// wildcard, so editor leftovers such as ".#vhost.conf" (a dangling
// symlink emacs makes) or ".vhost.conf.swp" are not included.
func TestIncludeGlobSkipsDotFiles(t *testing.T) {
	dir := incTree(t, map[string]string{
		"main.conf":           "x = \"\"\ninclude \"conf.d/*\"\ninclude \"conf.d/*.conf\"" + synDocroot,
		"conf.d/a.conf":       `x += "a"`,
		"conf.d/.hidden.conf": `x += "HIDDEN"`,
	})
	if err := os.Symlink("user@host.1234:1700000000", filepath.Join(dir, "conf.d", ".#a.conf")); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadFile(filepath.Join(dir, "main.conf"), incOpts())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if got := synGet(t, cfg.Blocks[0], "var.x").String(); got != `"aa"` {
		t.Errorf("x = %s, want \"aa\"", got)
	}
}

func TestIncludeInsideConditional(t *testing.T) {
	dir := incTree(t, map[string]string{
		"main.conf": `x = "global"
$HTTP["host"] == "a" {
  include "vhost.conf"
  z = y
}
$HTTP["host"] == "b" {
  include_shell "cat vhost.conf"
}` + synDocroot,
		"vhost.conf": `x := "vhost"
y = "from include"
$HTTP["url"] =^ "/p" {
  inner = x
}
`,
	})
	cfg := incLoad(t, dir)
	if got := synGet(t, cfg.Blocks[0], "var.x").String(); got != `"global"` {
		t.Errorf("global x = %s", got)
	}
	for _, host := range []string{"a", "b"} {
		h := synBlock(t, cfg, `$HTTP["host"] == "`+host+`"`)
		if got := synGet(t, h, "var.x").String(); got != `"vhost"` {
			t.Errorf("host %s: x = %s", host, got)
		}
		if len(h.Children) != 1 || h.Children[0].Cond.String() != `$HTTP["url"] =^ "/p"` {
			t.Fatalf("host %s: children %v", host, h.Children)
		}
		if got := synGet(t, h.Children[0], "var.inner").String(); got != `"vhost"` {
			t.Errorf("host %s: inner = %s", host, got)
		}
	}
	a := synBlock(t, cfg, `$HTTP["host"] == "a"`)
	if got := synGet(t, a, "var.z").String(); got != `"from include"` {
		t.Errorf("z = %s", got)
	}
	s, _ := a.Lookup("var.y")
	if want := filepath.Join(dir, "vhost.conf") + ":2:1"; s.Pos.String() != want {
		t.Errorf("y set at %s, want %s", s.Pos, want)
	}
}

func TestIncludeErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{
			"missing file",
			map[string]string{"main.conf": "x = 1\n  include \"missing.conf\"\n"},
			`DIR/main.conf:2:3: include file not found: DIR/missing.conf`,
		},
		{
			"missing absolute file",
			map[string]string{"main.conf": "include \"/nonexistent/featherd/x.conf\""},
			`DIR/main.conf:1:1: include file not found: /nonexistent/featherd/x.conf`,
		},
		{
			"missing file in an included file",
			map[string]string{
				"main.conf":  "include \"sub/a.conf\"",
				"sub/a.conf": "\n\ninclude \"b.conf\"",
				"sub/b.conf": `x = "not relative to the including file"`,
			},
			`DIR/sub/a.conf:3:1: include file not found: DIR/b.conf`,
		},
		{
			"error inside an included file",
			map[string]string{
				"main.conf":    "x = 1\ninclude \"sub/bad.conf\"",
				"sub/bad.conf": "# comment\ny = 1 +\n",
			},
			`DIR/sub/bad.conf:2:8: expected a value (a string, an integer, an array or a variable), found end of line`,
		},
		{
			"lexer error inside an included file",
			map[string]string{
				"main.conf":     "include \"conf.d/*.conf\"",
				"conf.d/a.conf": `a = 1`,
				"conf.d/b.conf": "b = 1\n\tc = \"open",
			},
			`DIR/conf.d/b.conf:2:6: missing closing quote`,
		},
		{
			"duplicate key across files names both",
			map[string]string{
				"main.conf": "x = 1\ninclude \"a.conf\"",
				"a.conf":    "\nx = 2",
			},
			`DIR/a.conf:2:1: duplicate config variable var.x in this block (first set at DIR/main.conf:1:1; use := to replace it or += to append)`,
		},
		{
			"block left open in an included file",
			map[string]string{
				"main.conf": "include \"a.conf\"\n}",
				"a.conf":    `$HTTP["host"] == "a" {`,
			},
			`DIR/a.conf:1:22: block is not closed: missing '}'`,
		},
		{
			"included file cannot close the includer's block",
			map[string]string{
				"main.conf": "$HTTP[\"host\"] == \"a\" {\n  include \"a.conf\"\n}",
				"a.conf":    "x = 1\n}",
			},
			`DIR/a.conf:2:1: unexpected '}' without a matching '{'`,
		},
		{
			"conditional included into a global block",
			map[string]string{
				"main.conf": "global {\n  include \"a.conf\"\n}",
				"a.conf":    `$HTTP["host"] == "a" { }`,
			},
			`DIR/a.conf:1:1: conditionals cannot be used inside a global { } block`,
		},
		{
			"directory",
			map[string]string{"main.conf": `include "conf.d"`, "conf.d/a.conf": ``},
			`DIR/main.conf:1:1: include DIR/conf.d: is a directory`,
		},
		{
			"bad glob pattern",
			map[string]string{"main.conf": `include "a["`},
			`DIR/main.conf:1:1: include "a[": syntax error in pattern`,
		},
		{
			"array as path",
			map[string]string{"main.conf": `include ( "a.conf" )`},
			`DIR/main.conf:1:9: operand must be a string, found an array`,
		},
		{
			"missing path",
			map[string]string{"main.conf": "include\n"},
			`DIR/main.conf:1:8: expected a value (a string, an integer, an array or a variable), found end of line`,
		},
		{
			"file includes itself",
			map[string]string{"main.conf": "include \"main.conf\"\n"},
			`DIR/main.conf:1:1: includes nested more than 32 deep (does a file include itself?)`,
		},
		{
			"two files include each other",
			map[string]string{
				"main.conf": "include \"a.conf\"\n",
				"a.conf":    "x += 1\ninclude \"b.conf\"\n",
				"b.conf":    "y += 1\n  include \"a.conf\"\n",
			},
			`DIR/b.conf:2:3: includes nested more than 32 deep (does a file include itself?)`,
		},
		{
			"glob includes itself",
			map[string]string{"main.conf": "include \"*.conf\"\n"},
			`DIR/main.conf:1:1: includes nested more than 32 deep (does a file include itself?)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := incTree(t, tt.files)
			if got := incLoadErr(t, dir, incOpts()); got != tt.want {
				t.Errorf("\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// Paths starting with ./ or ../ are relative to the working directory,
// as in lighttpd's config_parse_file.
func TestIncludeDotSlashIsRelativeToWorkingDirectory(t *testing.T) {
	dir := incTree(t, map[string]string{
		"conf/main.conf": "include \"./x.conf\"\ninclude \"../y.conf\"" + synDocroot,
		"conf/x.conf":    `x = "main directory"`,
		"wd/x.conf":      `x = "working directory"`,
		"y.conf":         `y = "parent of the working directory"`,
	})
	t.Chdir(filepath.Join(dir, "wd"))
	cfg, err := LoadFile(filepath.Join(dir, "conf", "main.conf"), incOpts())
	if err != nil {
		t.Fatal(err)
	}
	if got := synGet(t, cfg.Blocks[0], "var.x").String(); got != `"working directory"` {
		t.Errorf("x = %s", got)
	}
	if got := synGet(t, cfg.Blocks[0], "var.y").String(); got != `"parent of the working directory"` {
		t.Errorf("y = %s", got)
	}
}

// With no main file (stdin), relative includes are relative to the
// working directory.
func TestIncludeFromReader(t *testing.T) {
	dir := incTree(t, map[string]string{"a.conf": `x = "a"`})
	t.Chdir(dir)
	cfg, err := LoadReader("(stdin)", strings.NewReader("include \"a.conf\""+synDocroot), incOpts())
	if err != nil {
		t.Fatal(err)
	}
	if got := synGet(t, cfg.Blocks[0], "var.x").String(); got != `"a"` {
		t.Errorf("x = %s", got)
	}
	_, err = LoadReader("(stdin)", strings.NewReader("\ninclude \"b.conf\""), incOpts())
	if err == nil || err.Error() != "(stdin):2:1: include file not found: b.conf" {
		t.Errorf("got %v", err)
	}
}

func TestLoadFileMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadFile(filepath.Join(dir, "none.conf"), incOpts())
	want := filepath.Join(dir, "none.conf") + ": cannot read configuration: open " + filepath.Join(dir, "none.conf") + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestIncludeShell(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		key   string
		want  string
	}{
		{
			"output is parsed",
			map[string]string{"main.conf": `include_shell "echo 'x = \"shell\"'; echo 'y = x + 1'"` + synDocroot},
			"var.y", `"shell1"`,
		},
		{
			"runs in the main file's directory",
			map[string]string{
				"main.conf":  `include_shell "cat local.conf"` + synDocroot,
				"local.conf": `x = "local"`,
			},
			"var.x", `"local"`,
		},
		{
			"runs in the main file's directory from an included file",
			map[string]string{
				"main.conf":      `include "sub/a.conf"` + synDocroot,
				"sub/a.conf":     `include_shell "cat local.conf"`,
				"local.conf":     `x = "main directory"`,
				"sub/local.conf": `x = "including file's directory"`,
			},
			"var.x", `"main directory"`,
		},
		{
			"empty output",
			map[string]string{"main.conf": "x = 1\ninclude_shell \"true\"" + synDocroot},
			"var.x", `1`,
		},
		{
			"output may include files",
			map[string]string{
				"main.conf": `include_shell "echo 'include \"a.conf\"'"` + synDocroot,
				"a.conf":    `x = "via shell"`,
			},
			"var.x", `"via shell"`,
		},
		{
			"sees variables set before it",
			map[string]string{"main.conf": "base = \"b\"\ninclude_shell \"echo 'x = base + 2'\"" + synDocroot},
			"var.x", `"b2"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := incTree(t, tt.files)
			cfg := incLoad(t, dir)
			if got := synGet(t, cfg.Blocks[0], tt.key).String(); got != tt.want {
				t.Errorf("%s = %s, want %s", tt.key, got, tt.want)
			}
		})
	}
}

func TestIncludeShellWorkingDirectory(t *testing.T) {
	dir := incTree(t, map[string]string{"main.conf": `include_shell "printf 'x = \"%s\"' \"$(pwd -P)\""` + synDocroot})
	cfg := incLoad(t, dir)
	want, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := synGet(t, cfg.Blocks[0], "var.x").Str; got != want {
		t.Errorf("command ran in %q, want %q", got, want)
	}
}

func TestIncludeShellErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		opts  LoadOptions
		want  string
	}{
		{
			"non-zero exit",
			map[string]string{"main.conf": "x = 1\n  include_shell \"echo 'y = 1'; exit 3\"\n"},
			incOpts(),
			`DIR/main.conf:2:3: command "echo 'y = 1'; exit 3" exited non-zero: 3`,
		},
		{
			"command not found",
			map[string]string{"main.conf": `include_shell "/nonexistent/featherd-cmd 2>/dev/null"`},
			incOpts(),
			`DIR/main.conf:1:1: command "/nonexistent/featherd-cmd 2>/dev/null" exited non-zero: 127`,
		},
		{
			"error in the output names the command",
			map[string]string{"main.conf": "\ninclude_shell \"printf 'a = 1\\nb = a +\\n'\""},
			incOpts(),
			`include_shell "printf 'a = 1\\nb = a +\\n'":2:8: expected a value (a string, an integer, an array or a variable), found end of line`,
		},
		{
			"timeout",
			map[string]string{"main.conf": "\n\ninclude_shell \"exec sleep 30\""},
			LoadOptions{Dir: "/cwd", LookupEnv: synEnv, ShellTimeout: 50 * time.Millisecond},
			`DIR/main.conf:3:1: command "exec sleep 30" did not finish within 50ms`,
		},
		{
			"array as command",
			map[string]string{"main.conf": `include_shell ( "true" )`},
			incOpts(),
			`DIR/main.conf:1:15: operand must be a string, found an array`,
		},
		{
			"command includes itself",
			map[string]string{"main.conf": `include_shell "cat main.conf"`},
			incOpts(),
			`include_shell "cat main.conf":1:1: includes nested more than 32 deep (does a file include itself?)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := incTree(t, tt.files)
			start := time.Now()
			if got := incLoadErr(t, dir, tt.opts); got != tt.want {
				t.Errorf("\n got: %s\nwant: %s", got, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestIncludeShellMissingDirectory(t *testing.T) {
	_, err := Parse("t.conf", `include_shell "true"`, "/nonexistent/featherd", incOpts())
	want := `t.conf:1:1: command "true": chdir /nonexistent/featherd: no such file or directory`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestSandboxRefusesIncludes(t *testing.T) {
	dir := incTree(t, map[string]string{"a.conf": `x = 1`})
	marker := filepath.Join(dir, "ran")
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"include", "x = 1\n  include \"a.conf\"", `t.conf:2:3: include is not allowed here`},
		{"include of a glob matching nothing", `include "none/*.conf"`, `t.conf:1:1: include is not allowed here`},
		{"include of a missing file", `include "/nonexistent/x.conf"`, `t.conf:1:1: include is not allowed here`},
		{"include_shell", "include_shell \"touch " + marker + "\"", `t.conf:1:1: include_shell is not allowed here`},
		{"include in a block", "$HTTP[\"host\"] == \"a\" {\n\tinclude \"a.conf\"\n}", `t.conf:2:2: include is not allowed here`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := incOpts()
			opts.Sandbox = true
			cfg, err := Parse("t.conf", tt.src, dir, opts)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v\nwant %s", err, tt.want)
			}
			if cfg != nil {
				t.Errorf("got a config")
			}
		})
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the sandbox ran the include_shell command")
	}
}

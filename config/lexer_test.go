package config

import (
	"strconv"
	"strings"
	"testing"
)

// lexAll runs the lexer to the end of src, or to its first error, and
// renders each token compactly so a whole sequence fits in one table row.
func lexAll(src string) ([]string, []token, error) {
	lx := newLexer("t.conf", src)
	var out []string
	var toks []token
	for {
		t, err := lx.next()
		if err != nil {
			return out, toks, err
		}
		out = append(out, renderToken(t))
		toks = append(toks, t)
		if t.kind == tkEOF {
			return out, toks, nil
		}
		if len(toks) > 1000 {
			return out, toks, nil // a lexer that stops advancing must not hang the test
		}
	}
}

func renderToken(t token) string {
	switch t.kind {
	case tkEOL:
		return "EOL"
	case tkEOF:
		return "EOF"
	case tkString:
		return strconv.Quote(t.text)
	case tkInteger:
		return "int:" + t.text
	case tkKey:
		return "key:" + t.text
	case tkCondObject:
		return "obj:" + t.text
	}
	return t.text
}

func TestLexerTokens(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // tokens separated by single spaces
	}{
		{"empty", ``, `EOF`},
		{"only blanks and comments", "  \t# a comment\n# another\n\n", `EOL EOF`},
		{"assignment", `server.port = 80`, `key:server.port = int:80 EOF`},
		{"comment after value", `x = "a" # "b" is commented out`, `key:x = "a" EOF`},
		{"hash inside a string is not a comment", `x = "a#b"`, `key:x = "a#b" EOF`},
		{"newline ends a statement", "a = 1\nb = 2\n", `key:a = int:1 EOL key:b = int:2 EOL EOF`},
		{"blank and comment lines fold into one EOL", "a = 1\n\n  # c\n\t\nb = 2", `key:a = int:1 EOL key:b = int:2 EOF`},
		{"CRLF line ends", "a = 1\r\nb = 2\r\n", `key:a = int:1 EOL key:b = int:2 EOL EOF`},
		{"lone CR ends a line", "a = 1\rb = 2", `key:a = int:1 EOL key:b = int:2 EOF`},
		{"escaped quote", `x = "say \"hi\""`, `key:x = "say \"hi\"" EOF`},
		{"backslash not before a quote stays", `x = "C:\dir\n\.txt$"`, `key:x = "C:\\dir\\n\\.txt$" EOF`},
		{"double backslash then quote", `x = "a\\"b"`, `key:x = "a\\\"b" EOF`},
		{"escaped quote at the end", `x = "a\""`, `key:x = "a\"" EOF`},
		{"empty string", `x = ""`, `key:x = "" EOF`},
		{"multi-line string", "x = \"line1\nline2\"\ny = 1", `key:x = "line1\nline2" EOL key:y = int:1 EOF`},
		{"integers", `x = 0 + 0042 + 2147483647`, `key:x = int:0 + int:0042 + int:2147483647 EOF`},
		{"digits then letters", `x = 12ab`, `key:x = int:12 key:ab EOF`},
		{"key characters", `mod_x.a-b_c.9 = 1`, `key:mod_x.a-b_c.9 = int:1 EOF`},
		{"key without dot", `myvar = 1`, `key:myvar = int:1 EOF`},
		{"force assign", `x := 1`, `key:x := int:1 EOF`},
		{"append", `x += "a"`, `key:x += "a" EOF`},
		{"plus", `x = "a"+"b" + y`, `key:x = "a" + "b" + key:y EOF`},
		{"append without spaces", `x+="a"`, `key:x += "a" EOF`},
		{"force assign without spaces", `x:="a"`, `key:x := "a" EOF`},
		{"array", `x = ( "a", "b" )`, `key:x = ( "a" , "b" ) EOF`},
		{"hash", `x = ("k" => "v", 1 => 2)`, `key:x = ( "k" => "v" , int:1 => int:2 ) EOF`},
		{"newlines inside parentheses are no EOL", "x = (\n \"a\",\n\n \"b\"\n)\ny = 1", `key:x = ( "a" , "b" ) EOL key:y = int:1 EOF`},
		{"nested parentheses", `x = ( "a" => ( "b" ), () )`, `key:x = ( "a" => ( "b" ) , ( ) ) EOF`},
		{"comma outside parentheses is ignored", `x = 1, y = 2,`, `key:x = int:1 key:y = int:2 EOF`},
		{"comma at line start ignored", ",x = 1", `key:x = int:1 EOF`},
		{"U+00A0 is a space", "x\u00a0=\u00a0\"a\"\u00a0", `key:x = "a" EOF`},
		{"U+00A0 inside a string is kept", "x = \"a\u00a0b\"", `key:x = "a\u00a0b" EOF`},
		{"condition ==", `$HTTP["host"] == "a" {`, `$ obj:HTTP [ "host" ] == "a" { EOF`},
		{"condition !=", `$HTTP["host"] != "a"`, `$ obj:HTTP [ "host" ] != "a" EOF`},
		{"condition =~", `$HTTP["url"] =~ "^/a"`, `$ obj:HTTP [ "url" ] =~ "^/a" EOF`},
		{"condition !~", `$HTTP["url"] !~ "^/a"`, `$ obj:HTTP [ "url" ] !~ "^/a" EOF`},
		{"condition =^", `$HTTP["url"] =^ "/a"`, `$ obj:HTTP [ "url" ] =^ "/a" EOF`},
		{"condition =$", `$HTTP["url"] =$ ".a"`, `$ obj:HTTP [ "url" ] =$ ".a" EOF`},
		{"condition without spaces", `$SERVER["socket"]==":80"{}`, `$ obj:SERVER [ "socket" ] == ":80" { } EOF`},
		{"REQUEST_HEADER object", `$REQUEST_HEADER["X-A"] == "1"`, `$ obj:REQUEST_HEADER [ "X-A" ] == "1" EOF`},
		{"condition with variable", `$HTTP["host"] == var.h + ".com"`, `$ obj:HTTP [ "host" ] == key:var.h + ".com" EOF`},
		{"= inside parens in a condition tag", `$HTTP[ ("a") ] == "b"`, `$ obj:HTTP [ ( "a" ) ] == "b" EOF`},
		{"if before $ is ignored", `if $HTTP["host"] == "a" {`, `$ obj:HTTP [ "host" ] == "a" { EOF`},
		{"if before $ after tabs", "if\t \t$HTTP[\"host\"] == \"a\"", `$ obj:HTTP [ "host" ] == "a" EOF`},
		{"if as a name", `if = 1`, `key:if = int:1 EOF`},
		{"if at the end of a line is a name", "if\n$HTTP", `key:if EOL $ obj:HTTP EOF`},
		{"else if", `} else if $HTTP["host"] == "b" {`, `} EOL else $ obj:HTTP [ "host" ] == "b" { EOF`},
		{"} else { simulates an EOL", `} else {`, `} EOL else { EOF`},
		{"}else{ simulates an EOL", `}else{`, `} EOL else { EOF`},
		{"} then a statement simulates an EOL", `} x = 1`, `} EOL key:x = int:1 EOF`},
		{"} then a comment does not", "} # c\nx = 1", `} EOL key:x = int:1 EOF`},
		{"} at the end of input", "}", `} EOF`},
		{"} then blanks and newline", "}  \t\nx = 1", `} EOL key:x = int:1 EOF`},
		{"} } closes two blocks", "} }", `} EOL } EOF`},
		{"elif", `elif $HTTP`, `elif $ obj:HTTP EOF`},
		{"elsif", `elsif $HTTP`, `elsif $ obj:HTTP EOF`},
		{"elseif", `elseif $HTTP`, `elseif $ obj:HTTP EOF`},
		{"else as part of a name", `else.x = 1`, `key:else.x = int:1 EOF`},
		{"include", `include "a.conf"`, `include "a.conf" EOF`},
		{"include_shell", `include_shell "cat a"`, `include_shell "cat a" EOF`},
		{"include as part of a name", `includes = 1`, `key:includes = int:1 EOF`},
		{"global", `global { x = 1 }`, `global { key:x = int:1 } EOF`},
		{"operator resets to key context", `$HTTP["host"] == "a" { x = 1 }`, `$ obj:HTTP [ "host" ] == "a" { key:x = int:1 } EOF`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := lexAll(tt.src)
			if err != nil {
				t.Fatalf("lex %q: %v (tokens so far: %s)", tt.src, err, strings.Join(got, " "))
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("lex %q\n got: %s\nwant: %s", tt.src, g, tt.want)
			}
		})
	}
}

// Positions matter because every parser error is reported at a token's
// position; columns are 1-based bytes.
func TestLexerPositions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // "line:col" of each token, EOF included
	}{
		{"one line", `ab = "c"`, `1:1 1:4 1:6 1:9`},
		{"EOL is where the newline is", "a = 1\nb = 2", `1:1 1:3 1:5 1:6 2:1 2:3 2:5 2:6`},
		{"EOL position of folded blank lines", "a = 1\n\n\n  b = 2", `1:1 1:3 1:5 1:6 4:3 4:5 4:7 4:8`},
		{"CRLF counts one line", "a = 1\r\n\r\nb = 2", `1:1 1:3 1:5 1:6 3:1 3:3 3:5 3:6`},
		{"multi-line string advances the line", "x = \"a\nbc\" + y\nz = 1", `1:1 1:3 1:5 2:5 2:7 2:8 3:1 3:3 3:5 3:6`},
		{"tab is one column", "\tx = 1", `1:2 1:4 1:6 1:7`},
		{"U+00A0 is two columns", "\u00a0x = 1", `1:3 1:5 1:7 1:8`},
		{"simulated EOL sits after the }", `} else {`, `1:1 1:3 1:3 1:8 1:9`},
		{"if is skipped", `if $HTTP`, `1:4 1:5 1:9`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, toks, err := lexAll(tt.src)
			if err != nil {
				t.Fatalf("lex %q: %v", tt.src, err)
			}
			var got []string
			for _, tok := range toks {
				got = append(got, strconv.Itoa(tok.pos.Line)+":"+strconv.Itoa(tok.pos.Col))
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("positions of %q\n got: %s\nwant: %s", tt.src, g, tt.want)
			}
			for _, tok := range toks {
				if tok.pos.File != "t.conf" {
					t.Errorf("token %s has file %q, want t.conf", renderToken(tok), tok.pos.File)
				}
			}
		})
	}
}

// Every error the lexer can report, with the position a user needs to
// find the offending byte. "unexpected equal-sign: =" is left out: like
// lighttpd's, the lexer only leaves key context at '$', which also enters
// condition context, so no input reaches it.
func TestLexerErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"= in an array", `x = ( "a" = "b" )`, `t.conf:1:11: use => for assignments in arrays`},
		{"= at the end of an array", "x = (\n\"a\" =", `t.conf:2:5: use => for assignments in arrays`},
		{"bad = operator in a condition", `$HTTP["host"] =! "a"`, `t.conf:1:15: only == =~ =^ =$ are allowed in the condition`},
		{"= alone in a condition", `$HTTP["host"] = "a"`, `t.conf:1:15: only == =~ =^ =$ are allowed in the condition`},
		{"! outside a condition", `x != 1`, `t.conf:1:3: unexpected exclamation-mark: !`},
		{"bad ! operator in a condition", `$HTTP["host"] !^ "a"`, `t.conf:1:15: only != and !~ are allowed in the condition`},
		{"! at the end of input in a condition", `$HTTP["host"] !`, `t.conf:1:15: only != and !~ are allowed in the condition`},
		{"close paren without open", "x = 1\ny = )", `t.conf:2:5: close-parens without open-parens`},
		{"one close paren too many", `x = ( 1 ) )`, `t.conf:1:11: close-parens without open-parens`},
		{"lone colon", `x : 1`, `t.conf:1:3: unexpected character ':'`},
		{"colon at the end", `x :`, `t.conf:1:3: unexpected character ':'`},
		{"NUL byte", "x = 1\n\x00", `t.conf:2:1: stray NUL byte`},
		{"NUL byte in a string", "x = \"a\x00b\"", `t.conf:1:5: stray NUL byte in string`},
		{"digit after $", `$1`, `t.conf:1:2: invalid character in condition: '1'`},
		{"dot in a condition object", `$HTTP.x`, `t.conf:1:6: invalid character in condition: '.'`},
		{"two names", `x y = 1`, `t.conf:1:3: missing assignment operator ('=') or missing string concat operator ('+') before y`},
		{"two names in a value", `x = a b`, `t.conf:1:7: missing assignment operator ('=') or missing string concat operator ('+') before b`},
		{"two strings", `x = "a" "b"`, `t.conf:1:9: strings may be combined with '+' or separated with ',' or '=>' in lists`},
		{"two strings across lines in an array", "x = ( \"a\"\n  \"b\" )", `t.conf:2:3: strings may be combined with '+' or separated with ',' or '=>' in lists`},
		{"string after a name", `x "a"`, `t.conf:1:3: missing assignment operator ('=')?`},
		{"missing closing quote", "x = 1\ny = \"abc", `t.conf:2:5: missing closing quote`},
		{"missing closing quote after escape", `y = "abc\"`, `t.conf:1:5: missing closing quote`},
		{"invalid character", `x = 1 @`, `t.conf:1:7: invalid character '@'`},
		{"=> outside parens", `x => 1`, `t.conf:1:3: => is only allowed inside ( ), between a key and its value`},
		{"> alone", `x = 1 > 2`, `t.conf:1:7: invalid character '>'`},
		{"integer condition tag", `$HTTP[1] == "a"`, `t.conf:1:7: invalid character in condition: '1'`},
		{"semicolon", `x = 1;`, `t.conf:1:6: invalid character ';'`},
		{"error column after a multi-line string", "x = \"a\nbc\" @", `t.conf:2:5: invalid character '@'`},
		{"error line after CRLF", "x = 1\r\ny = 2\r\n@", `t.conf:3:1: invalid character '@'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := lexAll(tt.src)
			if err == nil {
				t.Fatalf("lex %q: no error, tokens %s; want %s", tt.src, strings.Join(got, " "), tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("lex %q\n got: %s\nwant: %s", tt.src, err, tt.want)
			}
			if _, ok := err.(*Error); !ok {
				t.Errorf("error is %T, want *Error", err)
			}
		})
	}
}

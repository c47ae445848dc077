package pipeline

import (
	"strings"
	"testing"
)

// TestEnv: Set replaces, Add joins to what a variable has as lighttpd's
// setenv.add-environment does, and the order is the order of first
// setting.
func TestEnv(t *testing.T) {
	var e Env
	e.Set("A", "1")
	e.Add("B", "x")
	e.Add("B", "y")
	e.Set("A", "2")
	e.Add("EMPTY", "")
	e.Add("EMPTY", "now")
	e.Add("C", "c")
	e.Add("C", "")
	var got []string
	e.Each(func(name, value string) { got = append(got, name+"="+value) })
	if want := "A=2|B=x, y|EMPTY=now|C=c, "; strings.Join(got, "|") != want {
		t.Errorf("env %q, want %q", strings.Join(got, "|"), want)
	}
	if v, ok := e.Get("B"); !ok || v != "x, y" || e.Len() != 4 {
		t.Errorf("Get(B) = %q %v, Len %d", v, ok, e.Len())
	}
	e.Reset()
	if _, ok := e.Get("A"); ok || e.Len() != 0 {
		t.Error("Reset left variables")
	}
}

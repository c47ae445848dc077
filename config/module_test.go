package config

import (
	"errors"
	"strings"
	"testing"
)

// Every featherd binary links in mod_indexfile and mod_staticfile, whose
// packages (http/indexfile, http/staticfile) register these keys. This
// package's tests register the same keys, decoding nothing, so that
// configurations load here as they do in featherd; the modules' own
// tests check the values.
func init() {
	ignore := func(Value, *Block) (func(*struct{}), error) { return nil, nil }
	RegisterModule("mod_indexfile", struct{}{}, map[string]Compile[struct{}]{
		"index-file.names": ignore, "server.indexfiles": ignore,
	})
	RegisterModule("mod_staticfile", struct{}{}, map[string]Compile[struct{}]{
		"static-file.exclude-extensions": ignore, "static-file.etags": ignore, "static-file.disable-pathinfo": ignore,
	})
}

// testModuleOpts is a module registered only in this package's tests: a
// list whose elements must not be "bad".
var testModuleOpts = RegisterModule("mod_config_test", []string(nil), map[string]Compile[[]string]{
	"config-test.list": func(v Value, _ *Block) (func(*[]string), error) {
		list, err := DecodeList(v)
		if err != nil {
			return nil, err
		}
		for _, e := range v.List {
			switch e.Value.Str {
			case "bad":
				return nil, At(e, errors.New(`"bad" is not allowed`))
			case "dubious":
				err = At(e, Warn(`"dubious" is taken as it is`))
			}
		}
		return func(o *[]string) { *o = list }, err
	},
})

// TestModuleErrorAtElement: an error or a warning about one element of
// a module's array is reported at that element's line and column.
func TestModuleErrorAtElement(t *testing.T) {
	src := optDocRoot + "server.modules = ( \"mod_config_test\" )\nconfig-test.list = (\n  \"good\",\n    \"bad\",\n)\n"
	_, err := optParse(src, nil)
	want := `test.conf:5:5: config-test.list: "bad" is not allowed`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}

	src = optDocRoot + "server.modules = ( \"mod_config_test\" )\nconfig-test.list = ( \"good\", \"dubious\" )\n"
	c := optMustParse(t, src)
	checkWarnings(t, c, []string{`test.conf:3:30: warning: config-test.list: "dubious" is taken as it is`})
	if got := testModuleOpts.Of(c).Base(); strings.Join(*got, ",") != "good,dubious" {
		t.Errorf("value = %q, want the list despite the warning", *got)
	}
}

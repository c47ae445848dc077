package extforward_test

import (
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
)

func parse(src string) (*config.Config, error) {
	return config.Parse("test.conf", "server.document-root = \"/srv/www\"\nserver.modules = ( \"mod_extforward\" )\n"+src, "",
		config.LoadOptions{Sandbox: true, Dir: "/", DefaultTag: "featherd-test"})
}

// TestConfigErrors: what stops lighttpd from starting stops featherd, at
// the setting or the entry of it that is wrong: file:line:col, the key and
// what is wrong.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"netmask not a number", `extforward.forwarder = ( "10.0.0.0/x" => "trust" )`,
			`test.conf:3:26: extforward.forwarder: "10.0.0.0/x": invalid netmask "x"`},
		{"netmask zero", `extforward.forwarder = ( "10.0.0.0/0" => "trust" )`,
			`test.conf:3:26: extforward.forwarder: "10.0.0.0/0": invalid netmask "0"`},
		{"netmask signed", `extforward.forwarder = ( "10.0.0.0/+8" => "trust" )`,
			`test.conf:3:26: extforward.forwarder: "10.0.0.0/+8": invalid netmask "+8"`},
		{"network not an address", `extforward.forwarder = ( "proxy.internal/8" => "trust" )`,
			`test.conf:3:26: extforward.forwarder: "proxy.internal/8": invalid network address "proxy.internal"`},
		{"network with a zone", `extforward.forwarder = ( "[fe80::1%eth0]/64" => "trust" )`,
			`test.conf:3:26: extforward.forwarder: "[fe80::1%eth0]/64": invalid network address "fe80::1%eth0"`},
		{"a list, not a hash", `extforward.forwarder = ( "10.0.0.1" )`,
			`test.conf:3:1: extforward.forwarder: expected a list of key => string values`},
		{"a value not a string", "\n" + `extforward.forwarder = ( "10.0.0.1" => 1 )`,
			`test.conf:4:1: extforward.forwarder: expected a list of key => string values`},
		{"headers a string", `extforward.headers = "X-Forwarded-For"`,
			`test.conf:3:1: extforward.headers: expected a list of strings`},
		{"params for", `extforward.params = ( "for" => 1 )`,
			`test.conf:3:23: extforward.params: keys must be one of: host, remote_user, but not: "for"`},
		{"params case", `extforward.params = ( "Host" => 1 )`,
			`test.conf:3:23: extforward.params: keys must be one of: host, remote_user, but not: "Host"`},
		{"params value", `extforward.params = ( "host" => "maybe" )`,
			`test.conf:3:23: extforward.params: "host": expected "enable" or "disable"`},
		{"in a block, the entry on its own line", "$HTTP[\"url\"] =^ \"/x/\" {\n  extforward.forwarder = (\n    \"127.0.0.1\" => \"trust\",\n    \"10.0.0.0/33x\" => \"trust\",\n  )\n}",
			`test.conf:6:5: extforward.forwarder: "10.0.0.0/33x": invalid netmask`},
		{"PROXY protocol not a boolean", `extforward.hap-PROXY = "perhaps"`,
			`test.conf:3:1: extforward.hap-PROXY: expected "enable" or "disable"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.src + "\n")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant one starting with:\n%s", err, tt.want)
			}
		})
	}
}

// TestConfigWarnings: what lighttpd logs and starts anyway.
func TestConfigWarnings(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"a value other than trust", `extforward.forwarder = ( "10.0.0.1" => "trusted", "10.0.0.2" => "trust" )`,
			[]string{`test.conf:3:26: warning: extforward.forwarder: expected "trust", not "10.0.0.1" => "trusted"; treating it as untrusted`}},
		{"an untrusted network", `extforward.forwarder = ( "10.0.0.0/8" => "untrusted" )`,
			[]string{`test.conf:3:26: warning: extforward.forwarder: untrusted networks are ignored ("10.0.0.0/8" => "untrusted")`}},
		{"at the entry concerned", "extforward.forwarder = (\n  \"10.0.0.2\" => \"trust\",\n  \"10.0.0.0/8\" => \"untrusted\",\n)",
			[]string{`test.conf:5:3: warning: extforward.forwarder: untrusted networks are ignored ("10.0.0.0/8" => "untrusted")`}},
		{"fine", `extforward.forwarder = ( "10.0.0.0/8" => "trust", "[2001:db8::]/32" => "trust", "10.0.0.1/64" => "trust", "all" => "untrusted" )` + "\n" +
			`extforward.params = ( "host" => "disable", "remote_user" => "enable" )` + "\n" + `extforward.hap-PROXY = "disable"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(tt.src + "\n")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range c.Warnings {
				got = append(got, w.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

package config

import "testing"

// TestIgnoredOptionsWarn: an option featherd does not act on yet is
// warned about at the setting when its value would make lighttpd behave
// otherwise, and not when it is set to its default.
func TestIgnoredOptionsWarn(t *testing.T) {
	tests := []struct {
		name, src string
		warns     []string // as Warning.String()
	}{
		{"error documents and handlers are acted on", "server.errorfile-prefix = \"/srv/errors/status-\"\n" +
			"$HTTP[\"host\"] == \"a\" {\n  server.error-handler-404 = \"/404.html\"\n  server.error-handler = \"/e.php\"\n}\n", nil},
		{"syslog", "server.errorlog-use-syslog = \"enable\"\nserver.syslog-facility = \"daemon\"\n",
			[]string{"test.conf:2:1: warning: server.errorlog-use-syslog is not supported yet and is ignored: the error log is written as if it were disabled"}},
		{"syslog off", "server.errorlog-use-syslog = \"disable\"\nserver.syslog-facility = \"daemon\"\n", nil},
		{"core files", "server.core-files = \"enable\"\n",
			[]string{"test.conf:2:1: warning: server.core-files is not supported yet and is ignored: the core file size limit stays what featherd was started with"}},
		{"xattr media types", "mimetype.use-xattr = \"enable\"\nmimetype.xattr-name = \"user.mime\"\n",
			[]string{"test.conf:2:1: warning: mimetype.use-xattr is not supported yet and is ignored: media types come from mimetype.assign only"}},
		{"debug logging", "debug.log-request-handling = \"enable\"\ndebug.log-file-not-found = \"disable\"\n",
			[]string{"test.conf:2:1: warning: debug.log-request-handling is not supported yet and is ignored: nothing is logged"}},
		{"upload-temp-file-size", "server.upload-temp-file-size = 4096\n",
			[]string{"test.conf:2:1: warning: server.upload-temp-file-size is not supported yet and is ignored: featherd writes a request body to one temp file however large it grows"}},
		{"upload-temp-file-size default", "server.upload-temp-file-size = 1048576\n", nil},
		{"debug logging on errors", "debug.log-request-header-on-error = 1\n",
			[]string{"test.conf:2:1: warning: debug.log-request-header-on-error is not supported yet and is ignored: nothing is logged"}},
		// A server-wide option in a condition is ignored with a warning of
		// its own; saying it twice helps nobody.
		{"server-wide option in a condition", "$HTTP[\"host\"] == \"a\" {\n  server.core-files = \"enable\"\n}\n",
			[]string{"test.conf:3:3: warning: server.core-files is a server-wide option and is ignored inside a condition; set it in the global scope"}},
		{"flags across lines", "server.feature-flags += ( \"server.graceful-shutdown-timeout\" => 5 )\n" +
			"server.feature-flags += ( \"server.absolute-dir-redirect\" => \"enable\" )\n",
			[]string{"test.conf:3:27: warning: feature flag server.absolute-dir-redirect is not supported yet and is ignored: " +
				"a directory's redirect to its slash form has a relative Location"}},
		{"options that change nothing featherd serves", "server.name = \"www.example.org\"\nserver.error-intercept = \"enable\"\n" +
			"server.stream-request-body = 2\nserver.stream-response-body = 1\nserver.event-handler = \"poll\"\n" +
			"server.chunkqueue-chunk-sz = 4096\nserver.reject-expect-100-with-417 = \"disable\"\nserver.bsd-accept-filter = \"httpready\"\n" +
			"server.feature-flags = ( \"server.graceful-unconfig-sock\" => \"enable\", \"server.metrics-high-precision\" => \"enable\", " +
			"\"chunkqueue.splice\" => \"disable\", \"request.trailer-whitelist\" => \"X-Sum\", \"server.pcre_jit\" => \"disable\" )\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := optMustParse(t, optDocRoot+tt.src)
			checkWarnings(t, c, tt.warns)
		})
	}
}

// TestIgnoredOptionsTable: every line names an option featherd decodes
// (or a feature flag lighttpd knows), once, and says what the user gets.
func TestIgnoredOptionsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range ignoredOptions {
		name := o.key
		if o.flag {
			name = "feature flag " + name
		} else if _, ok := lookupKey(o.key); !ok {
			t.Errorf("%s: not a key featherd decodes", o.key)
		}
		if seen[name] {
			t.Errorf("%s: listed twice", name)
		}
		seen[name] = true
		if o.instead == "" {
			t.Errorf("%s: says nothing", name)
		}
	}
}

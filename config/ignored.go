package config

import (
	"fmt"
	"strings"
)

// ignoredOption is an option featherd reads and type-checks but does not
// act on yet. The configuration loads; where the value set would make
// lighttpd do something featherd does not, featherd says so at start-up
// with a warning at the setting. An option whose absence could expose
// something or weaken security does not belong here: featherd must either
// implement it or refuse the configuration.
type ignoredOption struct {
	key  string // as users write it; for a feature flag, the flag's name
	flag bool   // a server.feature-flags entry rather than a key
	// changes reports whether a value would make lighttpd behave otherwise
	// than featherd does; its default never does. nil: no value does, given
	// what featherd has, and nothing is said.
	changes func(Value) bool
	// instead says what the user gets; for a nil changes, why nothing is
	// lost.
	instead string
}

// ignoredOptions is every option featherd decodes but does not act on,
// one line each: implementing one deletes its line.
var ignoredOptions = []ignoredOption{
	{key: "server.errorlog-use-syslog", changes: enabled, instead: "the error log is written as if it were disabled"},
	{key: "server.breakagelog", changes: nonEmpty, instead: "the file is not opened, and featherd's own stderr stays where it was started"},
	{key: "server.core-files", changes: enabled, instead: "the core file size limit stays what featherd was started with"},
	{key: "mimetype.use-xattr", changes: enabled, instead: "media types come from mimetype.assign only"},
	{key: "debug.log-condition-handling", changes: enabled, instead: "nothing is logged"},
	{key: "debug.log-file-not-found", changes: enabled, instead: "nothing is logged"},
	{key: "debug.log-request-handling", changes: enabled, instead: "nothing is logged"},
	{key: "debug.log-request-header", changes: enabled, instead: "nothing is logged"},
	{key: "debug.log-response-header", changes: enabled, instead: "nothing is logged"},
	{key: "debug.log-timeouts", changes: enabled, instead: "nothing is logged"},
	{key: "debug.log-state-handling", changes: enabled, instead: "nothing is logged"},
	{key: "debug.log-request-header-on-error", changes: enabled, instead: "nothing is logged"},
	{key: "server.absolute-dir-redirect", flag: true, changes: enabled, instead: "a directory's redirect to its slash form has a relative Location"},
	{key: "http10.range", flag: true, changes: enabled, instead: "HTTP/1.0 requests get the whole file, never a range"},
	{key: "server.clock-jump-restart", flag: true, changes: clockJumpRestart, instead: "featherd does not restart when the clock jumps"},
	{key: "server.errorlog-high-precision", flag: true, changes: enabled, instead: "error log times are to the second"},
	{key: "server.h2proto", flag: true, changes: enabled, instead: "featherd speaks HTTP/1.1 only"},
	{key: "server.h2c", flag: true, changes: enabled, instead: "featherd speaks HTTP/1.1 only"},
	{key: "server.network-mptcp", flag: true, changes: enabled, instead: "the sockets speak plain TCP"},
	// lighttpd closes a full temp file and reopens it by name to read it.
	// featherd's temp files have no name (they are deleted as they are
	// created, so a crash leaves none behind): each would hold a
	// descriptor until the request ends.
	{key: "server.upload-temp-file-size", changes: otherTempFileSize,
		instead: "featherd writes a request body to one temp file however large it grows"},

	{key: "server.stream-request-body", instead: "it concerns request bodies sent to backends"},
	{key: "server.syslog-facility", instead: "only server.errorlog-use-syslog uses it"},
	{key: "mimetype.xattr-name", instead: "only mimetype.use-xattr uses it"},
	{key: "server.event-handler", instead: "featherd always uses epoll; only speed could differ"},
	{key: "server.chunkqueue-chunk-sz", instead: "it sizes memory buffers; only memory use differs"},
	{key: "server.reject-expect-100-with-417", instead: "lighttpd ignores it too"},
	{key: "server.bsd-accept-filter", instead: "FreeBSD only: lighttpd ignores it on Linux too"},
	{key: "server.graceful-unconfig-sock", flag: true, instead: "on a restart featherd's master already closes the sockets the new configuration no longer names (systemd's excepted, as in lighttpd)"},
	{key: "server.metrics-high-precision", flag: true, instead: "only mod_status uses it"},
	{key: "server.errorlog-utf8", flag: true, instead: "featherd escapes nothing it logs either way"},
	{key: "server.pcre_jit", flag: true, instead: "featherd's conditions and rewrite and redirect rules use Go's regexp, not PCRE"},
	{key: "chunkqueue.splice", flag: true, instead: "it concerns copying from backends; only speed could differ"},
	{key: "request.trailer-whitelist", flag: true, instead: "only backends see request trailers"},
	{key: "server.h1-discard-backend-1xx", flag: true, instead: "it concerns backends' responses"},
	{key: "server.h2-discard-backend-1xx", flag: true, instead: "it concerns backends' responses"},
	{key: "server.discard-backend-1xx", flag: true, instead: "it concerns backends' responses"},
	{key: "gw.upgrade-with-request-body", flag: true, instead: "it concerns backends"},
	{key: "proxy.force-http10", flag: true, instead: "only mod_proxy uses it"},
	{key: "cgi.tempfile-accum", flag: true, instead: "only mod_cgi uses it"},
	{key: "auth.delay-invalid-creds", flag: true, instead: "only mod_auth uses it"},
}

func enabled(v Value) bool {
	on, _ := decodeBool(v)
	return on
}

func nonEmpty(v Value) bool { return v.Kind == KindString && v.Str != "" }

// otherTempFileSize: lighttpd's default, 1 MiB, is not warned about.
func otherTempFileSize(v Value) bool {
	n, err := decodeInt(v)
	return err == nil && n != 0 && n != 1<<20
}

// clockJumpRestart: 0 turns lighttpd's restart on a clock jump off, which
// is what featherd does; the default, 1800 seconds, is not warned about.
func clockJumpRestart(v Value) bool {
	n, err := decodeInt(v)
	return err == nil && n != 0 && n != 1800
}

// findIgnored returns the ignoredOptions line of a key or a flag.
func findIgnored(key string, flag bool) *ignoredOption {
	for i := range ignoredOptions {
		if o := &ignoredOptions[i]; o.flag == flag && strings.EqualFold(o.key, key) {
			return o
		}
	}
	return nil
}

// warnIgnored warns at each setting of an option featherd does not act on
// whose value would make lighttpd behave otherwise. Server-wide options
// count in the global scope only: elsewhere they are ignored with a
// warning of their own.
func (c *Config) warnIgnored(w *warnings) {
	for _, b := range c.Blocks {
		for _, s := range b.Settings {
			if strings.EqualFold(s.Key, "server.feature-flags") {
				if b.Index == 0 {
					warnIgnoredFlags(w, s)
				}
				continue
			}
			o := findIgnored(s.Key, false)
			if o == nil || o.changes == nil || !o.changes(s.Value) {
				continue
			}
			if d, _ := lookupKey(s.Key); d.scope != scopeConnection && b.Index != 0 {
				continue
			}
			w.add(s.Pos, fmt.Sprintf("%s is not supported yet and is ignored: %s", s.Key, o.instead))
		}
	}
}

func warnIgnoredFlags(w *warnings, s Setting) {
	for _, e := range s.Value.List {
		o := findIgnored(e.Key, true)
		if !e.Keyed || o == nil || o.changes == nil || !o.changes(e.Value) {
			continue
		}
		w.add(elementPos(e, s), fmt.Sprintf("feature flag %s is not supported yet and is ignored: %s", e.Key, o.instead))
	}
}

// elementPos is where an array element was written, or else where its
// setting was.
func elementPos(e Element, s Setting) Pos {
	if e.Pos.Line > 0 {
		return e.Pos
	}
	return s.Pos
}

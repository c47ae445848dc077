package config

import (
	"fmt"
	"strings"
	"time"
)

// parseOptNames maps server.http-parseopts keys to their switches.
var parseOptNames = map[string]func(*ParseOpts) *bool{
	"header-strict":            func(p *ParseOpts) *bool { return &p.HeaderStrict },
	"host-strict":              func(p *ParseOpts) *bool { return &p.HostStrict },
	"host-normalize":           func(p *ParseOpts) *bool { return &p.HostNormalize },
	"method-get-body":          func(p *ParseOpts) *bool { return &p.MethodGetBody },
	"url-normalize":            func(p *ParseOpts) *bool { return &p.URLNormalize },
	"url-normalize-unreserved": func(p *ParseOpts) *bool { return &p.URLNormalizeUnreserved },
	"url-normalize-required":   func(p *ParseOpts) *bool { return &p.URLNormalizeRequired },
	"url-ctrls-reject":         func(p *ParseOpts) *bool { return &p.URLCtrlsReject },
	"url-path-backslash-trans": func(p *ParseOpts) *bool { return &p.URLPathBackslashTrans },
	"url-path-2f-decode":       func(p *ParseOpts) *bool { return &p.URLPath2FDecode },
	"url-path-2f-reject":       func(p *ParseOpts) *bool { return &p.URLPath2FReject },
	"url-path-dotseg-remove":   func(p *ParseOpts) *bool { return &p.URLPathDotsegRemove },
	"url-path-dotseg-reject":   func(p *ParseOpts) *bool { return &p.URLPathDotsegReject },
	"url-query-20-plus":        func(p *ParseOpts) *bool { return &p.URLQuery20Plus },
	"url-invalid-utf8-reject":  func(p *ParseOpts) *bool { return &p.URLInvalidUTF8Reject },
}

// decodeParseOpts applies server.http-parseopts over the defaults with
// lighttpd's rules: "url-normalize" => "disable" turns every url-* option
// off; any url-* option on implies url-normalize; and unless
// url-normalize-unreserved or -required is chosen, unreserved and
// invalid-utf8-reject are on, and 2f-decode too unless disabled.
func decodeParseOpts(s *ServerOptions, v Value) error {
	list, err := decodeHash(v)
	if err != nil {
		return err
	}
	p := s.HTTPParseOpts
	urlNormalize, decode2F := true, true
	for _, e := range list {
		field, ok := parseOptNames[strings.ToLower(e.Key)]
		if !ok {
			return fmt.Errorf("unrecognized key %q (known: header-strict, host-strict, host-normalize, method-get-body, url-normalize, url-normalize-unreserved, url-normalize-required, url-ctrls-reject, url-path-backslash-trans, url-path-2f-decode, url-path-2f-reject, url-path-dotseg-remove, url-path-dotseg-reject, url-query-20-plus, url-invalid-utf8-reject)", e.Key)
		}
		on, err := decodeBool(e.Value)
		if err != nil {
			return fmt.Errorf("%q: %v", e.Key, err)
		}
		*field(&p) = on
		switch strings.ToLower(e.Key) {
		case "url-normalize":
			urlNormalize = on
		case "url-path-2f-decode":
			decode2F = on
		}
	}
	url := []*bool{&p.URLNormalizeUnreserved, &p.URLNormalizeRequired, &p.URLCtrlsReject,
		&p.URLPathBackslashTrans, &p.URLPath2FDecode, &p.URLPath2FReject, &p.URLPathDotsegRemove,
		&p.URLPathDotsegReject, &p.URLQuery20Plus, &p.URLInvalidUTF8Reject}
	// url-normalize itself stays on unless disabled explicitly, so turning
	// every other url-* option off still leaves the defaults below.
	any := urlNormalize && p.URLNormalize
	for _, b := range url {
		if !urlNormalize {
			*b = false
		}
		any = any || *b
	}
	p.URLNormalize = any
	if any && !p.URLNormalizeUnreserved && !p.URLNormalizeRequired {
		p.URLNormalizeUnreserved, p.URLInvalidUTF8Reject = true, true
		p.URLPath2FDecode = p.URLPath2FDecode || decode2F
	}
	s.HTTPParseOpts = p
	return nil
}

// featureFlag describes one server.feature-flags entry lighttpd knows.
type featureFlag struct {
	set func(f *Features, v Value) error
	// missing, for flags featherd does not implement, says what enabling
	// the flag would ask for; such flags get a warning when enabled.
	missing string
}

func boolFlag(field func(*Features) *bool) featureFlag {
	return featureFlag{set: func(f *Features, v Value) error {
		b, err := decodeBool(v)
		*field(f) = b
		return err
	}}
}

func secondsFlag(field func(*Features) *time.Duration) featureFlag {
	return featureFlag{set: func(f *Features, v Value) error {
		n, err := decodeInt(v)
		*field(f) = time.Duration(n) * time.Second
		return err
	}}
}

func missingFlag(what string) featureFlag { return featureFlag{missing: what} }

var featureFlags = map[string]featureFlag{
	"server.graceful-restart-bg":       boolFlag(func(f *Features) *bool { return &f.GracefulRestartBG }),
	"server.graceful-shutdown-timeout": secondsFlag(func(f *Features) *time.Duration { return &f.GracefulShutdownTimeout }),
	"server.graceful-unconfig-sock":    boolFlag(func(f *Features) *bool { return &f.GracefulUnconfigSock }),
	"server.clock-jump-restart":        secondsFlag(func(f *Features) *time.Duration { return &f.ClockJumpRestart }),
	"server.absolute-dir-redirect":     boolFlag(func(f *Features) *bool { return &f.AbsoluteDirRedirect }),
	"http10.range":                     boolFlag(func(f *Features) *bool { return &f.HTTP10Range }),
	"server.http-pathinfo":             boolFlag(func(f *Features) *bool { return &f.HTTPPathinfo }),
	"server.errorlog-high-precision":   boolFlag(func(f *Features) *bool { return &f.ErrorlogHighPrecision }),
	"server.metrics-high-precision":    boolFlag(func(f *Features) *bool { return &f.MetricsHighPrecision }),
	"chunkqueue.splice":                boolFlag(func(f *Features) *bool { return &f.ChunkqueueSplice }),
	"request.trailer-whitelist": {set: func(f *Features, v Value) error {
		s, err := decodeString(v)
		f.TrailerWhitelist = s
		return err
	}},

	"server.h2proto":                missingFlag("HTTP/2"),
	"server.h2c":                    missingFlag("HTTP/2 over cleartext"),
	"server.network-mptcp":          missingFlag("multipath TCP"),
	"server.errorlog-utf8":          {},
	"server.pcre_jit":               {},
	"server.h1-discard-backend-1xx": {},
	"server.h2-discard-backend-1xx": {},
	"server.discard-backend-1xx":    {},
	"auth.delay-invalid-creds":      {},
	"gw.upgrade-with-request-body":  {},
	"proxy.force-http10":            {},
	"cgi.tempfile-accum":            {},
}

// decodeFeatureFlags reads server.feature-flags into s.Features. Flags
// that featherd does not act on are checked by featureWarnings.
func decodeFeatureFlags(s *ServerOptions, v Value) error {
	list, err := decodeHash(v)
	if err != nil {
		return err
	}
	for _, e := range list {
		ff := featureFlags[strings.ToLower(e.Key)]
		if ff.set != nil {
			if err := ff.set(&s.Features, e.Value); err != nil {
				return fmt.Errorf("%q: %v", e.Key, err)
			}
		}
	}
	return nil
}

// featureWarnings lists the flags featherd ignores: unknown ones, and
// known ones asking for something featherd does not have.
func featureWarnings(v Value) []string {
	var out []string
	for _, e := range v.List {
		key := strings.ToLower(e.Key)
		ff, known := featureFlags[key]
		switch {
		case !known && !strings.HasPrefix(key, "ssl."):
			out = append(out, fmt.Sprintf("unknown feature flag %q (ignored)", e.Key))
		case ff.missing != "":
			if on, _ := decodeBool(e.Value); on {
				out = append(out, fmt.Sprintf("feature flag %q asks for %s, which featherd does not support (ignored)", e.Key, ff.missing))
			}
		}
	}
	return out
}

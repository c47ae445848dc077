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

// featureFlag is a server.feature-flags entry featherd decodes into
// Features, which type-checks it. Those it does not act on yet are also
// in ignoredOptions, and so are the flags lighttpd knows that featherd
// does not decode at all.
type featureFlag struct {
	set func(f *Features, v Value) error
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
}

// decodeFeatureFlags reads server.feature-flags into s.Features.
func decodeFeatureFlags(s *ServerOptions, v Value) error {
	list, err := decodeHash(v)
	if err != nil {
		return err
	}
	for _, e := range list {
		if ff, ok := featureFlags[strings.ToLower(e.Key)]; ok {
			if err := ff.set(&s.Features, e.Value); err != nil {
				return fmt.Errorf("%q: %v", e.Key, err)
			}
		}
	}
	return nil
}

// warnUnknownFlags warns about the flags neither featherd nor lighttpd
// knows (TLS modules' ssl.* flags aside).
func warnUnknownFlags(w *warnings, s Setting) {
	for _, e := range s.Value.List {
		key := strings.ToLower(e.Key)
		if _, ok := featureFlags[key]; ok || findIgnored(key, true) != nil || strings.HasPrefix(key, "ssl.") {
			continue
		}
		w.add(elementPos(e, s), fmt.Sprintf("unknown feature flag %q (ignored)", e.Key))
	}
}

package config

import (
	"errors"
	"strings"
	"time"
)

// scope says where a key may be set and how it is applied (lighttpd's
// T_CONFIG_SCOPE_*).
type scope uint8

const (
	// scopeConnection keys may differ per request: they are compiled into
	// one patch per block and merged by the evaluator.
	scopeConnection scope = iota
	// scopeServer keys are read from the global scope only.
	scopeServer
	// scopeSocket keys are read from the global scope and from
	// $SERVER["socket"] == "…" blocks.
	scopeSocket
)

// patch sets one connection-scope option; patches are built when the
// configuration loads, so applying one allocates nothing.
type patch func(*Options)

// keyDef is what featherd knows about one lighttpd.conf key.
type keyDef struct {
	scope   scope
	compile func(v Value, b *Block) (patch, error) // scopeConnection
	server  func(s *ServerOptions, v Value) error  // scopeServer
	socket  func(s *SocketOptions, v Value) error  // scopeSocket
}

// connKey defines a connection-scope key stored in one field of Options.
func connKey[T any](decode func(Value) (T, error), field func(*Options) *T) *keyDef {
	return &keyDef{scope: scopeConnection, compile: func(v Value, _ *Block) (patch, error) {
		x, err := decode(v)
		if err != nil && !isSoft(err) {
			return nil, err
		}
		return func(o *Options) { *field(o) = x }, err
	}}
}

// serverKey defines a server-scope key stored in one field of ServerOptions.
func serverKey[T any](decode func(Value) (T, error), field func(*ServerOptions) *T) *keyDef {
	return &keyDef{scope: scopeServer, server: func(s *ServerOptions, v Value) error {
		x, err := decode(v)
		if err == nil || isSoft(err) {
			*field(s) = x
		}
		return err
	}}
}

// socketKey defines a socket-scope key stored in one field of SocketOptions.
func socketKey[T any](decode func(Value) (T, error), field func(*SocketOptions) *T) *keyDef {
	return &keyDef{scope: scopeSocket, socket: func(s *SocketOptions, v Value) error {
		x, err := decode(v)
		if err == nil || isSoft(err) {
			*field(s) = x
		}
		return err
	}}
}

// ignoredKey is a key featherd accepts and validates but does not act on,
// because it concerns a platform or facility featherd does not have.
func ignoredKey[T any](sc scope, decode func(Value) (T, error)) *keyDef {
	d := &keyDef{scope: sc}
	check := func(v Value) error { _, err := decode(v); return err }
	switch sc {
	case scopeConnection:
		d.compile = func(v Value, _ *Block) (patch, error) { return nil, check(v) }
	case scopeServer:
		d.server = func(_ *ServerOptions, v Value) error { return check(v) }
	case scopeSocket:
		d.socket = func(_ *SocketOptions, v Value) error { return check(v) }
	}
	return d
}

// coreKeys are the keys of lighttpd's core; each module registers its
// own (RegisterModule, module.go). Option keys appear exactly as users
// write them, so a grep for a key finds where it is decoded.
var coreKeys = map[string]*keyDef{
	// connection scope (lighttpd's config_insert)
	"server.document-root":             connKey(decodeString, func(o *Options) *string { return &o.DocumentRoot }),
	"server.name":                      connKey(decodeString, func(o *Options) *string { return &o.ServerName }),
	"server.tag":                       connKey(decodeString, func(o *Options) *string { return &o.Tag }),
	"server.max-request-size":          connKey(decodeKiB, func(o *Options) *int64 { return &o.MaxRequestSize }),
	"server.max-keep-alive-requests":   connKey(decodeShort, func(o *Options) *int { return &o.MaxKeepAliveRequests }),
	"server.max-keep-alive-idle":       connKey(decodeSeconds, func(o *Options) *time.Duration { return &o.MaxKeepAliveIdle }),
	"server.max-read-idle":             connKey(decodeSeconds, func(o *Options) *time.Duration { return &o.MaxReadIdle }),
	"server.max-write-idle":            connKey(decodeSeconds, func(o *Options) *time.Duration { return &o.MaxWriteIdle }),
	"server.errorfile-prefix":          connKey(decodeString, func(o *Options) *string { return &o.ErrorfilePrefix }),
	"server.error-handler":             connKey(decodeString, func(o *Options) *string { return &o.ErrorHandler }),
	"server.error-handler-404":         connKey(decodeString, func(o *Options) *string { return &o.ErrorHandler404 }),
	"server.error-intercept":           connKey(decodeBool, func(o *Options) *bool { return &o.ErrorIntercept }),
	"server.force-lowercase-filenames": connKey(decodeBool, func(o *Options) *bool { return &o.ForceLowercaseFilenames }),
	"server.follow-symlink":            connKey(decodeBool, func(o *Options) *bool { return &o.FollowSymlink }),
	"server.protocol-http11":           connKey(decodeBool, func(o *Options) *bool { return &o.ProtocolHTTP11 }),
	"server.range-requests":            connKey(decodeBool, func(o *Options) *bool { return &o.RangeRequests }),
	"server.stream-request-body":       connKey(decodeStreamMode, func(o *Options) *int { return &o.StreamRequestBody }),
	"server.stream-response-body":      connKey(decodeStreamMode, func(o *Options) *int { return &o.StreamResponseBody }),
	"server.kbytes-per-second":         {scope: scopeConnection, compile: compileServerRate},
	"connection.kbytes-per-second":     connKey(decodeShort, func(o *Options) *int { return &o.ConnectionKBytesPerSecond }),
	"mimetype.assign":                  connKey(decodeMimeTypes, func(o *Options) **MimeTypes { return &o.MimeTypes }),
	"mimetype.use-xattr":               connKey(decodeBool, func(o *Options) *bool { return &o.MimeUseXattr }),
	"etag.use-inode":                   connKey(decodeBool, func(o *Options) *bool { return &o.ETagUseInode }),
	"etag.use-mtime":                   connKey(decodeBool, func(o *Options) *bool { return &o.ETagUseMtime }),
	"etag.use-size":                    connKey(decodeBool, func(o *Options) *bool { return &o.ETagUseSize }),
	"server.errorlog":                  connKey(decodeString, func(o *Options) *string { return &o.ErrorLog }),
	"server.breakagelog":               connKey(decodeString, func(o *Options) *string { return &o.BreakageLog }),
	"debug.log-condition-handling":     connKey(decodeBool, func(o *Options) *bool { return &o.Debug.LogConditionHandling }),
	"debug.log-file-not-found":         connKey(decodeBool, func(o *Options) *bool { return &o.Debug.LogFileNotFound }),
	"debug.log-request-handling":       connKey(decodeBool, func(o *Options) *bool { return &o.Debug.LogRequestHandling }),
	"debug.log-request-header":         connKey(decodeBool, func(o *Options) *bool { return &o.Debug.LogRequestHeader }),
	"debug.log-response-header":        connKey(decodeBool, func(o *Options) *bool { return &o.Debug.LogResponseHeader }),
	"debug.log-timeouts":               connKey(decodeBool, func(o *Options) *bool { return &o.Debug.LogTimeouts }),
	"debug.log-state-handling":         connKey(decodeBool, func(o *Options) *bool { return &o.Debug.LogStateHandling }),

	// server scope (lighttpd's config_insert_srvconf)
	"server.modules":                      serverKey(decodeList, func(s *ServerOptions) *[]string { return &s.Modules }),
	"server.compat-module-load":           serverKey(decodeBool, func(s *ServerOptions) *bool { return &s.CompatModuleLoad }),
	"server.systemd-socket-activation":    serverKey(decodeBool, func(s *ServerOptions) *bool { return &s.SystemdSocketActivation }),
	"server.port":                         serverKey(decodeShort, func(s *ServerOptions) *int { return &s.Port }),
	"server.bind":                         serverKey(decodeString, func(s *ServerOptions) *string { return &s.Bind }),
	"server.network-backend":              serverKey(decodeNetworkBackend, func(s *ServerOptions) *string { return &s.NetworkBackend }),
	"server.chroot":                       serverKey(decodeString, func(s *ServerOptions) *string { return &s.Chroot }),
	"server.username":                     serverKey(decodeString, func(s *ServerOptions) *string { return &s.Username }),
	"server.groupname":                    serverKey(decodeString, func(s *ServerOptions) *string { return &s.Groupname }),
	"server.errorlog-use-syslog":          serverKey(decodeBool, func(s *ServerOptions) *bool { return &s.ErrorlogUseSyslog }),
	"server.syslog-facility":              serverKey(decodeString, func(s *ServerOptions) *string { return &s.SyslogFacility }),
	"server.core-files":                   serverKey(decodeBool, func(s *ServerOptions) *bool { return &s.CoreFiles }),
	"server.event-handler":                serverKey(decodeString, func(s *ServerOptions) *string { return &s.EventHandler }),
	"server.pid-file":                     serverKey(decodeString, func(s *ServerOptions) *string { return &s.PidFile }),
	"server.max-worker":                   serverKey(decodeShort, func(s *ServerOptions) *int { return &s.MaxWorker }),
	"server.max-fds":                      serverKey(decodeInt, func(s *ServerOptions) *int { return &s.MaxFDs }),
	"server.max-connections":              serverKey(decodeShort, func(s *ServerOptions) *int { return &s.MaxConnections }),
	"server.max-request-field-size":       serverKey(decodeShort, func(s *ServerOptions) *int { return &s.MaxRequestFieldSize }),
	"server.chunkqueue-chunk-sz":          serverKey(decodeInt, func(s *ServerOptions) *int { return &s.ChunkSize }),
	"server.upload-temp-file-size":        serverKey(decodeBytes, func(s *ServerOptions) *int64 { return &s.UploadTempFileSize }),
	"server.upload-dirs":                  serverKey(decodeList, func(s *ServerOptions) *[]string { return &s.UploadDirs }),
	"server.http-parseopts":               {scope: scopeServer, server: decodeParseOpts},
	"server.http-parseopt-header-strict":  serverKey(decodeBool, func(s *ServerOptions) *bool { return &s.HTTPParseOpts.HeaderStrict }),
	"server.http-parseopt-host-strict":    serverKey(decodeBool, func(s *ServerOptions) *bool { return &s.HTTPParseOpts.HostStrict }),
	"server.http-parseopt-host-normalize": serverKey(decodeBool, func(s *ServerOptions) *bool { return &s.HTTPParseOpts.HostNormalize }),
	"server.reject-expect-100-with-417":   ignoredKey(scopeServer, decodeBool),
	"server.stat-cache-engine":            serverKey(decodeStatCacheEngine, func(s *ServerOptions) *string { return &s.StatCacheEngine }),
	"mimetype.xattr-name":                 serverKey(decodeString, func(s *ServerOptions) *string { return &s.MimeXattrName }),
	"debug.log-request-header-on-error":   serverKey(decodeBool, func(s *ServerOptions) *bool { return &s.LogRequestHeaderOnError }),
	"server.feature-flags":                {scope: scopeServer, server: decodeFeatureFlags},

	// socket scope (lighttpd's network.c)
	"ssl.engine":               socketKey(decodeBool, func(s *SocketOptions) *bool { return &s.SSLEngine }),
	"server.listen-backlog":    socketKey(decodeInt, func(s *SocketOptions) *int { return &s.ListenBacklog }),
	"server.socket-perms":      socketKey(decodeSocketPerms, func(s *SocketOptions) *string { return &s.SocketPerms }),
	"server.bsd-accept-filter": socketKey(decodeString, func(s *SocketOptions) *string { return &s.BSDAcceptFilter }),
	"server.defer-accept":      socketKey(decodeBool, func(s *SocketOptions) *bool { return &s.DeferAccept }),
	"server.use-ipv6":          socketKey(decodeBool, func(s *SocketOptions) *bool { return &s.UseIPv6 }),
	"server.set-v6only":        socketKey(decodeBool, func(s *SocketOptions) *bool { return &s.SetV6Only }),
	"server.v4mapped":          socketKey(decodeBoolInt, func(s *SocketOptions) *int { return &s.V4Mapped }),
	"server.ip-transparent":    socketKey(decodeBool, func(s *SocketOptions) *bool { return &s.IPTransparent }),
}

func isSoft(err error) bool {
	var s softError
	return errors.As(err, &s)
}

// lookupKey finds a key's definition; keys compare case-insensitively.
func lookupKey(key string) (*keyDef, bool) {
	if d, ok := coreKeys[key]; ok {
		return d, true
	}
	d, ok := coreKeys[strings.ToLower(key)]
	return d, ok
}

// compileServerRate records which block set server.kbytes-per-second:
// that block's connections share one budget.
func compileServerRate(v Value, b *Block) (patch, error) {
	n, err := decodeShort(v)
	if err != nil && !isSoft(err) {
		return nil, err
	}
	idx := b.Index
	return func(o *Options) { o.ServerKBytesPerSecond, o.ServerRateScope = n, idx }, err
}

func decodeBytes(v Value) (int64, error) {
	n, err := decodeInt(v)
	return int64(n), err
}

func decodeBoolInt(v Value) (int, error) {
	b, err := decodeBool(v)
	if b {
		return 1, err
	}
	return 0, err
}

func decodeStatCacheEngine(v Value) (string, error) {
	s, err := decodeString(v)
	if err != nil {
		return "", err
	}
	switch s {
	case "simple", "disable", "none", "inotify", "kqueue", "fam":
		return s, nil
	}
	return "", errors.New(`expected "simple", "disable", "inotify", "kqueue" or "fam", found ` + found(v))
}

package config

import "time"

// Options are the options that may differ per request: lighttpd's
// connection-scope options. Each field names the lighttpd.conf key it
// comes from; the zero value is never used, Defaults gives lighttpd's.
// An *Options handed out by the configuration is shared and read-only.
type Options struct {
	DocumentRoot string // server.document-root
	ServerName   string // server.name
	// Tag is the Server header (server.tag); empty means no header.
	Tag string

	MaxRequestSize       int64         // server.max-request-size, in bytes (configured in KiB); 0 is unlimited
	MaxKeepAliveRequests int           // server.max-keep-alive-requests; 0 disables keep-alive
	MaxKeepAliveIdle     time.Duration // server.max-keep-alive-idle
	MaxReadIdle          time.Duration // server.max-read-idle
	MaxWriteIdle         time.Duration // server.max-write-idle

	ErrorfilePrefix string // server.errorfile-prefix
	ErrorHandler    string // server.error-handler
	ErrorHandler404 string // server.error-handler-404
	ErrorIntercept  bool   // server.error-intercept

	ForceLowercaseFilenames bool // server.force-lowercase-filenames
	FollowSymlink           bool // server.follow-symlink
	ProtocolHTTP11          bool // server.protocol-http11
	RangeRequests           bool // server.range-requests
	StreamRequestBody       int  // server.stream-request-body: 0 buffer, 1 stream, 2 stream with minimal buffering
	StreamResponseBody      int  // server.stream-response-body: as above

	// ServerKBytesPerSecond (server.kbytes-per-second) is shared by every
	// connection whose options came from the same block, named by
	// ServerRateScope (the block's index).
	ServerKBytesPerSecond     int
	ServerRateScope           int
	ConnectionKBytesPerSecond int // connection.kbytes-per-second

	MimeTypes    *MimeTypes // mimetype.assign, or the built-in table
	MimeUseXattr bool       // mimetype.use-xattr

	ETagUseInode bool // etag.use-inode
	ETagUseMtime bool // etag.use-mtime
	ETagUseSize  bool // etag.use-size

	// HTTPPathinfo is the feature flag server.http-pathinfo (set for the
	// whole server, as lighttpd's r->conf.http_pathinfo is): when off, a
	// path that continues past a file is 404 rather than the file with
	// PATH_INFO.
	HTTPPathinfo bool

	ErrorLog    string // server.errorlog: a file, "|command", or empty for stderr
	BreakageLog string // server.breakagelog

	Debug DebugOptions
}

// DebugOptions are lighttpd's debug.* switches.
type DebugOptions struct {
	LogConditionHandling bool // debug.log-condition-handling
	LogFileNotFound      bool // debug.log-file-not-found
	LogRequestHandling   bool // debug.log-request-handling
	LogRequestHeader     bool // debug.log-request-header
	LogResponseHeader    bool // debug.log-response-header
	LogTimeouts          bool // debug.log-timeouts
	LogStateHandling     bool // debug.log-state-handling
}

// Defaults returns lighttpd 1.4's defaults for the connection-scope
// options, with tag as the default Server header.
func Defaults(tag string) Options {
	return Options{
		Tag:                  tag,
		MaxKeepAliveRequests: 1000,
		MaxKeepAliveIdle:     5 * time.Second,
		MaxReadIdle:          60 * time.Second,
		MaxWriteIdle:         360 * time.Second,
		FollowSymlink:        true,
		ProtocolHTTP11:       true,
		RangeRequests:        true,
		MimeTypes:            DefaultMimeTypes(),
		ETagUseInode:         true,
		ETagUseMtime:         true,
		ETagUseSize:          true,
		HTTPPathinfo:         true,
	}
}

// ServerOptions are the options that hold for the whole server (lighttpd's
// server scope). They are read from the global scope only; set inside a
// condition they are ignored with a warning, as lighttpd does.
type ServerOptions struct {
	Modules                 []string // server.modules, as configured
	CompatModuleLoad        bool     // server.compat-module-load
	SystemdSocketActivation bool     // server.systemd-socket-activation
	Port                    int      // server.port; unset (0) is 80, or 443 when the global scope enables ssl.engine
	Bind                    string   // server.bind: host, IP, "/unix/path" or "/dev/stdin"; empty is all IPv4 addresses
	NetworkBackend          string   // server.network-backend
	Chroot                  string   // server.chroot
	Username                string   // server.username
	Groupname               string   // server.groupname
	ErrorlogUseSyslog       bool     // server.errorlog-use-syslog
	SyslogFacility          string   // server.syslog-facility
	CoreFiles               bool     // server.core-files
	EventHandler            string   // server.event-handler
	PidFile                 string   // server.pid-file
	MaxWorker               int      // server.max-worker: event loops; 0 means one per CPU
	MaxFDs                  int      // server.max-fds; 0 means lighttpd's rule, see NoFileLimit and FDLimit
	MaxConnections          int      // server.max-connections; 0 means lighttpd's default, see ConnectionLimit
	MaxRequestFieldSize     int      // server.max-request-field-size, bytes of request line and headers
	ChunkSize               int      // server.chunkqueue-chunk-sz
	UploadTempFileSize      int64    // server.upload-temp-file-size, bytes: not honoured (a body goes to one temp file, see ignoredOptions)
	UploadDirs              []string // server.upload-dirs
	StatCacheEngine         string   // server.stat-cache-engine
	MimeXattrName           string   // mimetype.xattr-name
	LogRequestHeaderOnError bool     // debug.log-request-header-on-error

	HTTPParseOpts ParseOpts // server.http-parseopts (and the server.http-parseopt-* keys)
	Features      Features  // server.feature-flags
}

// ParseOpts are the request parsing switches of server.http-parseopts.
type ParseOpts struct {
	HeaderStrict  bool // header-strict
	HostStrict    bool // host-strict
	HostNormalize bool // host-normalize
	MethodGetBody bool // method-get-body

	URLNormalize           bool // url-normalize: off disables every url-* option
	URLNormalizeUnreserved bool // url-normalize-unreserved
	URLNormalizeRequired   bool // url-normalize-required
	URLCtrlsReject         bool // url-ctrls-reject
	URLPathBackslashTrans  bool // url-path-backslash-trans
	URLPath2FDecode        bool // url-path-2f-decode
	URLPath2FReject        bool // url-path-2f-reject
	URLPathDotsegRemove    bool // url-path-dotseg-remove
	URLPathDotsegReject    bool // url-path-dotseg-reject
	URLQuery20Plus         bool // url-query-20-plus
	URLInvalidUTF8Reject   bool // url-invalid-utf8-reject
}

// Features are the server.feature-flags featherd decodes; ignoredOptions
// lists those it does not act on yet.
type Features struct {
	GracefulRestartBG       bool          // server.graceful-restart-bg
	GracefulShutdownTimeout time.Duration // server.graceful-shutdown-timeout; 0 waits for ever
	GracefulUnconfigSock    bool          // server.graceful-unconfig-sock
	ClockJumpRestart        time.Duration // server.clock-jump-restart
	AbsoluteDirRedirect     bool          // server.absolute-dir-redirect
	HTTP10Range             bool          // http10.range
	HTTPPathinfo            bool          // server.http-pathinfo
	TrailerWhitelist        string        // request.trailer-whitelist
	ErrorlogHighPrecision   bool          // server.errorlog-high-precision
	MetricsHighPrecision    bool          // server.metrics-high-precision
	ChunkqueueSplice        bool          // chunkqueue.splice
}

// defaultServerOptions are lighttpd's defaults for the server scope.
func defaultServerOptions() ServerOptions {
	return ServerOptions{
		CompatModuleLoad:    true,
		NetworkBackend:      "sendfile",
		MaxRequestFieldSize: 8192,
		UploadTempFileSize:  1 << 20,
		StatCacheEngine:     "simple",
		MimeXattrName:       "Content-Type",
		HTTPParseOpts: ParseOpts{
			HeaderStrict:           true,
			HostStrict:             true,
			URLNormalize:           true,
			URLNormalizeUnreserved: true,
			URLCtrlsReject:         true,
			URLPath2FDecode:        true,
			URLPathDotsegRemove:    true,
			URLInvalidUTF8Reject:   true,
		},
		Features: Features{
			GracefulShutdownTimeout: 8 * time.Second,
			ClockJumpRestart:        1800 * time.Second,
			HTTPPathinfo:            true,
			ChunkqueueSplice:        true,
		},
	}
}

// SocketOptions are the options of one listen socket (lighttpd's socket
// scope): set globally or in a $SERVER["socket"] == "…" block.
type SocketOptions struct {
	SSLEngine       bool   // ssl.engine (featherd has no TLS: a configuration enabling it is refused)
	ListenBacklog   int    // server.listen-backlog
	SocketPerms     string // server.socket-perms: octal mode of a unix socket, e.g. "0660"
	BSDAcceptFilter string // server.bsd-accept-filter (FreeBSD only; ignored)
	DeferAccept     bool   // server.defer-accept: TCP_DEFER_ACCEPT
	UseIPv6         bool   // server.use-ipv6: ":port" means [::]:port
	SetV6Only       bool   // server.set-v6only: IPV6_V6ONLY on IPv6 sockets; server.v4mapped overrides it
	V4Mapped        int    // server.v4mapped: -1 unset, else 0/1
	IPTransparent   bool   // server.ip-transparent: IP_TRANSPARENT
}

// withV4Mapped applies server.v4mapped, which, when set, decides
// IPV6_V6ONLY in place of server.set-v6only (lighttpd's network.c): enabled,
// an IPv6 socket also takes IPv4 clients.
func (o SocketOptions) withV4Mapped() SocketOptions {
	if o.V4Mapped >= 0 {
		o.SetV6Only = o.V4Mapped == 0
	}
	return o
}

func defaultSocketOptions() SocketOptions {
	return SocketOptions{ListenBacklog: 1024, SetV6Only: true, V4Mapped: -1}
}

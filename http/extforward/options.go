package extforward

import (
	"fmt"
	"strings"

	"github.com/featherd/featherd/config"
)

// options are mod_extforward's settings for one request.
type options struct {
	// forwarder is extforward.forwarder; nil when it is not set, and then
	// the module does nothing.
	forwarder *forwarder
	// headers is extforward.headers; nil when it is not set.
	headers *headerList
	// params is extforward.params: what else Forwarded may set.
	params params
	// hapPROXY is extforward.hap-PROXY: a trusted peer starts each
	// connection with a HAProxy PROXY protocol header.
	hapPROXY bool
	// hapVerify is extforward.hap-PROXY-ssl-client-verify: the client
	// certificate the PROXY header reports verified is the client's
	// identity (SSL_CLIENT_VERIFY, REMOTE_USER).
	hapVerify bool
}

// params are the extforward.params a trusted Forwarded header may set
// besides the client's address and scheme.
type params uint8

const (
	paramHost       params = 1 << iota // host=: the request's host
	paramRemoteUser                    // remote_user=: REMOTE_USER for gateways
)

// headerList is extforward.headers: the request headers the client's
// address is looked for in, in order; the first one present is used.
type headerList struct {
	names     []string
	forwarded []bool // names[i] is "Forwarded" (RFC 7239); the others are X-Forwarded-For lists
}

// defaultHeaders are lighttpd's when extforward.headers is not set (or
// empty) in the global scope and the PROXY protocol is not on there.
var defaultHeaders = newHeaderList([]string{"X-Forwarded-For", "Forwarded-For"})

func newHeaderList(names []string) *headerList {
	l := &headerList{names: names, forwarded: make([]bool, len(names))}
	for i, n := range names {
		l.forwarded[i] = strings.EqualFold(n, "Forwarded")
	}
	return l
}

var moduleOptions = config.RegisterModule("mod_extforward", options{}, map[string]config.Compile[options]{
	"extforward.forwarder": compileForwarder,
	"extforward.headers": func(v config.Value, _ *config.Block) (func(*options), error) {
		names, err := config.DecodeList(v)
		if err != nil {
			return nil, err
		}
		l := newHeaderList(names)
		return func(o *options) { o.headers = l }, nil
	},
	"extforward.params":                      compileParams,
	"extforward.hap-PROXY":                   config.Option(config.DecodeBool, func(o *options) *bool { return &o.hapPROXY }),
	"extforward.hap-PROXY-ssl-client-verify": config.Option(config.DecodeBool, func(o *options) *bool { return &o.hapVerify }),
})

func compileForwarder(v config.Value, _ *config.Block) (func(*options), error) {
	list, err := config.DecodeStringHash(v)
	if err != nil {
		return nil, err
	}
	f, warn, err := newForwarder(list)
	if err != nil {
		return nil, err
	}
	return func(o *options) { o.forwarder = f }, warn
}

// compileParams reads ( "host" => "enable", "remote_user" => 1 ); as in
// lighttpd, for= and proto= are always read and by= never, and naming
// them is an error.
func compileParams(v config.Value, _ *config.Block) (func(*options), error) {
	list, err := config.DecodeHash(v)
	if err != nil {
		return nil, err
	}
	var ps params
	for _, e := range list {
		var p params
		switch e.Key {
		case "host":
			p = paramHost
		case "remote_user":
			p = paramRemoteUser
		default:
			return nil, config.At(e, fmt.Errorf("keys must be one of: host, remote_user, but not: %q", e.Key))
		}
		on, err := config.DecodeBool(e.Value)
		if err != nil {
			return nil, config.At(e, fmt.Errorf("%q: %v", e.Key, err))
		}
		if on {
			ps |= p
		}
	}
	return func(o *options) { o.params = ps }, nil
}

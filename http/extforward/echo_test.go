package extforward_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/featherd/featherd/config"
	"github.com/featherd/featherd/http/pipeline"
	"github.com/featherd/featherd/reactor/reactortest"
)

// mod_echoclient exists only in these tests: it shows in response headers
// who a request was served for, as a later module, a log or a gateway
// sees it (X-Remote-IP, X-Remote-Port, X-Scheme, X-Host, X-Remote-User),
// and its own option echoclient.tag, merged like any module's, as X-Tag.
// The gateway variables of echoedEnv show as X-Env-NAME. It acts at
// response start, after every phase mod_extforward runs in,
// and before the request is reset.
func init() {
	pipeline.Register(pipeline.Module{Name: "mod_echoclient", New: func(s *pipeline.Setup) any {
		return &echoClient{opts: echoOptions.Of(s.Config)}
	}})
}

type echoConf struct{ tag string }

// echoedEnv are the gateway variables the echo module shows, as
// X-Env-NAME.
var echoedEnv = []string{"SSL_CLIENT_VERIFY", "AUTH_TYPE", "SSL_CLIENT_S_DN_CN", "SSL_PROTOCOL", "SSL_CIPHER", "PP2_UNIQUE_ID"}

var echoOptions = config.RegisterModule("mod_echoclient", echoConf{}, map[string]config.Compile[echoConf]{
	"echoclient.tag": config.Option(config.DecodeString, func(o *echoConf) *string { return &o.tag }),
})

type echoClient struct {
	opts *config.Scoped[echoConf]
	conf echoConf
}

func (e *echoClient) ResponseStart(r *pipeline.Request) pipeline.Result {
	w := &r.Resp
	w.SetHeader("X-Remote-IP", r.RemoteIP)
	w.SetHeader("X-Remote-Port", strconv.Itoa(int(r.RemotePort)))
	w.SetHeader("X-Scheme", r.Scheme)
	w.SetHeader("X-Host", r.Head.Host)
	if u, ok := r.Env.Get("REMOTE_USER"); ok {
		w.SetHeader("X-Remote-User", u)
	}
	for _, name := range echoedEnv {
		if v, ok := r.Env.Get(name); ok {
			w.SetHeader("X-Env-"+name, v)
		}
	}
	e.opts.Merge(&e.conf, r.Eval)
	w.SetHeader("X-Tag", e.conf.tag)
	return pipeline.GoOn
}

// echoConfig loads mod_extforward with the echo module after it, then the
// given lines.
func echoConfig(lines ...string) string {
	return `server.modules = ( "mod_extforward", "mod_echoclient" )` + "\n" + strings.Join(lines, "\n") + "\n"
}

// startEcho starts a server with echoConfig and a file f.txt.
func startEcho(t *testing.T, lines ...string) *reactortest.Server {
	t.Helper()
	return reactortest.Start(t, reactortest.Options{
		Conf:  echoConfig(lines...),
		Files: map[string]string{"f.txt": "hello"},
	})
}

// seen is who a response says its request was served for.
type seen struct {
	ip, scheme, host, tag string
	port                  bool // a real port (the connection's), not 0
}

func seenIn(r *reactortest.Response) seen {
	port := r.Header("X-Remote-Port")
	return seen{ip: r.Header("X-Remote-IP"), scheme: r.Header("X-Scheme"), host: r.Header("X-Host"),
		tag: r.Header("X-Tag"), port: port != "" && port != "0"}
}

// direct is the test client as the server sees it when nothing is
// forwarded.
var direct = seen{ip: "127.0.0.1", scheme: "http", host: "test", port: true}

// client is a forwarded client with the scheme and host unchanged.
func client(ip string) seen { return seen{ip: ip, scheme: "http", host: "test"} }

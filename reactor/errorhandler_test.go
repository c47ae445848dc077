package reactor_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/featherd/featherd/http/pipeline"
)

// Two test modules stand in for gateways: mod_test_env answers /env/…
// with the REDIRECT_STATUS an error handler set, and mod_test_fail
// answers /fail/… with a 500 and a body of its own, as a backend would.
func init() {
	pipeline.Register(pipeline.Module{Name: "mod_test_env", New: func(*pipeline.Setup) any { return envEcho{} }})
	pipeline.Register(pipeline.Module{Name: "mod_test_fail", New: func(*pipeline.Setup) any { return &failing{} }})
}

type envEcho struct{}

func (envEcho) URIClean(r *pipeline.Request) pipeline.Result {
	if !strings.HasPrefix(r.Head.Path, "/env/") {
		return pipeline.GoOn
	}
	v, _ := r.Env.Get("REDIRECT_STATUS")
	r.Resp.Status = 200
	r.Resp.AddHeader("X-Method", r.Head.Method.String())
	r.Resp.Body.WriteString("REDIRECT_STATUS=" + v + " path=" + r.Head.Path)
	return pipeline.Finished
}

type failing struct{}

func (f *failing) URIClean(r *pipeline.Request) pipeline.Result {
	if strings.HasPrefix(r.Head.Path, "/fail/") {
		r.Claim(f)
	}
	return pipeline.GoOn
}

func (f *failing) Subrequest(r *pipeline.Request) pipeline.Result {
	r.Resp.Status = 500
	r.Resp.AddHeader("Content-Type", "text/plain")
	r.Resp.Body.WriteString("backend says no")
	return pipeline.Finished
}

// TestErrorHandlers: server.errorfile-prefix, server.error-handler-404
// and server.error-handler with lighttpd's statuses, REDIRECT_STATUS,
// and the method forced to GET; server.error-intercept for a handler's
// own error responses.
func TestErrorHandlers(t *testing.T) {
	files := map[string]string{
		"nf.html":    "the 404 page",
		"secret.inc": "secret",
		"ok.txt":     "ok",
	}
	errdir := t.TempDir()
	if err := os.WriteFile(filepath.Join(errdir, "404.html"), []byte("custom not found"), 0o644); err != nil {
		t.Fatal(err)
	}
	prefix := errdir + "/"
	for _, tc := range []struct {
		name, conf, req string
		status          int
		body            string // substring
		header          [2]string
	}{
		{"prefix file", `server.errorfile-prefix = "` + prefix + `"`, "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n",
			404, "custom not found", [2]string{"Content-Type", "text/html"}},
		{"prefix without the status's file", `server.errorfile-prefix = "` + prefix + `"`, "GET /secret.inc HTTP/1.1\r\nHost: t\r\n\r\n",
			403, "<title>403 Forbidden</title>", [2]string{}},
		{"404 handler, static page: 200 as lighttpd", `server.error-handler-404 = "/nf.html"`, "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n",
			200, "the 404 page", [2]string{}},
		{"404 handler gets REDIRECT_STATUS and keeps the method", `server.modules += ( "mod_test_env" )
server.error-handler-404 = "/env/nf"`, "POST /missing HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc",
			200, "REDIRECT_STATUS=404 path=/env/nf", [2]string{"X-Method", "POST"}},
		{"404 handler not found either: 404", `server.error-handler-404 = "/gone.html"`, "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n",
			404, "<title>404 Not Found</title>", [2]string{}},
		{"error-handler keeps the status, forces GET", `server.modules += ( "mod_test_env" )
server.error-handler = "/env/err"`, "POST /secret.inc HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc",
			403, "REDIRECT_STATUS=403 path=/env/err", [2]string{"X-Method", "GET"}},
		{"error-handler for a 404 too", `server.error-handler = "/nf.html"`, "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n",
			404, "the 404 page", [2]string{}},
		{"a handler's own error body is kept", `server.modules += ( "mod_test_fail" )`, "GET /fail/x HTTP/1.1\r\nHost: t\r\n\r\n",
			500, "backend says no", [2]string{"Content-Type", "text/plain"}},
		{"error-intercept replaces it", `server.modules += ( "mod_test_fail" )
server.error-intercept = "enable"`, "GET /fail/x HTTP/1.1\r\nHost: t\r\n\r\n",
			500, "<title>500 Internal Server Error</title>", [2]string{"Content-Type", "text/html"}},
		{"error-intercept hands it to the error handler", `server.modules += ( "mod_test_fail", "mod_test_env" )
server.error-intercept = "enable"
server.error-handler = "/env/x"`, "GET /fail/x HTTP/1.1\r\nHost: t\r\n\r\n",
			500, "REDIRECT_STATUS=500", [2]string{}},
		{"no intercept, no error handler for a handler's error", `server.modules += ( "mod_test_fail", "mod_test_env" )
server.error-handler = "/env/x"`, "GET /fail/x HTTP/1.1\r\nHost: t\r\n\r\n",
			500, "backend says no", [2]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{files: files, conf: "static-file.exclude-extensions = ( \".inc\" )\n" + tc.conf})
			r := ts.roundTrip(tc.req)
			if r.status != tc.status || !strings.Contains(string(r.body), tc.body) ||
				tc.header[0] != "" && r.header(tc.header[0]) != tc.header[1] {
				t.Fatalf("%d %v %q\nwant %d, a body with %q, %s: %s", r.status, r.headers, r.body, tc.status, tc.body, tc.header[0], tc.header[1])
			}
		})
	}
}

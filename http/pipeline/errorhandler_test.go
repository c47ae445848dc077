package pipeline_test

import (
	"strings"
	"testing"

	"github.com/featherd/featherd/http/pipeline/pipelinetest"
)

// TestErrorHandlerResetsModules: server.error-handler resets every module
// before the request comes back for it, whether a module had claimed the
// request or not (lighttpd's plugins_call_handle_request_reset in
// http_response_call_error_handler); server.error-handler-404 does not.
func TestErrorHandlerResetsModules(t *testing.T) {
	for _, tc := range []struct {
		option string
		want   string
	}{
		{"server.error-handler", "a.uri-raw a.uri-clean a.docroot a.physical a.request-reset a.uri-raw"},
		{"server.error-handler-404", "a.uri-raw a.uri-clean a.docroot a.physical a.uri-raw"},
	} {
		l := pipelinetest.New(t, "server.document-root = \""+docroot(t)+"\"\nserver.modules = ( \"mod_test_a\" )\n"+
			tc.option+" = \"/f.txt\"\n")
		trace = nil
		r := l.Get("/missing")
		if got := strings.Join(trace, " "); r.Resp.Status == 0 || !strings.HasPrefix(got, tc.want+" ") {
			t.Errorf("%s: %d\n got %s\nwant %s …", tc.option, r.Resp.Status, got, tc.want)
		}
		l.Done()
	}
}

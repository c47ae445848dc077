package extforward_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/featherd/featherd/reactor/reactortest"
)

const getF = "GET /f.txt HTTP/1.1\r\nHost: test\r\n\r\n"

// v2Header builds a PROXY protocol v2 header for TCP over IPv4 from src,
// with TLVs after the addresses.
func v2Header(src string, sport uint16, tlvs ...[]byte) string {
	a := netip.MustParseAddr(src).As4()
	body := append(a[:], 198, 51, 100, 1)
	body = binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(body, sport), 443)
	for _, t := range tlvs {
		body = append(body, t...)
	}
	h := []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11")
	h = binary.BigEndian.AppendUint16(h, uint16(len(body)))
	return string(append(h, body...))
}

func tlv(typ byte, v string) []byte {
	return append([]byte{typ, byte(len(v) >> 8), byte(len(v))}, v...)
}

// converse writes raw on a new connection and reads n responses.
func converse(t *testing.T, s *reactortest.Server, n int, raw ...string) []*reactortest.Response {
	t.Helper()
	c := s.Dial()
	for _, part := range raw {
		if _, err := io.WriteString(c, part); err != nil {
			t.Fatal(err)
		}
	}
	br := bufio.NewReader(c)
	var out []*reactortest.Response
	for i := 0; i < n; i++ {
		out = append(out, reactortest.ReadResponse(t, br, false))
	}
	return out
}

// closedWithoutAnswer sends raw on a new connection and expects it closed
// with nothing sent back.
func closedWithoutAnswer(t *testing.T, s *reactortest.Server, raw string) {
	t.Helper()
	c := s.Dial()
	io.WriteString(c, raw)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || len(got) > 0 {
		t.Errorf("%q: read %q, %v; want the connection closed without an answer", raw, got, err)
	}
}

// TestPROXYProtocol: from a trusted peer, the connection starts with a
// PROXY header and is its client's for every request on it; headers on
// top are believed only if that client is a trusted proxy itself.
func TestPROXYProtocol(t *testing.T) {
	s := startEcho(t, `extforward.forwarder = ( "127.0.0.1" => "trust", "10.0.0.9" => "trust" )`,
		`extforward.hap-PROXY = "enable"`,
		`extforward.headers = ( "X-Forwarded-For" )`,
		`$HTTP["remoteip"] == "192.0.2.0/24" {`, `  echoclient.tag = "client"`, `}`)
	v1 := "PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n"
	for i, r := range converse(t, s, 2, v1+getF+getF) {
		if got := r.Header("X-Remote-IP"); got != "192.0.2.1" || r.Header("X-Remote-Port") != "56324" || r.Header("X-Tag") != "client" {
			t.Errorf("v1, request %d: served for %q port %q, tag %q", i+1, got, r.Header("X-Remote-Port"), r.Header("X-Tag"))
		}
	}
	cases := []struct {
		name string
		raw  []string
		ip   string
	}{
		{"v1 IPv6", []string{"PROXY TCP6 2001:db8::1 2001:db8::2 1234 443\r\n" + getF}, "2001:db8::1"},
		{"v1 UNKNOWN", []string{"PROXY UNKNOWN\r\n" + getF}, "127.0.0.1"},
		{"v1 in pieces", []string{"PROXY TCP4 192.0.", "2.5 198.51.100.1 1 443\r", "\n" + getF}, "192.0.2.5"},
		{"v2", []string{v2Header("192.0.2.7", 4000) + getF}, "192.0.2.7"},
		{"v2 in pieces", []string{v2Header("192.0.2.8", 4000)[:14], v2Header("192.0.2.8", 4000)[14:] + getF}, "192.0.2.8"},
		// X-Forwarded-For from the PROXY header's client: believed when
		// that client is a trusted proxy, ignored otherwise.
		{"trusted client's X-Forwarded-For", []string{"PROXY TCP4 10.0.0.9 198.51.100.1 1 443\r\n" +
			"GET /f.txt HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: 192.0.2.9\r\n\r\n"}, "192.0.2.9"},
		{"untrusted client's X-Forwarded-For", []string{v1 +
			"GET /f.txt HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: 192.0.2.9\r\n\r\n"}, "192.0.2.1"},
	}
	for _, tc := range cases {
		if r := converse(t, s, 1, tc.raw...)[0]; r.Status != 200 || r.Header("X-Remote-IP") != tc.ip {
			t.Errorf("%s: %d, served for %q; want %q", tc.name, r.Status, r.Header("X-Remote-IP"), tc.ip)
		}
	}

	// A trusted peer that does not speak the protocol is cut off, as is
	// one whose header is malformed.
	for _, raw := range []string{
		getF,
		"PROXY TCP4 192.0.2.256 198.51.100.1 1 443\r\n" + getF,
		"PROXY TCP4 192.0.2.1 198.51.100.1 0 443\r\n" + getF,
		"PROXY TCP4 192.0.2.1 198.51.100.1 1 443\n" + getF,
		"PROXY " + strings.Repeat("x", 120) + "\r\n" + getF,
		"\r\n\r\n\x00\r\nQUIT\n\x22\x11\x00\x0c" + strings.Repeat("\x00", 12) + getF,
	} {
		closedWithoutAnswer(t, s, raw)
	}
	if !strings.Contains(s.Log(), "hap-PROXY proto received invalid/unsupported request from 127.0.0.1") {
		t.Errorf("log: %s", s.Log())
	}
}

// TestPROXYProtocolUntrustedPeer: a peer that is not trusted is not
// expected to send a header, and one it sends is no header.
func TestPROXYProtocolUntrustedPeer(t *testing.T) {
	s := startEcho(t, `extforward.forwarder = ( "10.0.0.9" => "trust" )`, `extforward.hap-PROXY = "enable"`)
	if r := converse(t, s, 1, getF)[0]; r.Status != 200 || seenIn(r) != direct {
		t.Errorf("plain request: %d, %+v", r.Status, seenIn(r))
	}
	if r := converse(t, s, 1, "PROXY TCP4 192.0.2.1 198.51.100.1 1 443\r\n"+getF)[0]; r.Status == 200 || r.Header("X-Remote-IP") != "127.0.0.1" {
		t.Errorf("a header from an untrusted peer: %d, served for %q", r.Status, r.Header("X-Remote-IP"))
	}
}

// TestPROXYProtocolTLS: what a TLS-terminating balancer says in its v2
// TLVs reaches gateways; with extforward.hap-PROXY-ssl-client-verify the
// verified certificate's name is the authenticated user.
func TestPROXYProtocolTLS(t *testing.T) {
	ssl := func(verify byte, cn string) []byte {
		v := string([]byte{0x03, 0, 0, 0, verify}) + string(tlv(0x21, "TLSv1.3")) + string(tlv(0x23, "TLS_AES_128_GCM_SHA256")) + string(tlv(0x22, cn))
		return tlv(0x20, v)
	}
	for _, tc := range []struct {
		name, conf                 string
		header                     string
		user, verify, authType, cn string
	}{
		{"verified", `extforward.hap-PROXY-ssl-client-verify = "enable"`, v2Header("192.0.2.1", 1, tlv(0x05, "req-42"), ssl(0, "alice")),
			"alice", "SUCCESS", "SSL_CLIENT_VERIFY", "alice"},
		{"not verified", `extforward.hap-PROXY-ssl-client-verify = "enable"`, v2Header("192.0.2.1", 1, ssl(1, "mallory")),
			"", "NONE", "", "mallory"},
		{"no TLS", `extforward.hap-PROXY-ssl-client-verify = "enable"`, v2Header("192.0.2.1", 1),
			"", "NONE", "", ""},
		{"not asked", ``, v2Header("192.0.2.1", 1, ssl(0, "alice")),
			"", "", "", "alice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startEcho(t, `extforward.forwarder = ( "127.0.0.1" => "trust" )`, `extforward.hap-PROXY = "enable"`, tc.conf)
			for i, r := range converse(t, s, 2, tc.header+getF+getF) {
				got := []string{r.Header("X-Remote-User"), r.Header("X-Env-SSL_CLIENT_VERIFY"), r.Header("X-Env-AUTH_TYPE"), r.Header("X-Env-SSL_CLIENT_S_DN_CN")}
				want := []string{tc.user, tc.verify, tc.authType, tc.cn}
				if strings.Join(got, "|") != strings.Join(want, "|") || r.Header("X-Remote-IP") != "192.0.2.1" {
					t.Errorf("request %d: user, verify, auth type, CN = %q; want %q (client %q)", i+1, got, want, r.Header("X-Remote-IP"))
				}
				if tc.cn != "" && (r.Header("X-Env-SSL_PROTOCOL") != "TLSv1.3" || r.Header("X-Env-SSL_CIPHER") != "TLS_AES_128_GCM_SHA256") {
					t.Errorf("request %d: SSL_PROTOCOL %q, SSL_CIPHER %q", i+1, r.Header("X-Env-SSL_PROTOCOL"), r.Header("X-Env-SSL_CIPHER"))
				}
			}
			if tc.name == "verified" {
				if r := converse(t, s, 1, tc.header+getF)[0]; r.Header("X-Env-PP2_UNIQUE_ID") != "req-42" {
					t.Errorf("PP2_UNIQUE_ID %q", r.Header("X-Env-PP2_UNIQUE_ID"))
				}
			}
		})
	}
}

package extforward

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// proxyV2 builds a v2 header: command (0 LOCAL, 1 PROXY), family byte,
// the address block and TLVs.
func proxyV2(cmd, fam byte, addr []byte, tlvs ...[]byte) []byte {
	body := slices.Clone(addr)
	for _, t := range tlvs {
		body = append(body, t...)
	}
	h := append(slices.Clone(proxyV2Sig), 0x20|cmd, fam, 0, 0)
	binary.BigEndian.PutUint16(h[14:], uint16(len(body)))
	return append(h, body...)
}

// tlv builds one type-length-value.
func tlv(typ byte, v []byte) []byte {
	return append([]byte{typ, byte(len(v) >> 8), byte(len(v))}, v...)
}

func v4Block(src, dst string, sport, dport uint16) []byte {
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	b := append(s[:], d[:]...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, sport), dport)
}

func v6Block(src, dst string, sport, dport uint16) []byte {
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	b := append(s[:], d[:]...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, sport), dport)
}

func TestParseProxy(t *testing.T) {
	unixBlock := make([]byte, 216)
	copy(unixBlock, "/run/client.sock")
	ssl := tlv(pp2TypeSSL, append([]byte{0x01 | pp2ClientCertConn, 0, 0, 0, 0},
		append(tlv(0x21, []byte("TLSv1.3")), tlv(0x22, []byte("alice"))...)...))
	sslUnverified := tlv(pp2TypeSSL, append([]byte{0x01 | pp2ClientCertConn, 0, 0, 0, 1}, tlv(0x22, []byte("mallory"))...))
	tests := []struct {
		name string
		in   []byte
		n    int // header length; 0: incomplete
		want proxyHeader
		err  bool
	}{
		{"v1 TCP4", []byte("PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\nGET /"), 45,
			proxyHeader{src: netip.MustParseAddrPort("192.0.2.1:56324")}, false},
		{"v1 TCP6", []byte("PROXY TCP6 2001:db8::1 2001:db8::2 65535 443\r\n"), 46,
			proxyHeader{src: netip.MustParseAddrPort("[2001:db8::1]:65535")}, false},
		{"v1 UNKNOWN", []byte("PROXY UNKNOWN\r\n"), 15, proxyHeader{keep: true}, false},
		{"v1 UNKNOWN with addresses", []byte("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"), 35, proxyHeader{keep: true}, false},
		{"v1 start", []byte("PRO"), 0, proxyHeader{}, false},
		{"v1 without its line end yet", []byte("PROXY TCP4 192.0.2.1 198.51.100.1 56324 443"), 0, proxyHeader{}, false},
		{"v1 with CR only yet", []byte("PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r"), 0, proxyHeader{}, false},
		{"v1 too long", []byte("PROXY TCP4 " + strings.Repeat("1", 100) + "\r\n"), 0, proxyHeader{}, true},
		{"v1 CR without LF", []byte("PROXY TCP4 192.0.2.1 198.51.100.1 1 2\rX"), 0, proxyHeader{}, true},
		{"v1 TCP5", []byte("PROXY TCP5 192.0.2.1 198.51.100.1 1 2\r\n"), 0, proxyHeader{}, true},
		{"v1 no space", []byte("PROXYTCP4 192.0.2.1 198.51.100.1 1 2\r\n"), 0, proxyHeader{}, true},
		{"v1 family mismatch", []byte("PROXY TCP4 2001:db8::1 2001:db8::2 1 2\r\n"), 0, proxyHeader{}, true},
		{"v1 IPv4 as TCP6", []byte("PROXY TCP6 192.0.2.1 198.51.100.1 1 2\r\n"), 0, proxyHeader{}, true},
		{"v1 bad address", []byte("PROXY TCP4 192.0.2.256 198.51.100.1 1 2\r\n"), 0, proxyHeader{}, true},
		{"v1 port 0", []byte("PROXY TCP4 192.0.2.1 198.51.100.1 0 2\r\n"), 0, proxyHeader{}, true},
		{"v1 port too big", []byte("PROXY TCP4 192.0.2.1 198.51.100.1 65536 2\r\n"), 0, proxyHeader{}, true},
		{"v1 destination port not a number", []byte("PROXY TCP4 192.0.2.1 198.51.100.1 1 x\r\n"), 0, proxyHeader{}, true},
		{"v1 missing field", []byte("PROXY TCP4 192.0.2.1 198.51.100.1 1\r\n"), 0, proxyHeader{}, true},
		{"v1 extra field", []byte("PROXY TCP4 192.0.2.1 198.51.100.1 1 2 3\r\n"), 0, proxyHeader{}, true},
		{"HTTP", []byte("GET / HTTP/1.1\r\n\r\n"), 0, proxyHeader{}, true},
		{"v2 TCP4", proxyV2(1, 0x11, v4Block("192.0.2.1", "198.51.100.1", 56324, 443)), 28,
			proxyHeader{src: netip.MustParseAddrPort("192.0.2.1:56324")}, false},
		{"v2 TCP6", proxyV2(1, 0x21, v6Block("2001:db8::1", "2001:db8::2", 1234, 443)), 52,
			proxyHeader{src: netip.MustParseAddrPort("[2001:db8::1]:1234")}, false},
		{"v2 unix", proxyV2(1, 0x31, unixBlock), 232, proxyHeader{unixPath: "/run/client.sock"}, false},
		{"v2 LOCAL", proxyV2(0, 0x11, v4Block("192.0.2.1", "198.51.100.1", 1, 2)), 28, proxyHeader{keep: true}, false},
		{"v2 UDP", proxyV2(1, 0x12, v4Block("192.0.2.1", "198.51.100.1", 1, 2)), 28, proxyHeader{keep: true}, false},
		{"v2 TLVs", proxyV2(1, 0x11, v4Block("192.0.2.1", "198.51.100.1", 1, 2), tlv(0x04, nil), tlv(pp2TypeUniqueID, []byte("id-1")), ssl), 28 + 3 + 7 + 3 + 5 + 10 + 8,
			proxyHeader{src: netip.MustParseAddrPort("192.0.2.1:1"), verified: true,
				env: []string{"PP2_UNIQUE_ID", "id-1", "SSL_PROTOCOL", "TLSv1.3", "SSL_CLIENT_S_DN_CN", "alice"}}, false},
		{"v2 certificate not verified", proxyV2(1, 0x11, v4Block("192.0.2.1", "198.51.100.1", 1, 2), sslUnverified), 28 + 3 + 5 + 10,
			proxyHeader{src: netip.MustParseAddrPort("192.0.2.1:1"), env: []string{"SSL_CLIENT_S_DN_CN", "mallory"}}, false},
		{"v2 truncated TLV ignored", proxyV2(1, 0x11, v4Block("192.0.2.1", "198.51.100.1", 1, 2), []byte{pp2TypeUniqueID, 0, 9, 'x'}), 32,
			proxyHeader{src: netip.MustParseAddrPort("192.0.2.1:1")}, false},
		{"v2 signature start", proxyV2Sig[:5], 0, proxyHeader{}, false},
		{"v2 head incomplete", proxyV2(1, 0x11, v4Block("192.0.2.1", "198.51.100.1", 1, 2))[:20], 0, proxyHeader{}, false},
		{"v2 version 1", append(slices.Clone(proxyV2Sig), 0x11, 0x11, 0, 0), 0, proxyHeader{}, true},
		{"v2 command 2", proxyV2(2, 0x11, v4Block("192.0.2.1", "198.51.100.1", 1, 2)), 0, proxyHeader{}, true},
		{"v2 address block too short", proxyV2(1, 0x21, v4Block("192.0.2.1", "198.51.100.1", 1, 2)), 0, proxyHeader{}, true},
		{"v2 unix path unterminated", proxyV2(1, 0x31, []byte(strings.Repeat("a", 216))), 0, proxyHeader{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h proxyHeader
			n, err := parseProxy(tt.in, &h)
			if (err != nil) != tt.err || n != tt.n {
				t.Fatalf("parseProxy = %d, %v; want %d, error %v", n, err, tt.n, tt.err)
			}
			if err != nil || n == 0 {
				return
			}
			if len(h.env) == 0 {
				h.env = nil
			}
			if h.keep != tt.want.keep || h.src != tt.want.src || h.unixPath != tt.want.unixPath ||
				h.verified != tt.want.verified || !slices.Equal(h.env, tt.want.env) {
				t.Errorf("header %+v, want %+v", h, tt.want)
			}
		})
	}
}

package extforward

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
)

// The HAProxy PROXY protocol (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt):
// a load balancer starts each connection with a header naming the client
// it accepted, in text (v1) or binary (v2).
var (
	proxyV1Sig = []byte("PROXY")
	proxyV2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")
)

// maxProxyV1 is the longest v1 header, its CRLF included.
const maxProxyV1 = 107

// proxyHeader is what a PROXY protocol header says of the connection.
type proxyHeader struct {
	// keep is set when the header names no client to use (v1 UNKNOWN, v2
	// LOCAL or an address family other than TCP and unix): the
	// connection stays the peer's.
	keep bool
	// src is the client (TCP), or unixPath its socket's path.
	src      netip.AddrPort
	unixPath string
	// verified is set when a v2 SSL TLV reports a client certificate
	// that was verified.
	verified bool
	// env are the v2 TLVs lighttpd passes to gateways, name and value
	// in turn (SSL_PROTOCOL, SSL_CLIENT_S_DN_CN, …, PP2_UNIQUE_ID).
	env []string
}

var (
	errProxyProtocol = errors.New("not a PROXY protocol header")
	errProxyCommand  = errors.New("unsupported PROXY protocol command")
	errProxyAddress  = errors.New("invalid address in PROXY protocol header")
)

// parseProxy reads the PROXY protocol header at the start of in into h. It
// returns the header's length; 0 with no error when in is a header's
// start and more is needed. Unlike lighttpd, which wants the whole header
// in its first read and at most 256 bytes of it, a header may come in
// pieces and carry TLVs up to the protocol's 64 KiB.
func parseProxy(in []byte, h *proxyHeader) (int, error) {
	*h = proxyHeader{env: h.env[:0]}
	switch {
	case bytes.HasPrefix(in, proxyV2Sig):
		return parseProxyV2(in, h)
	case bytes.HasPrefix(in, proxyV1Sig):
		return parseProxyV1(in, h)
	case bytes.HasPrefix(proxyV2Sig, in) || bytes.HasPrefix(proxyV1Sig, in):
		return 0, nil
	}
	return 0, errProxyProtocol
}

// parseProxyV1 reads "PROXY TCP4|TCP6 src dst srcport dstport\r\n" or
// "PROXY UNKNOWN…\r\n", as lighttpd's mod_extforward_hap_PROXY_v1: the
// source address must be of the family named, the ports 1 to 65535; the
// destination is not looked at.
func parseProxyV1(in []byte, h *proxyHeader) (int, error) {
	end := bytes.IndexByte(in[:min(len(in), maxProxyV1)], '\r')
	switch {
	case end < 0 && len(in) < maxProxyV1:
		return 0, nil
	case end < 0:
		return 0, errProxyProtocol
	case end+1 == len(in):
		return 0, nil
	case in[end+1] != '\n':
		return 0, errProxyProtocol
	}
	line := in[len(proxyV1Sig):end]
	n := end + 2
	if len(line) == 0 || line[0] != ' ' {
		return 0, errProxyProtocol
	}
	line = line[1:]
	if rest, ok := bytes.CutPrefix(line, []byte("UNKNOWN")); ok && (len(rest) == 0 || rest[0] == ' ') {
		h.keep = true
		return n, nil
	}
	var v4 bool
	switch {
	case bytes.HasPrefix(line, []byte("TCP4 ")):
		v4 = true
	case bytes.HasPrefix(line, []byte("TCP6 ")):
	default:
		return 0, errProxyProtocol
	}
	f := bytes.SplitN(line[5:], []byte(" "), 4)
	if len(f) != 4 {
		return 0, errProxyProtocol
	}
	a, err := netip.ParseAddr(string(f[0]))
	if err != nil || a.Zone() != "" || a.Is4() != v4 {
		return 0, errProxyAddress
	}
	port, ok := proxyPort(f[2])
	if _, dok := proxyPort(f[3]); !ok || !dok {
		return 0, errProxyAddress
	}
	h.src = netip.AddrPortFrom(a, port)
	return n, nil
}

// proxyPort reads a v1 port: 1 to 5 digits, not 0.
func proxyPort(b []byte) (uint16, bool) {
	if len(b) == 0 || len(b) > 5 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return uint16(n), n > 0 && n <= 65535
}

// The v2 TLVs lighttpd reads.
const (
	pp2TypeUniqueID = 0x05
	pp2TypeSSL      = 0x20

	// The SSL TLV's client flags; the first, "over TLS", only changes the
	// default port lighttpd normalises the host with, which featherd
	// does not do for https.
	pp2ClientCertConn = 0x02
	pp2ClientCertSess = 0x04
)

// pp2SSLEnv names the sub-TLVs of the SSL TLV as gateways see them.
var pp2SSLEnv = map[byte]string{
	0x21: "SSL_PROTOCOL",
	0x22: "SSL_CLIENT_S_DN_CN",
	0x23: "SSL_CIPHER",
	0x24: "SSL_SERVER_A_SIG",
	0x25: "SSL_SERVER_A_KEY",
	0x26: "SSL_GROUP",
	0x27: "SSL_SERVER_SIG_SCHEME",
}

// parseProxyV2 reads the binary header, as lighttpd's
// mod_extforward_hap_PROXY_v2: version 2; PROXY or LOCAL; TCP over IPv4
// or IPv6, or a unix socket; then the TLVs it knows. An address block
// shorter than its family's is an error here (lighttpd reads past it).
func parseProxyV2(in []byte, h *proxyHeader) (int, error) {
	if len(in) < 16 {
		return 0, nil
	}
	if in[12]&0xF0 != 0x20 {
		return 0, errProxyProtocol
	}
	size := 16 + int(binary.BigEndian.Uint16(in[14:16]))
	switch in[12] & 0x0F {
	case 0x01: // PROXY
	case 0x00: // LOCAL: a health check from the balancer itself
		if len(in) < size {
			return 0, nil
		}
		h.keep = true
		return size, nil
	default:
		return 0, errProxyCommand
	}
	if len(in) < size {
		return 0, nil
	}
	body := in[16:size]
	var addrLen int
	switch in[13] {
	case 0x11: // TCP over IPv4
		addrLen = 12
		if len(body) < addrLen {
			return 0, errProxyAddress
		}
		h.src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(body[0:4])), binary.BigEndian.Uint16(body[8:10]))
	case 0x21: // TCP over IPv6
		addrLen = 36
		if len(body) < addrLen {
			return 0, errProxyAddress
		}
		h.src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(body[0:16])), binary.BigEndian.Uint16(body[32:34]))
	case 0x31: // unix stream socket
		addrLen = 216
		if len(body) < addrLen {
			return 0, errProxyAddress
		}
		end := bytes.IndexByte(body[:108], 0)
		if end < 0 {
			return 0, errProxyAddress
		}
		h.unixPath = string(body[:end])
	default: // UDP, or unspecified: keep the connection's address
		h.keep = true
		return size, nil
	}
	for tlvs := body[addrLen:]; len(tlvs) >= 3; {
		typ, n := tlvs[0], int(binary.BigEndian.Uint16(tlvs[1:3]))
		if 3+n > len(tlvs) {
			break
		}
		v := tlvs[3 : 3+n]
		tlvs = tlvs[3+n:]
		switch typ {
		case pp2TypeUniqueID:
			h.setEnv("PP2_UNIQUE_ID", v)
		case pp2TypeSSL:
			if len(v) < 5 {
				continue
			}
			if v[0]&(pp2ClientCertConn|pp2ClientCertSess) != 0 && binary.BigEndian.Uint32(v[1:5]) == 0 {
				h.verified = true
			}
			for sub := v[5:]; len(sub) >= 3; {
				st, sn := sub[0], int(binary.BigEndian.Uint16(sub[1:3]))
				if 3+sn > len(sub) {
					break
				}
				if name, ok := pp2SSLEnv[st]; ok {
					h.setEnv(name, sub[3:3+sn])
				}
				sub = sub[3+sn:]
			}
		}
	}
	return size, nil
}

// setEnv records a TLV for gateways; a later one of the same name
// replaces it.
func (h *proxyHeader) setEnv(name string, v []byte) {
	for i := 0; i < len(h.env); i += 2 {
		if h.env[i] == name {
			h.env[i+1] = string(v)
			return
		}
	}
	h.env = append(h.env, name, string(v))
}

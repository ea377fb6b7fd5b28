package handshake

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// NoProxy is a [DialOptions].Proxy that always connects directly. A nil
// Proxy means the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), so a
// program that must ignore those variables sets Proxy to NoProxy.
func NoProxy(*http.Request) (*url.URL, error) { return nil, nil }

// proxyRequest is the request [Dial] hands to DialOptions.Proxy: the
// target as net/http would see it, with the scheme of the HTTP request a
// ws:// or wss:// URL stands for, so that [http.ProxyFromEnvironment]
// picks HTTP_PROXY for ws:// and HTTPS_PROXY for wss://.
func proxyRequest(u *url.URL, secure bool) *http.Request {
	scheme := "http"
	if secure {
		scheme = "https"
	}
	pu := &url.URL{Scheme: scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}
	return &http.Request{Method: http.MethodGet, URL: pu, Host: u.Host, Header: make(http.Header),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}

// proxyAddr returns the address to dial for the proxy at pu, with the
// default port of its scheme, as net/http uses them.
func proxyAddr(pu *url.URL) (string, error) {
	var port string
	switch pu.Scheme {
	case "http":
		port = "80"
	case "https":
		port = "443"
	case "socks5", "socks5h":
		port = "1080"
	default:
		return "", fmt.Errorf("handshake: proxy: scheme %q is not http, https, socks5 or socks5h", pu.Scheme)
	}
	if pu.Hostname() == "" {
		return "", errors.New("handshake: proxy: URL has no host")
	}
	if p := pu.Port(); p != "" {
		port = p
	}
	return net.JoinHostPort(pu.Hostname(), port), nil
}

// proxyTunnel asks the proxy at pu, reached over conn, for a tunnel to
// target (host:port) and returns the connection to speak through. The
// caller bounds the exchange with conn's deadline; ctx serves the TLS
// handshake with an https:// proxy.
func proxyTunnel(ctx context.Context, conn net.Conn, pu *url.URL, target string, tlsConfig *tls.Config) (net.Conn, error) {
	switch pu.Scheme {
	case "https":
		tc, err := tlsClient(ctx, conn, tlsConfig, pu.Hostname())
		if err != nil {
			return nil, fmt.Errorf("handshake: proxy: TLS: %w", err)
		}
		return httpConnect(tc, pu, target)
	case "http":
		return httpConnect(conn, pu, target)
	}
	// socks5 or socks5h: proxyAddr lets no other scheme through.
	if err := socks5Connect(conn, pu, target); err != nil {
		return nil, err
	}
	return conn, nil
}

// httpConnect sends an HTTP CONNECT request for target (RFC 9110 §9.3.6)
// and reads the reply head. Bytes past the head already belong to the
// tunnel: the returned connection gives them first.
func httpConnect(conn net.Conn, pu *url.URL, target string) (net.Conn, error) {
	req := "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
	if pu.User != nil {
		pass, _ := pu.User.Password()
		cred := base64.StdEncoding.EncodeToString([]byte(pu.User.Username() + ":" + pass))
		req += "Proxy-Authorization: Basic " + cred + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		return nil, fmt.Errorf("handshake: proxy: %w", err)
	}
	br := bufio.NewReader(conn)
	status, err := readConnectReply(br)
	if err != nil {
		return nil, err
	}
	if status[9] != '2' { // readConnectReply checked the form
		return nil, fmt.Errorf("handshake: proxy: CONNECT refused: %s", status)
	}
	if br.Buffered() == 0 {
		return conn, nil
	}
	rest, _ := br.Peek(br.Buffered())
	return &prefixConn{Conn: conn, rest: rest}, nil
}

// readConnectReply reads a reply head from br and returns its status
// line. A line longer than br's buffer or a head of more than 100 lines
// is an error, so a proxy cannot make Dial buffer without end.
func readConnectReply(br *bufio.Reader) (string, error) {
	var status string
	for i := 0; ; i++ {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", fmt.Errorf("handshake: proxy: reading the CONNECT reply: %w", err)
		}
		s := strings.TrimRight(string(line), "\r\n")
		switch {
		case i == 0:
			status = s
			if !validStatusLine(s) {
				return "", fmt.Errorf("handshake: proxy: malformed CONNECT reply %q", s)
			}
		case s == "":
			return status, nil
		case i >= 100:
			return "", errors.New("handshake: proxy: CONNECT reply head too long")
		}
	}
}

// validStatusLine reports whether s looks like "HTTP/1.x 200 reason".
func validStatusLine(s string) bool {
	return len(s) >= 12 && strings.HasPrefix(s, "HTTP/1.") && isDigit(s[7]) && s[8] == ' ' &&
		isDigit(s[9]) && isDigit(s[10]) && isDigit(s[11]) && (len(s) == 12 || s[12] == ' ')
}

// prefixConn is a connection whose first bytes were read ahead while
// reading a proxy's reply: Read gives them before reading on.
type prefixConn struct {
	net.Conn
	rest []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.rest) > 0 {
		n := copy(p, c.rest)
		c.rest = c.rest[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// socks5Connect asks a SOCKS5 proxy for a tunnel to target (RFC 1928),
// authenticating with the URL's user name and password when it has them
// (RFC 1929). It reads exactly the proxy's replies, so nothing of the
// tunnel is read ahead.
func socks5Connect(conn net.Conn, pu *url.URL, target string) error {
	host, portStr, err := net.SplitHostPort(target)
	if err != nil {
		return fmt.Errorf("handshake: proxy: %w", err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return fmt.Errorf("handshake: proxy: bad port %q", portStr)
	}
	req := []byte{5, 1, 0} // version 5, one method: no authentication
	if pu.User != nil {
		req = []byte{5, 2, 0, 2} // or user name and password
	}
	var b [2]byte
	if err := socksExchange(conn, req, b[:]); err != nil {
		return err
	}
	if b[0] != 5 {
		return fmt.Errorf("handshake: proxy: SOCKS version %d in reply, want 5", b[0])
	}
	switch b[1] {
	case 0:
	case 2:
		if pu.User == nil {
			return errors.New("handshake: proxy: SOCKS5 proxy chose user name authentication, which was not offered")
		}
		if err := socks5Auth(conn, pu.User); err != nil {
			return err
		}
	case 0xff:
		return errors.New("handshake: proxy: SOCKS5 proxy accepts none of the offered authentication methods")
	default:
		return fmt.Errorf("handshake: proxy: SOCKS5 proxy chose unoffered method %d", b[1])
	}
	return socks5Request(conn, host, uint16(port))
}

// socksExchange writes req and reads exactly len(reply) bytes.
func socksExchange(conn net.Conn, req, reply []byte) error {
	if _, err := conn.Write(req); err != nil {
		return fmt.Errorf("handshake: proxy: %w", err)
	}
	if _, err := io.ReadFull(conn, reply); err != nil {
		return fmt.Errorf("handshake: proxy: reading the SOCKS5 reply: %w", err)
	}
	return nil
}

// socks5Auth runs the user name and password subnegotiation (RFC 1929).
func socks5Auth(conn net.Conn, user *url.Userinfo) error {
	name := user.Username()
	pass, _ := user.Password()
	if len(name) == 0 || len(name) > 255 || len(pass) > 255 {
		return errors.New("handshake: proxy: SOCKS5 user name must be 1 to 255 bytes and password at most 255")
	}
	req := append([]byte{1, byte(len(name))}, name...)
	req = append(append(req, byte(len(pass))), pass...)
	var b [2]byte
	if err := socksExchange(conn, req, b[:]); err != nil {
		return err
	}
	if b[1] != 0 {
		return fmt.Errorf("handshake: proxy: SOCKS5 authentication failed (status %d)", b[1])
	}
	return nil
}

var socks5Errors = [...]string{1: "general failure", 2: "connection not allowed by ruleset",
	3: "network unreachable", 4: "host unreachable", 5: "connection refused", 6: "TTL expired",
	7: "command not supported", 8: "address type not supported"}

// socks5Request sends the CONNECT command for host and port and reads the
// reply, with its bound address, which Dial has no use for. An IP literal
// goes as an address; a name goes as a name, for both socks5 and socks5h,
// so the proxy resolves it.
func socks5Request(conn net.Conn, host string, port uint16) error {
	req := []byte{5, 1, 0} // version 5, CONNECT, reserved
	if ip, err := netip.ParseAddr(host); err == nil && ip.Zone() == "" {
		if ip.Is4() {
			req = append(append(req, 1), ip.AsSlice()...)
		} else {
			req = append(append(req, 4), ip.AsSlice()...)
		}
	} else {
		if len(host) > 255 {
			return errors.New("handshake: proxy: host name longer than SOCKS5 allows")
		}
		req = append(append(req, 3, byte(len(host))), host...)
	}
	req = binary.BigEndian.AppendUint16(req, port)
	var b [5]byte // version, reply, reserved, address type, first address byte
	if err := socksExchange(conn, req, b[:]); err != nil {
		return err
	}
	if b[1] != 0 {
		msg := "unknown error"
		if int(b[1]) < len(socks5Errors) {
			msg = socks5Errors[b[1]]
		}
		return fmt.Errorf("handshake: proxy: SOCKS5 CONNECT failed: %s (%d)", msg, b[1])
	}
	var left int // address bytes after the first, and the port
	switch b[3] {
	case 1:
		left = 4 - 1 + 2
	case 4:
		left = 16 - 1 + 2
	case 3:
		left = int(b[4]) + 2
	default:
		return fmt.Errorf("handshake: proxy: SOCKS5 reply has address type %d", b[3])
	}
	if _, err := io.ReadFull(conn, make([]byte, left)); err != nil {
		return fmt.Errorf("handshake: proxy: reading the SOCKS5 reply: %w", err)
	}
	return nil
}

package handshake

import (
	"bytes"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// replyConn is a proxy that answers with a fixed stream of bytes and
// ignores what it is sent.
type replyConn struct{ r *bytes.Reader }

func (c replyConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c replyConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c replyConn) Close() error                     { return nil }
func (c replyConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c replyConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c replyConn) SetDeadline(time.Time) error      { return nil }
func (c replyConn) SetReadDeadline(time.Time) error  { return nil }
func (c replyConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzProxyReply gives the CONNECT and SOCKS5 clients any reply a proxy
// could send: they must not panic, must accept a CONNECT reply only with
// a 2xx status line and a whole head, and must hand over every byte the
// proxy sent past the head.
func FuzzProxyReply(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 Connection established\r\n\r\n\x81\x02hi"))
	f.Add([]byte("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 200\r\nVia: x\r\n\r\n"))
	f.Add([]byte{5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90})
	f.Add([]byte{5, 2, 1, 0, 5, 0, 0, 3, 4, 'h', 'o', 's', 't', 0, 80, 0x81})
	f.Add([]byte{5, 0, 5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 187})
	user := url.UserPassword("ann", "secret")
	f.Fuzz(func(t *testing.T, reply []byte) {
		conn, err := httpConnect(replyConn{bytes.NewReader(reply)}, &url.URL{Host: "proxy:3128", User: user}, "example.com:80")
		if err == nil {
			head, rest, ok := bytes.Cut(reply, []byte("\n"))
			if !ok || !strings.HasPrefix(string(head), "HTTP/1.") || head[9] != '2' {
				t.Fatalf("accepted a CONNECT reply %q", reply)
			}
			got, _ := io.ReadAll(conn)
			if !bytes.HasSuffix(rest, got) {
				t.Fatalf("the tunnel gave %q, which the reply %q does not end with", got, reply)
			}
		}
		for _, u := range []*url.URL{{Host: "proxy:1080"}, {Host: "proxy:1080", User: user}} {
			socks5Connect(replyConn{bytes.NewReader(reply)}, u, "example.com:80")
		}
	})
}

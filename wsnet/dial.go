package wsnet

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

// DialOptions configure [Dial]. The zero value works: no subprotocol, no
// compression, proxies from the environment.
type DialOptions struct {
	Options

	// Protocols lists the subprotocols to offer, most preferred first.
	Protocols []string

	// Header holds extra request fields, such as Origin, Cookie or
	// Authorization.
	Header http.Header

	// Compression, when set, offers permessage-deflate (RFC 7692) with
	// these parameters; when the server accepts, the connection
	// compresses and inflates messages itself.
	Compression *deflate.ClientOptions

	// Dialer dials the server, or the proxy; nil means a zero net.Dialer.
	Dialer *net.Dialer

	// TLSConfig configures TLS for wss:// URLs; nil means the defaults,
	// with ServerName from the URL.
	TLSConfig *tls.Config

	// Proxy chooses the proxy for a URL as net/http's Transport.Proxy
	// does: nil means http.ProxyFromEnvironment (HTTP_PROXY for ws://,
	// HTTPS_PROXY for wss://, NO_PROXY), and handshake.NoProxy always
	// connects directly. HTTP CONNECT (with basic authentication from the
	// proxy URL's user info), https:// proxies and socks5:// are
	// supported; see handshake.DialOptions.Proxy.
	Proxy func(*http.Request) (*url.URL, error)

	// ProxyTLSConfig configures TLS with an https:// proxy.
	ProxyTLSConfig *tls.Config

	// Limits bound the server's reply head.
	Limits handshake.Limits

	// HTTP2 opens a wss:// WebSocket over HTTP/2 (RFC 8441) when the
	// server offers h2 and extended CONNECT, and over HTTP/1.1 otherwise;
	// see handshake.DialOptions.HTTP2. Conn.HTTP2 says which it got.
	HTTP2 bool

	// HTTP2Conn opens the WebSocket as a stream of an HTTP/2 connection
	// the caller already has (a golang.org/x/net/http2 ClientConn or
	// Transport), falling back to a connection of its own; see
	// handshake.DialOptions.HTTP2Conn.
	HTTP2Conn http.RoundTripper
}

// Dial opens a WebSocket connection to rawURL (ws:// or wss://), through
// a proxy when one applies, and returns it with what the handshake agreed
// on: the subprotocol, the extensions, the reply's header fields.
// Frames that arrived with the reply are kept for the first read. ctx
// bounds the dial and the handshake, not the connection. opts may be nil.
func Dial(ctx context.Context, rawURL string, opts *DialOptions) (*Conn, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	hopts := handshake.DialOptions{
		Protocols:      opts.Protocols,
		Header:         opts.Header,
		Dialer:         opts.Dialer,
		TLSConfig:      opts.TLSConfig,
		Limits:         opts.Limits,
		Proxy:          opts.Proxy,
		ProxyTLSConfig: opts.ProxyTLSConfig,
		HTTP2:          opts.HTTP2,
		HTTP2Conn:      opts.HTTP2Conn,
	}
	if opts.Compression != nil {
		hopts.Extensions = deflate.ClientOffer(*opts.Compression)
	}
	nc, rest, err := handshake.Dial(ctx, rawURL, &hopts)
	if err != nil {
		return nil, err
	}
	hc := nc.(*handshake.ClientConn)
	var params *deflate.Params
	if opts.Compression != nil {
		p, ok, err := deflate.ParseResponse([]byte(hc.Extensions()), *opts.Compression)
		if err != nil {
			// RFC 7692 §5.1: the client must fail the connection.
			nc.Close()
			return nil, err
		}
		if ok {
			params = &p
		}
	}
	c := newConn(nc, rest, codec.RoleClient, params, &opts.Options)
	c.protocol, c.extensions, c.header = hc.Protocol(), hc.Extensions(), hc.Header()
	c.http2 = hc.HTTP2()
	c.start()
	return c, nil
}

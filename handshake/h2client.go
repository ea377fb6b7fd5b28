package handshake

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"golang.org/x/net/http2"
)

// ErrNoExtendedConnect is returned, wrapped, when a server reached over
// HTTP/2 does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441
// §3), so no WebSocket can be opened on that connection. [Dial] then
// falls back to HTTP/1.1 itself.
var ErrNoExtendedConnect = errors.New("handshake: the HTTP/2 server does not accept WebSockets (no SETTINGS_ENABLE_CONNECT_PROTOCOL)")

// dialHTTP2 opens the WebSocket as a stream of the HTTP/2 connection rt
// (RFC 8441 §4): an extended CONNECT with :protocol websocket, version
// 13, and the offer of subprotocols and extensions, answered by a 2xx.
// closeConn, when not nil, is called when the WebSocket ends, for an
// HTTP/2 connection Dial made for it alone. ctx bounds the exchange, not
// the stream.
func dialHTTP2(ctx context.Context, rt http.RoundTripper, u *url.URL, opts *DialOptions, local, remote net.Addr, closeConn func()) (*ClientConn, error) {
	target := *u
	target.Scheme = "https"
	if u.Scheme == "ws" {
		target.Scheme = "http"
	}
	s, farIn, farOut := newStream(local, remote)
	body := &requestBody{Conn: farOut, sent: make(chan struct{})}
	// The stream outlives ctx, which only bounds the exchange.
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	req, err := http.NewRequestWithContext(sctx, http.MethodConnect, target.String(), body)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header = http2RequestHeader(opts)
	if host := opts.Header.Get("Host"); host != "" {
		req.Host = host
	}
	stop := context.AfterFunc(ctx, cancel)
	resp, err := rt.RoundTrip(req)
	if err == nil && !stop() {
		resp.Body.Close()
		err = ctx.Err()
	}
	if err == nil {
		err = checkHTTP2Response(resp, opts)
		if err != nil {
			resp.Body.Close()
		}
	}
	if err != nil {
		cancel()
		s.Close()
		if strings.Contains(err.Error(), "extended connect not supported") {
			err = fmt.Errorf("%w (%w)", ErrNoExtendedConnect, err)
		}
		return nil, err
	}
	go pumpIn(farIn, resp.Body)
	s.end = func() {
		// The transport sends END_STREAM once it reads the end of the
		// body: let it, then cancel, which resets whatever is left.
		waitLinger(body.sent)
		resp.Body.Close()
		cancel()
		if closeConn != nil {
			closeConn()
		}
	}
	c := &ClientConn{Conn: s, header: resp.Header, http2: true}
	c.protocol = resp.Header.Get("Sec-WebSocket-Protocol")
	c.extensions = strings.Join(resp.Header.Values("Sec-WebSocket-Extensions"), ", ")
	return c, nil
}

// http2RequestHeader returns the fields of an extended CONNECT for a
// WebSocket. net/http's own client refuses the :protocol pseudo-header,
// which is why the HTTP/2 side of Dial is golang.org/x/net/http2's.
func http2RequestHeader(opts *DialOptions) http.Header {
	h := make(http.Header, len(opts.Header)+4)
	for name, values := range opts.Header {
		if http.CanonicalHeaderKey(name) != "Host" {
			h[name] = append([]string(nil), values...)
		}
	}
	h[":protocol"] = []string{"websocket"}
	h.Set("Sec-WebSocket-Version", "13")
	if len(opts.Protocols) > 0 {
		h.Set("Sec-WebSocket-Protocol", strings.Join(opts.Protocols, ", "))
	}
	if opts.Extensions != "" {
		h.Set("Sec-WebSocket-Extensions", opts.Extensions)
	}
	return h
}

// checkHTTP2Response applies to the reply of an extended CONNECT what
// RFC 6455 §4.1 asks of a client that RFC 8441 keeps: any 2xx opens the
// WebSocket (§5), and the server may only choose from the offer.
func checkHTTP2Response(resp *http.Response, opts *DialOptions) error {
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%w: %s", ErrStatus, resp.Status)
	}
	protocols := resp.Header.Values("Sec-WebSocket-Protocol")
	switch {
	case len(protocols) > 1 || len(protocols) == 1 && strings.ContainsAny(protocols[0], ", \t"):
		return ErrProtocolList
	case len(protocols) == 1 && !slices.Contains(opts.Protocols, protocols[0]):
		return ErrProtocolNotOffered
	}
	for _, v := range resp.Header.Values("Sec-WebSocket-Extensions") {
		list := []byte(v)
		for elem, rest := NextElement(list); elem != nil; elem, rest = NextElement(rest) {
			name, _, ok := ParseExtension(elem)
			if !ok {
				return ErrResponseExtensions
			}
			if !offersExtension(opts.Extensions, name) {
				return ErrExtensionNotOffered
			}
		}
	}
	return nil
}

// requestBody is the far end of the stream's out pipe, as the body of
// the CONNECT, with a signal for when the transport is done with it: it
// has read all of it, or it closes it without, because the stream was
// reset or the connection closed, and then nothing more will be sent.
type requestBody struct {
	net.Conn
	sent chan struct{}
	once sync.Once
}

func (b *requestBody) Read(p []byte) (int, error) {
	n, err := b.Conn.Read(p)
	if err != nil {
		b.once.Do(func() { close(b.sent) })
	}
	return n, err
}

func (b *requestBody) Close() error {
	b.once.Do(func() { close(b.sent) })
	return b.Conn.Close()
}

// dialOwnHTTP2 runs the WebSocket over conn, a TLS connection on which
// the server chose h2, as the only stream of an HTTP/2 connection made
// for it.
func dialOwnHTTP2(ctx context.Context, conn *tls.Conn, u *url.URL, opts *DialOptions) (*ClientConn, error) {
	t := &http2.Transport{DisableCompression: true}
	cc, err := t.NewClientConn(conn)
	if err != nil {
		return nil, err
	}
	c, err := dialHTTP2(ctx, cc, u, opts, conn.LocalAddr(), conn.RemoteAddr(), func() { cc.Close() })
	if err != nil {
		cc.Close()
	}
	return c, err
}

package handshake

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// Options configures [Upgrade].
type Options struct {
	// CheckOrigin reports whether to accept a request from r's Origin.
	// When nil, Upgrade accepts requests without an Origin header (they do
	// not come from browsers) and requests whose Origin's host equals the
	// request's Host, compared without regard to case; it refuses the
	// others with 403. That is the check a server needs when it relies on
	// cookies or other ambient credentials: without it, any web page a user
	// visits could open a WebSocket to the server with the user's cookies
	// (RFC 6455 §10.2). Set CheckOrigin to accept cross-origin requests.
	CheckOrigin func(r *http.Request) bool

	// Protocols lists the subprotocols the server speaks, most preferred
	// first. Upgrade picks the first one the client offered, as
	// [SelectProtocol] does, or none.
	Protocols []string

	// Extensions, when set, is given the client's Sec-WebSocket-Extensions
	// values and returns the value to answer with, "" to decline all.
	// When nil, every extension is declined.
	Extensions func(offer []string) string

	// Header holds extra fields for the 101 reply, such as Set-Cookie.
	Header http.Header
}

// Upgrade checks r as [ParseRequest] checks a raw head (RFC 6455 §4.2.1)
// plus the origin check of opts.CheckOrigin, and on success takes over the
// connection from the net/http server, writes the 101 reply and returns
// the connection with a buffered reader and writer over it. Bytes the
// client sent after its request are in the reader's buffer: read frames
// through rw.Reader, not conn, or they are lost. The caller owns conn and
// must close it.
//
// A request that came over HTTP/2 is an extended CONNECT (RFC 8441): the
// same handler serves both. Upgrade checks it by RFC 8441 §5, answers 200
// and returns the request's stream as conn, which reads the request body
// and writes the response; its deadlines interrupt a read or a write
// without harming the stream, as on TCP. The stream lives as long as the
// handler: the handler must not return before it has closed conn, and
// closing conn lets it return at once. Browsers send WebSockets over
// HTTP/2 only when the server advertises it, which net/http does only in
// a process started with GODEBUG=http2xconnect=1 (see [HTTP2Enabled]).
//
// On failure Upgrade replies through w (400, 403, 426 with
// Sec-WebSocket-Version: 13, or 500 when w cannot be hijacked) and returns
// the *Error or the hijack error. opts may be nil.
func Upgrade(w http.ResponseWriter, r *http.Request, opts *Options) (net.Conn, *bufio.ReadWriter, error) {
	if opts == nil {
		opts = &Options{}
	}
	if r.ProtoMajor == 2 {
		return upgradeHTTP2(w, r, opts)
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	versions := r.Header.Values("Sec-WebSocket-Version")
	var key, version []byte
	if len(keys) > 0 {
		key = []byte(keys[0])
	}
	if len(versions) > 0 {
		version = []byte(versions[0])
	}
	hosts := 0
	if r.Host != "" {
		hosts = 1 // net/http refuses requests with several Host headers itself
	}
	err := checkRequest(&requestFacts{
		method:     r.Method,
		atLeast11:  r.ProtoAtLeast(1, 1),
		hosts:      hosts,
		origins:    len(r.Header.Values("Origin")),
		upgrade:    anyHasToken(r.Header.Values("Upgrade"), "websocket"),
		connection: anyHasToken(r.Header.Values("Connection"), "upgrade"),
		keys:       len(keys),
		key:        key,
		versions:   len(versions),
		version:    version,
	})
	if err == nil {
		for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
			if !checkProtocols([]byte(v)) {
				err = ErrBadProtocols
			}
		}
	}
	if err == nil {
		err = opts.checkOrigin(r)
	}
	if err != nil {
		rejectHTTP(w, err.(*Error), false)
		return nil, nil, err
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "websocket: connection cannot be taken over (HTTP/2?)", http.StatusInternalServerError)
		return nil, nil, errors.New("handshake: http.ResponseWriter does not implement http.Hijacker")
	}
	protocol := SelectProtocol(r.Header.Values("Sec-WebSocket-Protocol"), opts.Protocols)
	var extensions string
	if opts.Extensions != nil {
		if offer := r.Header.Values("Sec-WebSocket-Extensions"); len(offer) > 0 {
			extensions = opts.Extensions(offer)
		}
	}
	var extra []Field
	for name, values := range opts.Header {
		for _, v := range values {
			extra = append(extra, Field{name, v})
		}
	}
	reply := AppendResponse(make([]byte, 0, 256), key, protocol, extensions, extra...)
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	// net/http may have set a deadline for reading the request; the
	// WebSocket connection lives by its own.
	conn.SetDeadline(time.Time{})
	if _, err := conn.Write(reply); err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, rw, nil
}

// checkOrigin applies opts.CheckOrigin, SameOrigin when nil, to r.
func (opts *Options) checkOrigin(r *http.Request) error {
	check := opts.CheckOrigin
	if check == nil {
		check = SameOrigin
	}
	if !check(r) {
		return ErrOrigin
	}
	return nil
}

// rejectHTTP answers a request that Upgrade refuses. Over HTTP/2, whose
// connection serves other streams, it neither closes the connection nor
// names the Upgrade mechanism, which HTTP/2 does not have (RFC 9113
// §8.2.2).
func rejectHTTP(w http.ResponseWriter, e *Error, http2 bool) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	if !http2 {
		h.Set("Connection", "close")
	}
	if e.Status == http.StatusUpgradeRequired {
		if !http2 {
			h.Set("Upgrade", "websocket")
		}
		h.Set("Sec-WebSocket-Version", "13")
	}
	w.WriteHeader(e.Status)
	fmt.Fprintln(w, e.Rule)
}

func anyHasToken(values []string, token string) bool {
	for _, v := range values {
		if HasToken([]byte(v), token) {
			return true
		}
	}
	return false
}

// SameOrigin reports whether r has no Origin header, or one whose host
// (with port) equals r.Host without regard to case. It is [Upgrade]'s
// default origin check.
func SameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// SelectProtocol returns the first of supported, the server's subprotocols
// in order of preference, that appears in offered, the client's
// Sec-WebSocket-Protocol values; or "" when there is none.
func SelectProtocol(offered []string, supported []string) string {
	for _, s := range supported {
		for _, v := range offered {
			b := []byte(v)
			for elem, rest := NextElement(b); elem != nil; elem, rest = NextElement(rest) {
				if string(elem) == s {
					return s
				}
			}
		}
	}
	return ""
}

// DialOptions configures [Dial]. The zero value works, and goes through
// the proxy the environment names, as net/http's default client does.
type DialOptions struct {
	Protocols  []string    // subprotocols to offer, most preferred first
	Extensions string      // Sec-WebSocket-Extensions value to offer, if any
	Header     http.Header // extra request fields, such as Origin or Cookie
	Dialer     *net.Dialer // nil means a zero net.Dialer; it dials the proxy too
	TLSConfig  *tls.Config // for wss://; nil means the defaults, with ServerName from the URL; NextProtos is set by Dial
	Limits     Limits      // bounds on the server's reply head

	// Proxy returns the proxy to reach the server through, or a nil URL
	// for a direct connection; it has the signature of net/http's
	// Transport.Proxy, so [http.ProxyURL] and [http.ProxyFromEnvironment]
	// fit. It is given a GET request for the URL with scheme http for
	// ws:// and https for wss://, so that the environment's HTTP_PROXY
	// applies to ws:// and HTTPS_PROXY to wss://. nil means
	// http.ProxyFromEnvironment (which, among other things, never proxies
	// localhost); [NoProxy] connects directly whatever the environment
	// says.
	//
	// An http:// or https:// proxy is asked for a tunnel with CONNECT,
	// for ws:// as for wss://, with Proxy-Authorization: Basic when the
	// proxy URL has user info; an https:// proxy is reached over TLS,
	// configured by ProxyTLSConfig. A socks5:// or socks5h:// proxy gets a
	// SOCKS5 CONNECT (RFC 1928), with user name and password
	// authentication (RFC 1929) when the URL has user info. socks5 and
	// socks5h alike send the server's host name, not an address resolved
	// here, so the proxy resolves it (curl does so only for socks5h). The
	// WebSocket handshake, and TLS with the server for wss://, then run
	// through the tunnel.
	Proxy func(*http.Request) (*url.URL, error)

	// ProxyTLSConfig configures TLS with an https:// proxy. It is apart
	// from TLSConfig because the proxy is another party than the server,
	// with its own name and perhaps its own certificate authority. nil
	// means the defaults, with ServerName the proxy's host.
	ProxyTLSConfig *tls.Config

	// HTTP2, for a wss:// URL, offers h2 as well as http/1.1 in TLS's
	// ALPN, and when the server chooses h2 opens the WebSocket as a
	// stream of that HTTP/2 connection (RFC 8441): an extended CONNECT.
	// When the server chooses http/1.1, the handshake goes on over the
	// same connection as without HTTP2; when it chooses h2 but does not
	// advertise SETTINGS_ENABLE_CONNECT_PROTOCOL, Dial dials again for
	// HTTP/1.1. The connection is the WebSocket's alone, and closing the
	// WebSocket closes it.
	HTTP2 bool

	// HTTP2Conn, when set, carries the WebSocket as a new stream of an
	// HTTP/2 connection the caller already has, for ws:// and wss://
	// alike, and Dial neither dials nor uses a proxy: it sends the
	// extended CONNECT through HTTP2Conn.RoundTrip, which may be a
	// golang.org/x/net/http2 ClientConn, or an http2.Transport that
	// shares its pooled connection to the host with other requests.
	// net/http's own Transport and ClientConn refuse the :protocol
	// pseudo-header in Go 1.26 and cannot be used. Closing the WebSocket
	// ends its stream, not the connection. When the server does not
	// advertise extended CONNECT, or the request fails before the server
	// answers it, Dial falls back to its own HTTP/1.1 connection.
	HTTP2Conn http.RoundTripper
}

// ClientConn is the connection [Dial] returns: a net.Conn that also says
// what the server chose.
type ClientConn struct {
	net.Conn
	protocol, extensions string
	header               http.Header
	http2                bool
}

// HTTP2 reports whether the WebSocket is a stream of an HTTP/2
// connection (RFC 8441), rather than an HTTP/1.1 connection of its own.
func (c *ClientConn) HTTP2() bool { return c.http2 }

// Header returns the header fields of the server's reply, with
// canonical names, as net/http's Response.Header holds them.
func (c *ClientConn) Header() http.Header { return c.header }

// Protocol returns the subprotocol the server chose, or "".
func (c *ClientConn) Protocol() string { return c.protocol }

// Extensions returns the server's Sec-WebSocket-Extensions value, or "".
func (c *ClientConn) Extensions() string { return c.extensions }

// Dial opens a WebSocket connection to rawURL (ws:// or wss://) and
// performs the client's side of the opening handshake (RFC 6455 §4.1): a
// fresh key from [NewKey], the checks of [ParseResponse] and
// [Response.CheckOffer]. It returns the connection, whose dynamic type is
// *[ClientConn], and the bytes it read past the server's reply, which are
// the start of the server's first frames: feed them to the frame decoder
// before reading from the connection. It goes through the proxy that
// [DialOptions].Proxy names, by default the environment's. ctx bounds the
// whole handshake, the exchange with a proxy included; the returned
// connection has no deadline. opts may be nil.
func Dial(ctx context.Context, rawURL string, opts *DialOptions) (net.Conn, []byte, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	var secure bool
	switch u.Scheme {
	case "ws":
	case "wss":
		secure = true
	default:
		return nil, nil, fmt.Errorf("handshake: URL scheme %q is not ws or wss", u.Scheme)
	}
	if u.Host == "" {
		return nil, nil, errors.New("handshake: URL has no host")
	}
	if opts.HTTP2Conn != nil {
		c, err := dialHTTP2(ctx, opts.HTTP2Conn, u, opts, streamAddr(""), streamAddr(u.Host), nil)
		if err == nil || ctx.Err() != nil || errors.As(err, new(*Error)) {
			return c, nil, err
		}
		// No WebSocket on that connection: dial one of our own.
		o := *opts
		o.HTTP2Conn = nil
		return Dial(ctx, rawURL, &o)
	}
	addr := u.Host
	if u.Port() == "" {
		port := "80"
		if secure {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	proxy := opts.Proxy
	if proxy == nil {
		proxy = http.ProxyFromEnvironment
	}
	pu, err := proxy(proxyRequest(u, secure))
	if err != nil {
		return nil, nil, fmt.Errorf("handshake: proxy: %w", err)
	}
	dialAddr := addr
	if pu != nil {
		if dialAddr, err = proxyAddr(pu); err != nil {
			return nil, nil, err
		}
	}
	dialer := opts.Dialer
	if dialer == nil {
		dialer = &net.Dialer{}
	}
	conn, err := dialer.DialContext(ctx, "tcp", dialAddr)
	if err != nil {
		if pu != nil {
			err = fmt.Errorf("handshake: proxy: %w", err)
		}
		return nil, nil, err
	}
	// Abandon the handshake, and the exchange with the proxy before it,
	// when ctx is done.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	tunnel := conn
	if pu != nil {
		tunnel, err = proxyTunnel(ctx, conn, pu, addr, opts.ProxyTLSConfig)
	}
	var c *ClientConn
	var rest []byte
	if err == nil {
		c, rest, err = clientHandshake(ctx, tunnel, u, secure, opts)
	}
	if errors.Is(err, ErrNoExtendedConnect) && ctx.Err() == nil {
		conn.Close()
		o := *opts
		o.HTTP2 = false
		return Dial(ctx, rawURL, &o)
	}
	if err != nil {
		conn.Close()
		// The connection's deadline is ctx's, and may fire a moment before
		// ctx reports it: say which ended the handshake.
		ctxErr := ctx.Err()
		if d, ok := ctx.Deadline(); ok && ctxErr == nil && !time.Now().Before(d) {
			ctxErr = context.DeadlineExceeded
		}
		if ctxErr != nil {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return nil, nil, err
	}
	if !stop() { // ctx ended after the handshake: the deadline may be set
		c.Close()
		return nil, nil, ctx.Err()
	}
	conn.SetDeadline(time.Time{})
	return c, rest, nil
}

// tlsClient runs TLS's client handshake over conn with a copy of cfg
// (the defaults when nil), naming host as the server unless cfg names one:
// for the WebSocket server of a wss:// URL, and for an https:// proxy.
func tlsClient(ctx context.Context, conn net.Conn, cfg *tls.Config, host string) (*tls.Conn, error) {
	cfg = cfg.Clone()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

func clientHandshake(ctx context.Context, conn net.Conn, u *url.URL, secure bool, opts *DialOptions) (*ClientConn, []byte, error) {
	if secure {
		// ALPN offers what this handshake speaks, whatever the caller's
		// configuration (perhaps one shared with an HTTP/2 client) says.
		cfg := opts.TLSConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		cfg.NextProtos = []string{"http/1.1"}
		if opts.HTTP2 {
			cfg.NextProtos = []string{"h2", "http/1.1"}
		}
		tc, err := tlsClient(ctx, conn, cfg, u.Hostname())
		if err != nil {
			return nil, nil, err
		}
		if tc.ConnectionState().NegotiatedProtocol == "h2" {
			c, err := dialOwnHTTP2(ctx, tc, u, opts)
			return c, nil, err
		}
		conn = tc
	}
	target := u.RequestURI()
	var extra []Field
	if opts.Extensions != "" {
		extra = append(extra, Field{"Sec-WebSocket-Extensions", opts.Extensions})
	}
	for name, values := range opts.Header {
		for _, v := range values {
			extra = append(extra, Field{name, v})
		}
	}
	key := NewKey()
	if _, err := conn.Write(AppendRequest(nil, u.Host, target, key[:], opts.Protocols, extra...)); err != nil {
		return nil, nil, err
	}
	max := opts.Limits.maxHead()
	buf := make([]byte, 0, 1024)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := conn.Read(buf[len(buf):min(cap(buf), max+4096)])
		buf = buf[:len(buf)+n]
		resp, hn, perr := opts.Limits.ParseResponse(buf, key[:])
		switch {
		case perr == nil:
			if err := resp.CheckOffer(opts.Protocols, opts.Extensions); err != nil {
				return nil, nil, err
			}
			c := &ClientConn{Conn: conn, protocol: string(resp.Protocol), header: make(http.Header)}
			for name, value := range resp.Fields {
				key := textproto.CanonicalMIMEHeaderKey(string(name))
				c.header[key] = append(c.header[key], string(value))
			}
			if resp.Extensions.Len() > 0 {
				var exts []string
				for i := 0; i < resp.Extensions.Len(); i++ {
					exts = append(exts, string(resp.Extensions.Value(i)))
				}
				c.extensions = strings.Join(exts, ", ")
			}
			return c, append([]byte(nil), buf[hn:]...), nil
		case perr == ErrStatus:
			return nil, nil, fmt.Errorf("%w: %d %s", ErrStatus, resp.Status, resp.Reason)
		case perr != ErrIncomplete:
			return nil, nil, perr
		}
		if err != nil {
			return nil, nil, fmt.Errorf("handshake: reading the reply: %w", err)
		}
	}
}

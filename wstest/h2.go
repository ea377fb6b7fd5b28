package wstest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/net/http2"

	"github.com/wsframe/wsframe/handshake"
)

// With Options.HTTP2 each server case dials an HTTP/2 connection of its
// own and opens its WebSocket as a stream of it (RFC 8441). A connection
// per case, rather than streams of a shared one, keeps the cases apart as
// their TCP connections keep them apart over HTTP/1.1: a case that makes
// the server reset or close the whole connection, or that fills the
// connection's flow-control window with 64 MiB the server will not read,
// harms no other case, and a case's verdict never depends on what the
// cases before it left behind. Case H2.6 puts two WebSockets on one
// connection on purpose.

const (
	notOverHTTP2 = "not applicable over HTTP/2: "
	rfcStreamEnd = "RFC 8441 §5: Orderly TCP-level closures are represented as END_STREAM flags ... RST exceptions are represented with the RST_STREAM frame"
)

// errNoFallback fails the HTTP/1.1 connection that handshake.Dial falls
// back to when a server does not take a WebSocket over HTTP/2: with
// Options.HTTP2 that is a failure to report, not to work around.
var errNoFallback = errors.New("wstest: no fallback to HTTP/1.1 with Options.HTTP2")

var noFallback = &net.Dialer{Control: func(string, string, syscall.RawConn) error { return errNoFallback }}

// h2conn is a case's HTTP/2 connection, as the RoundTripper through which
// handshake.Dial sends its extended CONNECT. It notes what Dial does not
// say: why a request failed, the status of the reply, and how the server
// ended the reply's stream.
type h2conn struct {
	cc *http2.ClientConn
	tg target

	mu     sync.Mutex
	err    error      // of the last request
	status int        // of the last reply
	end    *streamEnd // the body of the last reply
}

func (h *h2conn) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := h.cc.RoundTrip(req)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.err, h.status, h.end = err, 0, nil
	if err == nil {
		h.status = resp.StatusCode
		h.end = &streamEnd{ReadCloser: resp.Body}
		resp.Body = h.end
	}
	return resp, err
}

// last returns what h noted of its last request.
func (h *h2conn) last() (status int, end *streamEnd, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status, h.end, h.err
}

// streamEnd is the body of the reply to an extended CONNECT, which
// carries the server's side of the stream, noting how it ended.
type streamEnd struct {
	io.ReadCloser
	mu  sync.Mutex
	err error
}

func (b *streamEnd) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	return n, err
}

// reason returns how the server ended the stream: io.EOF for END_STREAM,
// an http2.StreamError for RST_STREAM, another error when the connection
// failed, or nil when it has not (the suite ended it).
func (b *streamEnd) reason() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// describeEnd says how a stream ended, as reason reports it.
func describeEnd(err error) string {
	var se http2.StreamError
	switch {
	case err == nil:
		return "stream ended"
	case err == io.EOF:
		return "stream ended (END_STREAM)"
	case errors.As(err, &se):
		return fmt.Sprintf("stream reset (RST_STREAM %v)", se.Code)
	}
	return "stream broken: " + err.Error()
}

// dialHTTP2 opens a case's HTTP/2 connection to tg: over TLS that must
// choose h2 for wss://, with prior knowledge for ws://. On failure it
// returns nil and what went wrong.
func dialHTTP2(ctx context.Context, tg target, cfg *tls.Config) (*h2conn, string) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", tg.host)
	if err != nil {
		return nil, "dial: " + err.Error()
	}
	if tg.secure {
		tc, err := tlsClient(ctx, conn, cfg, tg.name, "h2", "http/1.1")
		if err != nil {
			conn.Close()
			return nil, "TLS: " + err.Error()
		}
		if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
			tc.Close()
			if p == "" {
				p = "no protocol"
			}
			return nil, fmt.Sprintf("TLS chose %s by ALPN, not h2: the server does not speak HTTP/2 on this port", p)
		}
		conn = tc
	}
	cc, err := (&http2.Transport{DisableCompression: true}).NewClientConn(conn)
	if err != nil {
		conn.Close()
		return nil, "HTTP/2: " + err.Error()
	}
	return &h2conn{cc: cc, tg: tg}, ""
}

// tlsClient runs TLS's client handshake over conn, offering protos by
// ALPN, with a copy of cfg that names the server name unless cfg names
// one.
func tlsClient(ctx context.Context, conn net.Conn, cfg *tls.Config, name string, protos ...string) (*tls.Conn, error) {
	cfg = cfg.Clone()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = name
	}
	cfg.NextProtos = protos
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

// dial opens a WebSocket as a new stream of h with handshake.Dial,
// offering extensions and protocols, and returns it with the end of its
// stream; or nil and why not.
func (h *h2conn) dial(ctx context.Context, extensions string, protocols []string) (*handshake.ClientConn, *streamEnd, string) {
	conn, _, err := handshake.Dial(ctx, h.tg.url(), &handshake.DialOptions{
		HTTP2Conn:  h,
		Extensions: extensions,
		Protocols:  protocols,
		Dialer:     noFallback,
		Proxy:      handshake.NoProxy,
	})
	status, end, rtErr := h.last()
	switch {
	case rtErr != nil && strings.Contains(rtErr.Error(), "extended connect not supported"):
		return nil, nil, "the server does not take WebSockets over HTTP/2: its SETTINGS lack SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3); Go's net/http sends it only in a process started with GODEBUG=http2xconnect=1"
	case rtErr != nil && !h.tg.secure:
		return nil, nil, "extended CONNECT: " + rtErr.Error() + " (over ws:// the suite speaks HTTP/2 with prior knowledge, RFC 9113 §3.3: does the server take HTTP/2 without TLS?)"
	case rtErr != nil:
		return nil, nil, "extended CONNECT: " + rtErr.Error()
	case status/100 != 2:
		return nil, nil, fmt.Sprintf("extended CONNECT refused with status %d", status)
	case err != nil:
		return nil, nil, "extended CONNECT: " + err.Error()
	}
	c := conn.(*handshake.ClientConn)
	if !c.HTTP2() {
		c.Close()
		return nil, nil, "handshake.Dial did not use the HTTP/2 connection"
	}
	return c, end, ""
}

// request sends a request other than the extended CONNECT that dial
// sends, without a body, and returns its reply, whose body is closed.
// header may hold :protocol.
func (h *h2conn) request(ctx context.Context, method string, header http.Header) (*http.Response, error) {
	scheme := "http://"
	if h.tg.secure {
		scheme = "https://"
	}
	req, err := http.NewRequestWithContext(ctx, method, scheme+h.tg.host+h.tg.path, http.NoBody)
	if err != nil {
		return nil, err
	}
	req.Header = header
	resp, err := h.cc.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp, nil
}

// h2Stream is the WebSocket of a case over HTTP/2. Closing it ends the
// case: it closes the HTTP/2 connection, which ends the stream at once,
// then the stream, which would otherwise wait for the server to take what
// is left to send.
type h2Stream struct {
	net.Conn
	cc *http2.ClientConn
}

func (s *h2Stream) Close() error {
	s.cc.Close()
	return s.Conn.Close()
}

// connectHTTP2 opens the case's HTTP/2 connection and its WebSocket, or
// when the case sends requests of its own (s.raw), checks that the server
// takes WebSockets on it; a verdict other than 0 ends the case there.
func (p *probe) connectHTTP2(ctx context.Context, s setup, cfg *tls.Config) (Verdict, string) {
	h, why := dialHTTP2(ctx, p.tg, cfg)
	if h == nil {
		return Fail, why
	}
	p.h2 = h
	if s.raw {
		// The case sends requests of its own, which a server that takes
		// no WebSocket over HTTP/2 might refuse for that reason alone: it
		// must first take one, which is closed at once.
		c, _, why := h.dial(ctx, "", nil)
		if c == nil {
			return Fail, why
		}
		c.Close()
		return 0, ""
	}
	offer, opts := s.extensions()
	c, end, why := h.dial(ctx, offer, s.protocols)
	if c == nil {
		return Fail, why
	}
	p.attach(&h2Stream{Conn: c, cc: h.cc})
	p.ended = end.reason
	return p.negotiate(c, offer, opts)
}

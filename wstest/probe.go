package wstest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

// serverRun is what a server case does over its probe: it returns the
// verdict and what it saw.
type serverRun func(p *probe) (Verdict, string)

// setup says how a server case connects.
type setup struct {
	raw       bool                   // a TCP connection without a handshake, or an HTTP/2 connection without a request: the case does the HTTP itself
	offer     *deflate.ClientOptions // offer permessage-deflate with these options
	ext       string                 // or this Sec-WebSocket-Extensions value, judged as the zero options
	protocols []string               // subprotocols to offer
}

// extensions returns the Sec-WebSocket-Extensions value to offer and the
// options to judge the reply by.
func (s setup) extensions() (string, deflate.ClientOptions) {
	if s.offer != nil {
		return deflate.ClientOffer(*s.offer), *s.offer
	}
	return s.ext, deflate.ClientOptions{}
}

// probe is the suite's side of one server case: a client.
type probe struct {
	endpoint
	tg    target
	ctx   context.Context // ends with the case
	h2    *h2conn         // the case's HTTP/2 connection, with Options.HTTP2
	proto string          // the subprotocol the server chose
}

// runServerCase runs c against the server at tg and times it. It never
// takes longer than the case timeout, and stops at once when ctx is done.
func runServerCase(ctx context.Context, tg target, c *Case, o *Options) Result {
	start := time.Now()
	if o.http2() && c.noHTTP2 != "" {
		return Result{Case: c, Verdict: Info, Observed: notOverHTTP2 + c.noHTTP2}
	}
	p := &probe{endpoint: newEndpoint(codec.RoleClient, start.Add(o.timeout()), o.quiet()), tg: tg}
	cctx, cancel := context.WithDeadline(ctx, p.end)
	defer cancel()
	p.ctx = cctx
	var v Verdict
	var obs string
	if o.http2() {
		v, obs = p.connectHTTP2(cctx, c.setup, o.tlsConfig())
	} else {
		v, obs = p.connect(cctx, c.setup, o.tlsConfig())
	}
	if v == 0 {
		// The deadlines end the case in time; ctx ends it at once.
		stop := context.AfterFunc(ctx, p.abort)
		v, obs = c.server(p)
		stop()
	}
	if err := p.close(); err != nil && v == Fail {
		obs += fmt.Sprintf(" (a write had failed: %v)", err)
	}
	return Result{Case: c, Verdict: v, Observed: obs, Elapsed: time.Since(start)}
}

// abort ends the case's connections at once.
func (p *probe) abort() {
	if p.conn != nil {
		p.conn.Close()
	}
	if p.h2 != nil {
		p.h2.cc.Close()
	}
}

// close ends the case's connections and returns the first write error.
func (p *probe) close() error {
	var err error
	if p.out != nil {
		err = p.out.stop() // closes the connection
	}
	if p.h2 != nil {
		p.h2.cc.Close()
	}
	return err
}

// connect opens the case's connection; a verdict other than 0 ends the
// case there.
func (p *probe) connect(ctx context.Context, s setup, cfg *tls.Config) (Verdict, string) {
	if s.raw {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", p.tg.host)
		if err != nil {
			return Fail, "dial: " + err.Error()
		}
		if p.tg.secure {
			tc, err := tlsClient(ctx, conn, cfg, p.tg.name, "http/1.1")
			if err != nil {
				conn.Close()
				return Fail, "TLS: " + err.Error()
			}
			conn = tc
		}
		p.attach(conn)
		return 0, ""
	}
	offer, opts := s.extensions()
	if cfg != nil {
		// Dial goes on over HTTP/2 when TLS chooses h2, which a
		// configuration made for an HTTP/2 client offers.
		cfg = cfg.Clone()
		cfg.NextProtos = []string{"http/1.1"}
	}
	conn, rest, err := handshake.Dial(ctx, p.tg.url(), &handshake.DialOptions{Extensions: offer, Protocols: s.protocols, TLSConfig: cfg})
	if err != nil {
		return Fail, "handshake: " + err.Error()
	}
	p.attach(conn)
	p.n = copy(p.buf, rest)
	return p.negotiate(conn.(*handshake.ClientConn), offer, opts)
}

// negotiate notes what the server chose of the offer: the subprotocol,
// and permessage-deflate's parameters.
func (p *probe) negotiate(c *handshake.ClientConn, offer string, opts deflate.ClientOptions) (Verdict, string) {
	p.proto = c.Protocol()
	if p.ext = c.Extensions(); p.ext != "" {
		params, ok, err := deflate.ParseResponse([]byte(p.ext), opts)
		if err != nil || !ok {
			if err == nil {
				return Fail, fmt.Sprintf("the server agreed to %q, offered %q: an extension other than permessage-deflate", p.ext, offer)
			}
			return Fail, fmt.Sprintf("invalid permessage-deflate response %q to %q: %v", p.ext, offer, err)
		}
		p.useDeflate(params)
	}
	return 0, ""
}

// expectClose checks that the server answers the case's close frame with
// code (CloseNoStatus: an empty close frame or 1000) and then closes TCP,
// or over HTTP/2 ends the stream with END_STREAM.
func (p *probe) expectClose(code codec.CloseCode) (Verdict, string) {
	o := p.next(p.wait())
	if o.kind != gotClose {
		return Fail, o.String()
	}
	if o.code != code && (code != codec.CloseNoStatus || o.code != codec.CloseNormal) {
		return Fail, o.String() + fmt.Sprintf(" (expected %v)", code)
	}
	after := p.next(p.wait())
	switch {
	case after.kind == gotEOF && after.orderly():
		return Pass, o.String() + ", then " + after.String()
	case after.kind == gotEOF:
		return NonStrict, o.String() + ", then " + after.String() + " instead of END_STREAM (" + rfcStreamEnd + ")"
	case p.h2 != nil:
		return NonStrict, o.String() + ", then " + after.String() + " instead of ending the stream (§7.1.1: the server closes the connection first; " + rfcStreamEnd + ")"
	}
	return NonStrict, o.String() + ", then " + after.String() + " instead of closing TCP (§7.1.1: the server closes it first)"
}

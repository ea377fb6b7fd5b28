package wstest

import (
	"context"
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
	raw   bool                   // a TCP connection without a handshake: the case does the HTTP itself
	offer *deflate.ClientOptions // offer permessage-deflate with these options
	ext   string                 // or this Sec-WebSocket-Extensions value, judged as the zero options
}

// probe is the suite's side of one server case: a client.
type probe struct {
	endpoint
	tg target
}

// runServerCase runs c against the server at tg and times it. It never
// takes longer than the case timeout, and stops at once when ctx is done.
func runServerCase(ctx context.Context, tg target, c *Case, o *Options) Result {
	start := time.Now()
	p := &probe{endpoint: newEndpoint(codec.RoleClient, start.Add(o.timeout()), o.quiet()), tg: tg}
	dctx, cancel := context.WithDeadline(ctx, p.end)
	v, obs := p.connect(dctx, c.setup)
	cancel()
	if v == 0 {
		// The deadlines end the case in time; ctx ends it at once.
		stop := context.AfterFunc(ctx, func() { p.conn.Close() })
		v, obs = c.server(p)
		stop()
		if err := p.out.stop(); err != nil && v == Fail {
			obs += fmt.Sprintf(" (a write had failed: %v)", err)
		}
	}
	return Result{Case: c, Verdict: v, Observed: obs, Elapsed: time.Since(start)}
}

// connect opens the case's connection; a verdict other than 0 ends the
// case there.
func (p *probe) connect(ctx context.Context, s setup) (Verdict, string) {
	if s.raw {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", p.tg.host)
		if err != nil {
			return Fail, "dial: " + err.Error()
		}
		p.attach(conn)
		return 0, ""
	}
	offer, opts := s.ext, deflate.ClientOptions{}
	if s.offer != nil {
		offer, opts = deflate.ClientOffer(*s.offer), *s.offer
	}
	conn, rest, err := handshake.Dial(ctx, "ws://"+p.tg.host+p.tg.path, &handshake.DialOptions{Extensions: offer})
	if err != nil {
		return Fail, "handshake: " + err.Error()
	}
	p.attach(conn)
	p.n = copy(p.buf, rest)
	if p.ext = conn.(*handshake.ClientConn).Extensions(); p.ext != "" {
		params, ok, err := deflate.ParseResponse([]byte(p.ext), opts)
		if err != nil || !ok {
			p.out.stop() // closes the connection
			return Fail, fmt.Sprintf("invalid permessage-deflate response %q to %q: %v", p.ext, offer, err)
		}
		p.useDeflate(params)
	}
	return 0, ""
}

// expectClose checks that the server answers the case's close frame with
// code (CloseNoStatus: an empty close frame or 1000) and then closes TCP.
func (p *probe) expectClose(code codec.CloseCode) (Verdict, string) {
	o := p.next(p.wait())
	if o.kind != gotClose {
		return Fail, o.String()
	}
	if o.code != code && (code != codec.CloseNoStatus || o.code != codec.CloseNormal) {
		return Fail, o.String() + fmt.Sprintf(" (expected %v)", code)
	}
	after := p.next(p.wait())
	if after.kind == gotEOF {
		return Pass, o.String() + ", then TCP closed"
	}
	return NonStrict, o.String() + ", then " + after.String() + " instead of closing TCP (§7.1.1: the server closes it first)"
}
